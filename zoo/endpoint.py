"""A serving endpoint: what a task offers to clients, as a traceable function with named inputs.

A task returns its endpoints from `Task.endpoints(model)`. The same object is called in-process
by the demos and exported by `serving.export` as a SavedModel signature, so both paths run the
same graph: raw input in (text, image bytes, float batches), decoded output out.

    endpoint = Endpoint(
        name="encode",
        function=lambda images: {"codes": encoder(images)},
        input_signature={"images": tf.TensorSpec([None, 8, 8, 1], tf.float32)},
        examples={"images": np.zeros((2, 8, 8, 1), "float32")},
    )
    endpoint(images=batch)["codes"]
"""
from __future__ import annotations

import dataclasses
import functools
from typing import Callable, Mapping

import numpy as np
import tensorflow as tf

from zoo.errors import ZooError


@dataclasses.dataclass(frozen=True)
class Endpoint:
    """A named function from named input tensors to a dict of named output tensors.

    `examples` is a small batch of valid inputs: exports use it for warmup records and for
    checking the reloaded SavedModel against the in-process model. Floating outputs are cast
    to float32 so a mixed-precision model serves the same dtypes as a float32 one.
    """

    name: str
    function: Callable[..., Mapping[str, tf.Tensor]]
    input_signature: Mapping[str, tf.TensorSpec]
    examples: Mapping[str, np.ndarray]
    description: str = ""

    def __post_init__(self) -> None:
        if set(self.examples) != set(self.input_signature):
            raise ZooError(
                f"endpoint '{self.name}' examples have inputs {sorted(self.examples)}, "
                f"its signature {sorted(self.input_signature)}"
            )
        for key, spec in self.input_signature.items():
            example = np.asarray(self.examples[key])
            if example.dtype != object and example.dtype != spec.dtype.as_numpy_dtype:
                raise ZooError(f"endpoint '{self.name}' example '{key}' is {example.dtype}, its signature wants {spec.dtype.name}")
            if not spec.shape.is_compatible_with(example.shape):
                raise ZooError(f"endpoint '{self.name}' example '{key}' has shape {example.shape}, its signature wants {spec.shape}")

    def __call__(self, **inputs: object) -> dict[str, np.ndarray]:
        """Run in-process on numpy-like inputs; checks names, dtypes and shapes first."""
        missing = sorted(set(self.input_signature) - set(inputs))
        extra = sorted(set(inputs) - set(self.input_signature))
        if missing or extra:
            raise ZooError(
                f"endpoint '{self.name}' takes inputs {list(self.input_signature)}; "
                f"missing {missing}, unexpected {extra}"
            )
        tensors = []
        for spec in self.graph_function.input_signature:
            value = inputs[spec.name]
            try:
                tensor = tf.convert_to_tensor(value, dtype=spec.dtype)
            except (TypeError, ValueError) as error:
                raise ZooError(f"endpoint '{self.name}' input '{spec.name}' expects {spec.dtype.name}: {error}") from error
            if not spec.shape.is_compatible_with(tensor.shape):
                raise ZooError(
                    f"endpoint '{self.name}' input '{spec.name}' expects shape {spec.shape}, got {tensor.shape}"
                )
            tensors.append(tensor)
        try:
            outputs = self.graph_function(*tensors)
        except tf.errors.InvalidArgumentError as error:
            raise ZooError(f"endpoint '{self.name}' rejected its input: {error.message}") from error
        return {key: value.numpy() for key, value in outputs.items()}

    @functools.cached_property
    def graph_function(self) -> tf.types.experimental.PolymorphicFunction:
        """The endpoint as one `tf.function` with named `tf.TensorSpec`s: the in-process call runs
        it, and the export saves it as it is."""
        names = list(self.input_signature)

        def call(*args: tf.Tensor) -> dict[str, tf.Tensor]:
            outputs = self.function(**dict(zip(names, args)))
            return {
                key: tf.cast(value, tf.float32) if value.dtype in (tf.float16, tf.bfloat16) else value
                for key, value in outputs.items()
            }

        specs = [tf.TensorSpec(spec.shape, spec.dtype, name=name) for name, spec in self.input_signature.items()]
        return tf.function(call, input_signature=specs)
