"""The tab of a family with no hand-made one: any endpoint, its inputs as TF Serving's REST JSON.

    build_tab(task, backend, Path("models/my_task/evaluation"))

The request is what `POST /v1/models/<task>:predict` takes under "inputs" (a dict of named
lists), filled in at first with the examples of the task's first endpoint; the answer shows
every output, byte strings decoded as UTF-8.
"""
from __future__ import annotations

import json
from pathlib import Path

import gradio as gr
import numpy as np

from demos.errors import reason


def jsonable(outputs: dict[str, np.ndarray]) -> dict:
    """Endpoint outputs as JSON values: arrays to lists, bytes decoded."""
    def value(item):
        if isinstance(item, bytes):
            return item.decode("utf-8", errors="replace")
        return item.tolist() if isinstance(item, np.generic) else item

    return {name: np.vectorize(value, otypes=[object])(array).tolist() if array.dtype == object else array.tolist()
            for name, array in outputs.items()}


def build_tab(task, backend, artifacts_dir: Path) -> None:
    """A signature name, a JSON request and the JSON answer, filled in with the first endpoint's examples."""
    gr.Markdown(f"**{task.name.replace('_', ' ')}**: send its endpoints a request as TF Serving's REST `inputs`.")
    endpoint, examples = next(iter(task.examples().items()))
    signature = gr.Textbox(label="Signature", value=endpoint)
    request = gr.Code(label='Inputs, e.g. {"text": ["hello"]}', language="json", value=json.dumps(jsonable(
        {name: np.asarray(value) for name, value in examples.items()})))
    answer = gr.JSON(label="Outputs")

    def call(signature_name: str, text: str) -> dict:
        try:
            inputs = json.loads(text)
        except json.JSONDecodeError as error:
            raise gr.Error(f"The inputs are not valid JSON ({error.msg} at line {error.lineno}).") from error
        if not isinstance(inputs, dict) or not inputs:
            raise gr.Error('Give the inputs as a JSON object of named values, e.g. {"text": ["hello"]}.')
        try:
            return jsonable(backend.predict({k: np.asarray(v, dtype=object if _is_text(v) else None) for k, v in inputs.items()},
                                            signature_name=signature_name.strip() or None))
        except Exception as error:
            raise gr.Error(f"The model rejected this request: {reason(error)}") from error

    gr.Button("Send", variant="primary").click(call, [signature, request], answer, api_name=f"{task.name}_predict")


def _is_text(value) -> bool:
    return isinstance(value, str) or (isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value))
