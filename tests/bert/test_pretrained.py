"""The real all-MiniLM-L6-v2 weights: loaded offline, and they encode meaning."""
import numpy as np

from zoo.bert.backbone import load_backbone, minilm_path


def test_minilm_loads_offline_and_similar_sentences_are_closer(tokenizer):
    backbone = load_backbone("minilm")
    assert backbone.num_layers == 6 and backbone.hidden_dim == 384 and tokenizer.vocabulary_size() == 30522
    assert (minilm_path() / "model.safetensors").is_file()
    import keras_hub

    preprocess = keras_hub.models.BertTextClassifierPreprocessor(tokenizer, sequence_length=16)
    sentences = ["I am very happy today", "I feel really glad today", "The invoice is attached below"]
    inputs = preprocess(np.array(sentences, dtype=object))
    output = backbone(inputs)["sequence_output"].numpy()
    mask = inputs["padding_mask"].numpy()[..., None].astype("float32")
    embeddings = (output * mask).sum(1) / mask.sum(1)
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    assert embeddings[0] @ embeddings[1] > embeddings[0] @ embeddings[2] + 0.2
