"""Where a demo tab sends its requests: the in-process model, or a TF Serving endpoint.

Both expose the client's `predict(inputs, signature_name=None)`, returning numpy arrays (text
and bytes as object arrays of `bytes`), so a tab never knows which one it talks to.

    backend = InProcessBackend(task.endpoints(model))
    backend = ServingBackend("http://localhost:8501", "conv_autoencoder")
    backend.predict({"images": batch}, signature_name="encode")["codes"]
"""
from __future__ import annotations

from typing import Mapping, Protocol, Sequence

import numpy as np


class Backend(Protocol):
    description: str

    def predict(self, inputs: Mapping[str, object], signature_name: str | None = None) -> dict[str, np.ndarray]: ...


class InProcessBackend:
    """Calls the task's endpoints directly; `serving_default` is the first endpoint."""

    def __init__(self, endpoints: Sequence, description: str = "in-process Keras model"):
        self.endpoints = {endpoint.name: endpoint for endpoint in endpoints}
        self.default = endpoints[0].name
        self.description = description

    def predict(self, inputs: Mapping[str, object], signature_name: str | None = None) -> dict[str, np.ndarray]:
        name = self.default if signature_name in (None, "serving_default") else signature_name
        if name not in self.endpoints:
            raise KeyError(f"no endpoint {name!r}; available: {', '.join(self.endpoints)}")
        return self.endpoints[name](**inputs)


class ServingBackend:
    """Calls a model on a TF Serving (or `python -m serving serve`) REST or gRPC endpoint."""

    def __init__(self, target: str, model_name: str, timeout: float = 60):
        from serving.client import connect

        self.client = connect(target, model_name, timeout=timeout)
        self.description = f"TF Serving model '{model_name}' at {target}"

    def predict(self, inputs: Mapping[str, object], signature_name: str | None = None) -> dict[str, np.ndarray]:
        return self.client.predict(inputs, signature_name=signature_name)

    def status(self) -> list[dict]:
        """The model's versions and their states, as TF Serving's model status API lists them."""
        return self.client.status()
