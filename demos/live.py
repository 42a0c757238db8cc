"""A task's tab while its model is on its way: training live, then the model once it is served.

The workflow writes `<run>/progress.json` (`zoo.progress`); the model server loads each new export
by polling its files. A `LivePanel` shows the progress (phase, epoch, loss curve, time left) and
reveals the tab's controls as soon as the server reports a version AVAILABLE, with no reload.

    with LivePanel(run.progress, backend):
        ...                                            # the tab's controls, shown once served
"""
from __future__ import annotations

import dataclasses
import http.client
from pathlib import Path

import gradio as gr
import pandas as pd

from serving.protocol.errors import ServingError
from zoo.progress import Progress, read_progress

POLL_SECONDS = 2.0


@dataclasses.dataclass(frozen=True)
class ServedState:
    """What the server says about a model: its available version, if any, or why there is none;
    `pending` when the server lists a version that is not available yet (loading, say)."""

    version: int | None
    note: str
    pending: bool = False

    @property
    def available(self) -> bool:
        return self.version is not None


def served_state(backend) -> ServedState:
    """The newest AVAILABLE version of `backend`'s model, asking the server's status API."""
    try:
        states = backend.status()
    except (OSError, http.client.HTTPException):
        return ServedState(None, "the model server is starting")
    except ServingError:  # the server answers but does not know the model yet (404)
        return ServedState(None, "not exported yet")
    available = [int(s.get("version", 0)) for s in states if s.get("state") == "AVAILABLE"]
    if available:
        return ServedState(max(available), "")
    loading = [s.get("state", "").lower() for s in states]
    return ServedState(None, f"the server is {loading[0]} it" if loading else "not exported yet", pending=bool(loading))


def status_text(progress: Progress | None, served: ServedState) -> str:
    """The panel's markdown: what is served now and where training is."""
    if served.available:
        lead = f"**Live**: serving version {served.version}."
    else:
        lead = f"**Not live yet**: {served.note}."
    if progress is None:
        return lead + " Waiting for the training worker."
    if progress.phase == "ready":
        return lead
    return f"{lead} Worker: {progress.describe()}."


def loss_frame(progress: Progress | None) -> pd.DataFrame:
    """The loss curves as long-form rows (epoch, loss, curve) for `gr.LinePlot`."""
    rows = []
    if progress is not None:
        rows += [(x, y, "training") for x, y in progress.loss]
        rows += [(x, y, "validation") for x, y in progress.val_loss]
    return pd.DataFrame(rows, columns=["epoch", "loss", "curve"])


class LivePanel:
    """A context: status line and loss curve, then the tab's controls (shown once the model is
    served), polled every few seconds until the model is served and its worker is done."""

    def __init__(self, progress_path: Path, backend):
        self.progress_path = Path(progress_path)
        self.backend = backend

    def state(self) -> tuple[Progress | None, ServedState]:
        return read_progress(self.progress_path), served_state(self.backend)

    def __enter__(self) -> gr.Column:
        progress, served = self.state()
        self.status = gr.Markdown(status_text(progress, served), elem_classes=["live-status"])
        self.plot = gr.LinePlot(loss_frame(progress), x="epoch", y="loss", color="curve", title="loss",
                                visible=_training(progress), height=220)
        self.timer = gr.Timer(POLL_SECONDS, active=not settled(progress, served))
        self.body = gr.Column(visible=served.available)
        return self.body.__enter__()

    def __exit__(self, *exc_info) -> None:
        self.body.__exit__(*exc_info)

        def refresh():
            progress, served = self.state()
            return (status_text(progress, served),
                    gr.LinePlot(loss_frame(progress), visible=_training(progress)),
                    gr.Column(visible=served.available),
                    gr.Timer(active=not settled(progress, served)))

        self.timer.tick(refresh, outputs=[self.status, self.plot, self.body, self.timer],
                        show_progress="hidden", queue=False)


def _training(progress: Progress | None) -> bool:
    return progress is not None and progress.phase in ("training", "trained", "evaluating", "exporting") and bool(progress.loss)


def settled(progress: Progress | None, served: ServedState) -> bool:
    """Nothing more will change: the model is served and its worker is done, or the worker
    failed and the server has no version on its way."""
    if progress is None:
        return False
    if served.available:
        return progress.phase in ("ready", "failed")
    return progress.phase == "failed" and not served.pending
