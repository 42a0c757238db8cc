"""The Gradio app: a tab per family with its tasks inside, each task's controls laid out by its
family's tab module.

    app = build_app(["conv_autoencoder"], "models")                          # in-process, trained tasks
    app = build_app(["conv_autoencoder"], "models", "http://localhost:8501")  # via TF Serving, live
    app.launch()

Against a server the app loads no model: each tab shows its task's training live until the
server serves it (`demos.live`). In-process, each task's trained model is loaded here.
A tab module exposes `build_tab(task, backend, artifacts_dir)`; families without one get
`demos.generic`, laid out from the task's endpoints.
"""
from __future__ import annotations

import itertools
from pathlib import Path
from typing import Callable, Sequence

import gradio as gr

from demos import autoencoders, bert, captioning, generic, gpt2, imagenet, translation
from demos.backends import Backend, InProcessBackend, ServingBackend
from demos.live import LivePanel
from zoo.registry import get_entry
from zoo.training import run_directory
from zoo.workflow import load_trained, task_in

TABS: dict[str, Callable] = {
    "autoencoders": autoencoders.build_tab,
    "bert": bert.build_tab,
    "captioning": captioning.build_tab,
    "gpt2": gpt2.build_tab,
    "imagenet": imagenet.build_tab,
    "translation": translation.build_tab,
}
"""Hand-made tabs by family; any other family's tasks get `generic.build_tab`."""
FAMILY_TITLES = {"gpt2": "GPT", "bert": "BERT", "imagenet": "ImageNet", "autoencoders": "Autoencoders",
                 "captioning": "Captioning", "translation": "Translation"}


def build_app(task_names: Sequence[str], workdir: str | Path = "models", backend_url: str | None = None) -> gr.Blocks:
    """Tabs for `task_names`, grouped by family in the order given."""
    families = itertools.groupby(sorted(task_names, key=lambda n: _family_order(task_names, n)),
                                 key=lambda n: get_entry(n).family)
    with gr.Blocks(title="Keras model zoo") as app:
        gr.Markdown("# Keras model zoo\nEvery model here is trained by the zoo and exported for TensorFlow Serving.")
        for family, names in families:
            names = list(names)
            with gr.Tab(FAMILY_TITLES.get(family, family), id=family):
                if len(names) == 1:
                    _task_tab(names[0], workdir, backend_url)
                    continue
                with gr.Tabs():
                    for name in names:
                        with gr.Tab(name.replace("_", " "), id=name):
                            _task_tab(name, workdir, backend_url)
    return app


def _family_order(task_names: Sequence[str], name: str) -> tuple[int, int]:
    families = list(dict.fromkeys(get_entry(n).family for n in task_names))
    return families.index(get_entry(name).family), list(task_names).index(name)


def _task_tab(name: str, workdir: str | Path, backend_url: str | None) -> None:
    run = run_directory(workdir, name)
    build_tab = TABS.get(get_entry(name).family, generic.build_tab)
    if backend_url is None:
        task, model = load_trained(name, workdir)
        backend: Backend = InProcessBackend(task.endpoints(model))
        gr.Markdown(f"Backend: {backend.description}")
        build_tab(task, backend, run.evaluation)
        return
    task = task_in(workdir, name)
    backend = ServingBackend(backend_url, name)
    gr.Markdown(f"Backend: {backend.description}")
    with LivePanel(run.progress, backend):
        build_tab(task, backend, run.evaluation)


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
