"""The Gradio app: a tab per task, each built by the task's own `demo_module`.

    app = build_app(["conv_autoencoder"], "models")                       # in-process
    app = build_app(["conv_autoencoder"], "models", "http://localhost:8501")  # via TF Serving
    app.launch()

A tab module exposes `build_tab(task, backend, artifacts_dir)` and is called inside a
`gr.Tab`; it gets a `demos.backends.Backend` and the task's evaluation directory (plots).
"""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import Sequence

import gradio as gr

from demos.backends import Backend, InProcessBackend, ServingBackend
from zoo.errors import ZooError
from zoo.training import load_trained, run_directory


def make_backend(task_name: str, workdir: str | Path, backend_url: str | None):
    """The task (as trained) and a backend for it: in-process, or the server at `backend_url`."""
    task, model = load_trained(task_name, workdir)
    backend: Backend = ServingBackend(backend_url, task_name) if backend_url else InProcessBackend(task.endpoints(model))
    return task, backend


def build_app(task_names: Sequence[str], workdir: str | Path = "models", backend_url: str | None = None) -> gr.Blocks:
    with gr.Blocks(title="Keras model zoo") as app:
        gr.Markdown("# Keras model zoo\nEvery model here is trained by the zoo and exported for TensorFlow Serving.")
        for name in task_names:
            task, backend = make_backend(name, workdir, backend_url)
            if task.demo_module is None:
                raise ZooError(f"task {name} has no demo")
            with gr.Tab(name.replace("_", " ")):
                gr.Markdown(f"Backend: {backend.description}")
                importlib.import_module(task.demo_module).build_tab(task, backend, run_directory(workdir, name).evaluation)
    return app


def launch(
    task_names: Sequence[str],
    workdir: str | Path = "models",
    *,
    backend_url: str | None = None,
    port: int = 7860,
    open_browser: bool = True,
) -> None:
    """Build the app and serve it on 127.0.0.1:`port` until interrupted."""
    app = build_app(task_names, workdir, backend_url)
    app.queue().launch(server_name="127.0.0.1", server_port=port, inbrowser=open_browser, share=False)
