"""The translation tasks the registry lists: each a named preset with its summary and config defaults."""
from zoo.task_entry import TaskEntry

TASKS = (
    TaskEntry(
        name="translation_rnn",
        family="translation",
        task_class="zoo.translation.task:TranslationTask",
        summary="GRU encoder-decoder without attention, Spanish -> English Bible verses",
        quickstart=False,
    ),
    TaskEntry(
        name="translation_attention",
        family="translation",
        task_class="zoo.translation.task:TranslationTask",
        summary="bidirectional GRU encoder-decoder with dot-product (Luong) attention; attention maps",
        defaults={"attention": "dot", "bidirectional": True},
    ),
    TaskEntry(
        name="translation_transformer",
        family="translation",
        task_class="zoo.translation.task:TranslationTask",
        summary="Transformer encoder-decoder from keras-hub layers",
        defaults={"architecture": "transformer", "num_layers": 2, "units": 128, "num_heads": 4, "intermediate_dim": 256},
        quickstart=False,
    ),
)
