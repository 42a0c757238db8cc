"""Writes PyTorch's legacy checkpoint layout byte by byte (no torch): five pickles, then storages.

    path.write_bytes(legacy_checkpoint({"w": np.ones((2, 3), "float32")}))
"""
from __future__ import annotations

import pickle
import struct

import numpy as np

STORAGE_NAMES = {np.dtype("float32"): "FloatStorage", np.dtype("int64"): "LongStorage"}


def _global(module: str, name: str) -> bytes:
    return b"c" + f"{module}\n{name}\n".encode()


def _text(value: str) -> bytes:
    data = value.encode()
    return b"X" + struct.pack("<I", len(data)) + data


def _int(value: int) -> bytes:
    return b"J" + struct.pack("<i", value)


def _tuple(items: list[bytes]) -> bytes:
    return b"(" + b"".join(items) + b"t"


def _ordered_dict() -> bytes:
    return _global("collections", "OrderedDict") + b")R"


def legacy_checkpoint(tensors: dict[str, np.ndarray], views: dict[str, tuple[str, int, tuple, tuple]] | None = None) -> bytes:
    """`tensors` each in its own storage, plus `views`: name -> (tensor whose storage it reads,
    offset, shape, stride), as torch writes slices and transposes."""
    storages = {f"{1000 + i}": np.array(value, order="C") for i, value in enumerate(tensors.values())}
    keys = dict(zip(tensors, storages))
    entries = {name: (keys[name], 0, value.shape, tuple(s // value.itemsize for s in np.array(value, order="C").strides))
               for name, value in tensors.items()}
    entries.update({name: (keys[base], offset, shape, stride) for name, (base, offset, shape, stride) in (views or {}).items()})
    body = b"\x80\x02" + _ordered_dict() + b"("
    for name, (key, offset, shape, stride) in entries.items():
        storage = storages[key]
        persistent_id = _tuple([_text("storage"), _global("torch", STORAGE_NAMES[storage.dtype]), _text(key),
                                _text("cpu"), _int(storage.size), b"N"])
        body += _text(name) + _global("torch._utils", "_rebuild_tensor_v2") + _tuple([
            persistent_id + b"Q", _int(offset), _tuple([_int(n) for n in shape]), _tuple([_int(s) for s in stride]),
            b"\x89", _ordered_dict()]) + b"R"
    body += b"u."
    header = b"".join(pickle.dumps(value, protocol=2) for value in (
        0x1950A86A20F9469CFC6C, 1001, {"protocol_version": 1001, "little_endian": True,
                                       "type_sizes": {"short": 2, "int": 4, "long": 4}}))
    raw = b"".join(struct.pack("<q", value.size) + value.astype(value.dtype.newbyteorder("<")).tobytes()
                   for value in storages.values())
    return header + body + pickle.dumps(list(storages), protocol=2) + raw


def tiny_efficientnet_state(seed: int = 0) -> dict[str, np.ndarray]:
    """A state_dict in EfficientNet-PyTorch's naming for `TINY_BACKBONE`: a 3x3 block (no
    expansion, 8 -> 8 channels), two 5x5 blocks (expansion 6, 8 -> 16 -> 16), the 1,280-wide head, 5 classes.
    (The head stays 1,280 wide: keras-hub 0.32's EfficientNetBackbone leaves `num_features` out of
    its config, so a preset of any other width reloads with the wrong shape.)"""
    rng = np.random.default_rng(seed)
    state: dict[str, np.ndarray] = {}

    def conv(name, *shape):
        state[f"{name}.weight"] = rng.normal(0, 0.3, shape).astype("float32")

    def batch_norm(name, channels):
        state[f"{name}.weight"] = rng.uniform(0.5, 1.5, channels).astype("float32")
        state[f"{name}.bias"] = rng.normal(0, 0.1, channels).astype("float32")
        state[f"{name}.running_mean"] = rng.normal(0, 0.1, channels).astype("float32")
        state[f"{name}.running_var"] = rng.uniform(0.5, 2.0, channels).astype("float32")
        state[f"{name}.num_batches_tracked"] = np.array(0, "int64")

    conv("_conv_stem", 8, 3, 3, 3)
    batch_norm("_bn0", 8)
    conv("_blocks.0._depthwise_conv", 8, 1, 3, 3)
    batch_norm("_blocks.0._bn1", 8)
    conv("_blocks.0._project_conv", 8, 8, 1, 1)
    batch_norm("_blocks.0._bn2", 8)
    for index, inputs in ((1, 8), (2, 16)):
        conv(f"_blocks.{index}._expand_conv", inputs * 6, inputs, 1, 1)
        batch_norm(f"_blocks.{index}._bn0", inputs * 6)
        conv(f"_blocks.{index}._depthwise_conv", inputs * 6, 1, 5, 5)
        batch_norm(f"_blocks.{index}._bn1", inputs * 6)
        conv(f"_blocks.{index}._project_conv", 16, inputs * 6, 1, 1)
        batch_norm(f"_blocks.{index}._bn2", 16)
    conv("_conv_head", 1280, 16, 1, 1)
    batch_norm("_bn1", 1280)
    state["_fc.weight"] = rng.normal(0, 0.3, (5, 1280)).astype("float32")
    state["_fc.bias"] = rng.normal(0, 0.1, 5).astype("float32")
    return state


TINY_BACKBONE = {
    "stackwise_width_coefficients": [1.0, 1.0], "stackwise_depth_coefficients": [1.0, 1.0],
    "stackwise_kernel_sizes": [3, 5], "stackwise_num_repeats": [1, 2], "stackwise_input_filters": [8, 8],
    "stackwise_output_filters": [8, 16], "stackwise_expansion_ratios": [1, 6], "stackwise_strides": [1, 2],
    "stackwise_squeeze_and_excite_ratios": [0, 0], "stackwise_block_types": ["v1", "v1"],
    "stackwise_force_input_filters": [0, 0], "stackwise_nores_option": [False, False], "activation": "relu6",
    "min_depth": None, "use_depth_divisor_as_min_depth": True, "cap_round_filter_decrease": True,
    "batch_norm_epsilon": 1e-3, "dropout": 0.0,
}
