"""Pictures of captions: a grid of images with predicted and true captions, and attention
overlays (where the decoder looked for each word).

    save_caption_grid(path, images, predicted, references)
    overlays = attention_overlays(image, attention, words)   # [(picture, word), ...]
    save_attention_rows(path, [overlays, ...], title="...")  # one row of overlays per image
"""
from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

OVERLAY_SIZE = 160


def _save(fig: plt.Figure, path: Path, title: str) -> Path:
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def save_caption_grid(path: Path, images: np.ndarray, predicted: Sequence[str], references: Sequence[str],
                      title: str = "", columns: int = 4) -> Path:
    """Images [N, H, W, 3] in [0, 1] with "predicted" and "true" captions under each."""
    rows = -(-len(images) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(3.2 * columns, 3.6 * rows), squeeze=False)
    for index, ax in enumerate(axes.flat):
        ax.axis("off")
        if index < len(images):
            ax.imshow(np.clip(images[index], 0, 1))
            ax.set_title(f"model: {textwrap.fill(predicted[index], 30)}\ntrue: {textwrap.fill(references[index], 30)}",
                         fontsize=8, loc="left")
    return _save(fig, path, title)


def attention_overlays(image: np.ndarray, attention: np.ndarray, words: Sequence[str]) -> list[tuple[np.ndarray, str]]:
    """One picture per word: `image` ([H, W, 3] in [0, 1]) tinted red where the word's
    attention ([words, gh, gw]) is high, stretched per word from its least to its most attended
    cell (so a nearly uniform attention still shows where it peaks)."""
    base = np.asarray(Image.fromarray((np.clip(image, 0, 1) * 255).astype("uint8")).resize(
        (OVERLAY_SIZE, OVERLAY_SIZE), Image.BILINEAR), dtype="float32") / 255
    pictures = []
    for weights, word in zip(attention, words):
        heat = (weights - weights.min()) / max(float(weights.max() - weights.min()), 1e-9)
        heat = np.asarray(Image.fromarray((heat * 255).astype("uint8")).resize(
            (OVERLAY_SIZE, OVERLAY_SIZE), Image.BILINEAR), dtype="float32")[..., None] / 255
        tinted = base * (0.35 + 0.65 * heat) + np.array([1.0, 0.0, 0.0]) * 0.45 * heat
        pictures.append(((np.clip(tinted, 0, 1) * 255).astype("uint8"), word))
    return pictures


def save_attention_rows(path: Path, rows: Sequence[Sequence[tuple[np.ndarray, str]]], title: str = "") -> Path:
    """Rows of (picture, label) panels, e.g. one image's `attention_overlays` per row."""
    columns = max(len(row) for row in rows)
    fig, axes = plt.subplots(len(rows), columns, figsize=(1.9 * columns, 2.1 * len(rows)), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for row, panels in zip(axes, rows):
        for ax, (picture, label) in zip(row, panels):
            ax.imshow(picture)
            ax.set_title(label, fontsize=9)
    return _save(fig, path, title)
