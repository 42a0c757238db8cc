"""Attention maps as pictures: which source tokens each output token looked at.

    outputs = translate(text=["Dios es amor."], beam_width=1, max_length=20)
    save_attention_map(Path("attention.png"), outputs, 0, title="Dios es amor.")
    image = attention_image(outputs, 0)          # the same picture as an RGB array, for the demo
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def _tokens(row: np.ndarray) -> list[str]:
    return [t.decode("utf-8", errors="replace") if isinstance(t, bytes) else str(t) for t in row if t not in (b"", "")]


def attention_figure(outputs: Mapping[str, np.ndarray], index: int, title: str = "") -> plt.Figure:
    """A heatmap of `outputs['attention'][index]` (a `translate` endpoint's outputs), output
    tokens down, source tokens across, cut to the real tokens of both."""
    source, target = _tokens(outputs["source_tokens"][index]), _tokens(outputs["target_tokens"][index])
    weights = np.asarray(outputs["attention"][index])[:len(target), :len(source)]
    fig, ax = plt.subplots(figsize=(max(4, 0.45 * len(source) + 2), max(3, 0.35 * len(target) + 1.5)))
    image = ax.imshow(weights, cmap="viridis", vmin=0, vmax=max(float(weights.max(initial=0)), 1e-6), aspect="auto")
    ax.set_xticks(range(len(source)), source, rotation=90, fontsize=8)
    ax.set_yticks(range(len(target)), target, fontsize=8)
    ax.set_xlabel("Spanish tokens")
    ax.set_ylabel("English tokens")
    fig.colorbar(image, ax=ax, fraction=0.04)
    if title:
        ax.set_title(title[:80], fontsize=9)
    fig.tight_layout()
    return fig


def save_attention_map(path: Path, outputs: Mapping[str, np.ndarray], index: int, title: str = "") -> Path:
    """The heatmap of one sentence as a PNG file."""
    fig = attention_figure(outputs, index, title)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def attention_image(outputs: Mapping[str, np.ndarray], index: int, title: str = "") -> np.ndarray:
    """The heatmap of one sentence as an RGB uint8 array [H, W, 3]."""
    fig = attention_figure(outputs, index, title)
    fig.canvas.draw()
    image = np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()
    plt.close(fig)
    return image
