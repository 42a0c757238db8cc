"""Figures the tasks write: image grids, scatter plots and line charts, as PNG files.

Uses matplotlib's Agg backend, so it works without a display.

    save_image_rows(path, {"original": images, "reconstruction": recon})
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def save_image_rows(path: Path, rows: Mapping[str, np.ndarray], title: str = "") -> Path:
    """One row of grayscale images per entry of `rows` (each [N, H, W, 1] in [0, 1])."""
    n = max(len(images) for images in rows.values())
    fig, axes = plt.subplots(len(rows), n, figsize=(1.1 * n, 1.2 * len(rows)), squeeze=False)
    for row, (label, images) in enumerate(rows.items()):
        for col in range(n):
            ax = axes[row][col]
            ax.axis("off")
            if col < len(images):
                ax.imshow(images[col][..., 0], cmap="gray", vmin=0, vmax=1)
        axes[row][0].set_title(label, loc="left", fontsize=9)
    if title:
        fig.suptitle(title)
    return _save(fig, path)


def save_image_grid(path: Path, images: np.ndarray, title: str = "") -> Path:
    """A [rows, cols, H, W, 1] array of images in [0, 1] tiled into one picture."""
    rows, cols, height, width = images.shape[:4]
    tiled = images[..., 0].transpose(0, 2, 1, 3).reshape(rows * height, cols * width)
    fig, ax = plt.subplots(figsize=(6, 6))
    ax.imshow(tiled, cmap="gray", vmin=0, vmax=1)
    ax.axis("off")
    if title:
        ax.set_title(title)
    return _save(fig, path)


def save_scatter(path: Path, points: np.ndarray, labels: np.ndarray, title: str, axis_labels: Sequence[str]) -> Path:
    """A 2-D scatter of `points` coloured by integer `labels`, with a legend."""
    fig, ax = plt.subplots(figsize=(6, 5))
    for label in np.unique(labels):
        mask = labels == label
        ax.scatter(points[mask, 0], points[mask, 1], s=8, alpha=0.7, label=str(label))
    ax.legend(markerscale=2, fontsize=8, ncols=2)
    ax.set_xlabel(axis_labels[0])
    ax.set_ylabel(axis_labels[1])
    ax.set_title(title)
    return _save(fig, path)


def save_lines(path: Path, x: Sequence[float], series: Mapping[str, Sequence[float]], title: str, xlabel: str, ylabel: str, log_y: bool = False) -> Path:
    """Line chart of several series against shared x values."""
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, values in series.items():
        ax.plot(x, values, marker="o", label=name)
    ax.set_xscale("log", base=2)
    ax.set_xticks(list(x), [str(v) for v in x])
    if log_y:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    return _save(fig, path)


def _save(fig: plt.Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
