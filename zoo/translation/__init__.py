"""Spanish -> English translation: RNN encoder-decoders without and with attention, and a
Transformer, trained on Bible verse pairs and served as raw text in, English text out."""
from zoo.registry import TaskEntry

TASKS = (
    TaskEntry("translation_rnn", "translation", "zoo.translation.task:TranslationTask",
              "GRU encoder-decoder without attention, Spanish -> English Bible verses", quickstart=False),
    TaskEntry("translation_attention", "translation", "zoo.translation.task:TranslationTask",
              "bidirectional GRU encoder-decoder with dot-product (Luong) attention; attention maps",
              {"attention": "dot", "bidirectional": True}),
    TaskEntry("translation_transformer", "translation", "zoo.translation.task:TranslationTask",
              "Transformer encoder-decoder from keras-hub layers",
              {"architecture": "transformer", "num_layers": 2, "units": 128, "num_heads": 4, "intermediate_dim": 256},
              quickstart=False),
)
