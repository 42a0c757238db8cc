"""GPT-2's byte-pair tokenizer, rebuilt offline from the BPE ranks that `openai-whisper` ships.

`whisper/assets/gpt2.tiktoken` lists GPT-2's 50,256 byte tokens with their merge ranks. The
vocabulary (`encoder.json`) and merge list (`vocab.bpe`) that keras-hub's `GPT2Tokenizer`
takes are recovered from it exactly: a token's id is its rank, and its merge is the pair that
byte-pair encoding of the token with all lower-ranked merges ends with. `<|endoftext|>` is
id 50256, last, as in GPT-2 (keras-hub pads with id 0, so the end token must not be 0).

    tokenizer = gpt2_tokenizer()
    tokenizer("Hello world")              # [15496, 995]
    tokenizer.detokenize([15496, 995])    # "Hello world"

The whisper package is read as files only (importing it would import torch).
"""
from __future__ import annotations

import base64
import functools
import importlib.util
from pathlib import Path

import keras_hub

from zoo.errors import ZooError

END_TOKEN = "<|endoftext|>"
END_TOKEN_ID = 50256
VOCABULARY_SIZE = 50257


def ranks_file() -> Path:
    """Path of `gpt2.tiktoken` inside the installed `openai-whisper` package."""
    spec = importlib.util.find_spec("whisper")
    if spec is None or not spec.submodule_search_locations:
        raise ZooError(
            "GPT-2's tokenizer needs the data package openai-whisper: "
            "pip install --no-deps -r requirements-data.txt (or `make install`)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "assets" / "gpt2.tiktoken"
    if not path.is_file():
        raise ZooError(f"{path} is missing; reinstall openai-whisper==20250625 with --no-deps")
    return path


def byte_to_unicode() -> dict[int, str]:
    """GPT-2's reversible map from bytes to printable characters (`bytes_to_unicode`)."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    codes = list(printable)
    extra = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            codes.append(256 + extra)
            extra += 1
    return dict(zip(printable, map(chr, codes)))


@functools.cache
def vocabulary_and_merges() -> tuple[dict[str, int], list[str]]:
    """GPT-2's `encoder.json` mapping and its 50,000 merges, in rank order."""
    ranks = {}
    for line in ranks_file().read_text().splitlines():
        token, rank = line.split()
        ranks[base64.b64decode(token)] = int(rank)
    to_text = byte_to_unicode()

    def text(token: bytes) -> str:
        return "".join(to_text[byte] for byte in token)

    merges = []
    for token, rank in sorted(ranks.items(), key=lambda item: item[1]):
        if len(token) < 2:
            continue
        parts = [token[i:i + 1] for i in range(len(token))]
        while len(parts) > 2:
            pairs = [ranks.get(parts[i] + parts[i + 1], rank) for i in range(len(parts) - 1)]
            best = min(range(len(pairs)), key=pairs.__getitem__)
            parts[best:best + 2] = [parts[best] + parts[best + 1]]
        merges.append(f"{text(parts[0])} {text(parts[1])}")
    vocabulary = {text(token): rank for token, rank in ranks.items()}
    vocabulary[END_TOKEN] = END_TOKEN_ID
    return vocabulary, merges


def gpt2_tokenizer() -> keras_hub.models.GPT2Tokenizer:
    """keras-hub's `GPT2Tokenizer` with GPT-2's own vocabulary and merges, built offline."""
    vocabulary, merges = vocabulary_and_merges()
    return keras_hub.models.GPT2Tokenizer(vocabulary=vocabulary, merges=merges)
