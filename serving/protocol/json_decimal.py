"""Floats in JSON as TF Serving writes and reads them (util/json_tensor.cc).

Writing (`WriteDecimal`, json_tensor.cc:124-169): printf `%g` (six significant digits), or
`%.9g` / `%.17g` when that does not read back as the same float32 / float64; `.0` is appended
when the text has neither a `.` nor an exponent; non-finite values are `NaN`, `Infinity` and
`-Infinity`. So a float32 0.2 is written `0.2`, not `0.20000000298023224`.

Reading: rapidjson refuses a number too big for a double (`1e400`) as a parse error, and
float inputs take any number, rounded to float32 (`GetFloat`, json_tensor.cc:293-296), so
`DBL_MAX` becomes `inf` there.

    float_texts(np.array([0.2, 3, np.inf], np.float32))    # ['0.2', '3.0', 'Infinity']
    fragment(np.array([[0.5, 1]], np.float32))              # orjson.Fragment(b'[[0.5,1.0]]')
"""
from __future__ import annotations

import math

import numpy as np
import orjson

from serving.protocol.errors import InvalidArgument

_FULL_PRECISION = {np.dtype(np.float32): "%.9g", np.dtype(np.float64): "%.17g"}
TOO_BIG = "JSON Parse error: Number too big to be stored in double"


def is_decimal(array: np.ndarray) -> bool:
    """Whether `array` is written with TF Serving's float rules (float32 and float64)."""
    return array.dtype in _FULL_PRECISION


def float_texts(array: np.ndarray) -> np.ndarray:
    """The JSON text of each element of a float32/float64 array, same shape, as `str` objects."""
    flat = array.reshape(-1)
    if not flat.size:
        return np.empty(array.shape, dtype=object)
    wide = flat.astype(np.float64)
    texts = np.char.mod("%g", wide)
    with np.errstate(over="ignore", invalid="ignore"):
        back = texts.astype(np.float64).astype(array.dtype)
    finite = np.isfinite(flat)
    inexact = finite & (back != flat)
    if inexact.any():
        texts = texts.astype(object)
        texts[inexact] = np.char.mod(_FULL_PRECISION[array.dtype], wide[inexact])
    texts = texts.astype(object)
    whole = finite & (np.char.find(texts.astype(str), ".") < 0) & (np.char.find(texts.astype(str), "e") < 0)
    texts[whole] = [text + ".0" for text in texts[whole]]
    texts[np.isnan(flat)] = "NaN"
    texts[np.isposinf(flat)] = "Infinity"
    texts[np.isneginf(flat)] = "-Infinity"
    return texts.reshape(array.shape)


def _nest(texts: np.ndarray | str) -> str:
    if isinstance(texts, str):
        return texts
    if texts.ndim == 0:
        return str(texts[()])
    if texts.ndim == 1:
        return "[" + ",".join(texts.tolist()) + "]"
    return "[" + ",".join(_nest(part) for part in texts) + "]"


def fragment(array: np.ndarray) -> orjson.Fragment:
    """A float array as one raw JSON value for orjson."""
    return orjson.Fragment(_nest(float_texts(array)).encode("ascii"))


def row_fragments(array: np.ndarray) -> list[orjson.Fragment]:
    """A float array's rows (first dimension) as raw JSON values, for the row format."""
    texts = float_texts(array)
    return [orjson.Fragment(_nest(row).encode("ascii")) for row in texts]


def parse_float(text: str) -> float:
    """`json.loads`'s parse_float: refuse what a double cannot hold, as rapidjson does."""
    value = float(text)
    if math.isinf(value):
        raise InvalidArgument(TOO_BIG)
    return value


def parse_int(text: str) -> int | float:
    """`json.loads`'s parse_int: beyond 64 bits a number is a double in rapidjson, or an error."""
    value = int(text)
    if -(1 << 63) <= value < (1 << 64):
        return value
    try:
        return float(value)
    except OverflowError as error:
        raise InvalidArgument(TOO_BIG) from error
