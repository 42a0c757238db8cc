"""Captioned images for the captioning tasks, all kept in Flickr8k's layout: a folder of image
files and a captions file with lines `<image file>#<n><TAB><caption>` (several per image allowed).

- `emoji`: every color emoji of Debian's `fonts-noto-color-emoji` rendered with Pillow (a CBDT
  bitmap font, drawn at its native 109 px and downscaled), captioned with its Unicode name:
  U+1F601 -> "grinning face with smiling eyes". ~1.3k images, one clean caption each.
- `clipart`: Debian's `openclipart-svg` drawings rendered with cairosvg, captioned with their
  titles (and short descriptions when present); noisier, `max_images` of them (0: all).
- `folder`: your own images and a Flickr8k-format captions file (`image_dir`, `captions_file`).

Renders are written once, on first use, under `.cache/captioning/<name>/` (or
`$ZOO_CACHE/captioning/<name>/`) as `images/*.png` and `captions.txt`.

    data = load_captioned_images("emoji")
    split = split_images(data, seed=0)           # 80/10/10 by image, fixed by seed
    split.train.files[0], split.train.captions[0]
"""
from __future__ import annotations

import collections
import concurrent.futures
import dataclasses
import os
import re
import shutil
import unicodedata
from pathlib import Path

import numpy as np

from zoo.errors import ZooError
from zoo.task import Splits

CACHE_ROOT = Path(os.environ.get("ZOO_CACHE", Path(__file__).resolve().parents[2] / ".cache")) / "captioning"
EMOJI_FONT = Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")
CLIPART_ROOT = Path("/usr/share/openclipart/svg")
RENDER_SIZE = 96
EMOJI_FONT_SIZE = 109  # the only size the bitmap font has
CAPTIONS_FILE = "captions.txt"
DATASETS = ("emoji", "clipart", "folder")
_BOILERPLATE = re.compile(r"\b(http|www|org|com|svg|eps|png|clipart|cliparts|converted|inkscape|icons?|theme)\b")
COLLECTION_TITLE_COUNT = 5
"""A clip-art title shared by this many files names a collection ("various cliparts"), not a picture."""
_SKIPPED_EMOJI_NAMES = re.compile(r"^(tag |combining |variation selector|zero width|regional indicator|emoji modifier)")


@dataclasses.dataclass(frozen=True)
class CaptionedImages:
    """Image files and their captions (one list per image, at least one caption each)."""

    files: list[str]
    captions: list[list[str]]

    def __len__(self) -> int:
        return len(self.files)

    def subset(self, indices: np.ndarray) -> CaptionedImages:
        return CaptionedImages([self.files[i] for i in indices], [self.captions[i] for i in indices])


def normalize_caption(text: str) -> str:
    """Lowercase words of letters and digits separated by single spaces (what the vocabulary sees)."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def read_captions(captions_file: Path, image_dir: Path) -> CaptionedImages:
    """A Flickr8k-format captions file: `name.jpg#0<TAB>caption` lines, images under `image_dir`."""
    if not captions_file.is_file():
        raise ZooError(f"captions file {captions_file} not found; expected Flickr8k format lines 'image.jpg#0<TAB>a caption'")
    by_image: dict[str, list[str]] = {}
    for number, line in enumerate(captions_file.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        name, tab, caption = line.partition("\t")
        if not tab:
            raise ZooError(f"{captions_file}:{number}: expected 'image.jpg#0<TAB>caption', got {line[:80]!r}")
        caption = normalize_caption(caption)
        if caption:
            by_image.setdefault(name.rsplit("#", 1)[0], []).append(caption)
    missing = [name for name in by_image if not (image_dir / name).is_file()]
    if missing:
        raise ZooError(f"{len(missing)} image(s) named in {captions_file} are not in {image_dir}, e.g. {missing[0]!r}")
    if not by_image:
        raise ZooError(f"{captions_file} has no captions")
    names = sorted(by_image)
    return CaptionedImages([str(image_dir / name) for name in names], [by_image[name] for name in names])


def _write_captions(path: Path, captions: dict[str, list[str]]) -> None:
    lines = [f"{name}#{i}\t{caption}" for name, texts in sorted(captions.items()) for i, caption in enumerate(texts)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _on_white(picture: "Image.Image") -> "Image.Image | None":
    """An RGBA picture cropped to its drawing, centred on a white square, RENDER_SIZE wide
    (None if nothing was drawn)."""
    from PIL import Image

    box = picture.getbbox()
    if box is None:
        return None
    picture = picture.crop(box)
    side = max(picture.size)
    square = Image.new("RGBA", (side, side), (255, 255, 255, 255))
    square.alpha_composite(picture, ((side - picture.width) // 2, (side - picture.height) // 2))
    return square.convert("RGB").resize((RENDER_SIZE, RENDER_SIZE), Image.LANCZOS)


def render_emoji(images: Path) -> dict[str, list[str]]:
    """Draw each single-codepoint emoji of the font; returns captions by file name."""
    from fontTools.ttLib import TTFont
    from PIL import Image, ImageDraw, ImageFont

    if not EMOJI_FONT.is_file():
        raise ZooError(f"{EMOJI_FONT} is missing; install the Debian package fonts-noto-color-emoji")
    font = ImageFont.truetype(str(EMOJI_FONT), EMOJI_FONT_SIZE)
    captions = {}
    for codepoint in sorted(TTFont(str(EMOJI_FONT)).getBestCmap()):
        name = unicodedata.name(chr(codepoint), "").lower()
        if codepoint < 0x80 or not name or _SKIPPED_EMOJI_NAMES.match(name):
            continue
        canvas = Image.new("RGBA", (160, 160), (0, 0, 0, 0))
        ImageDraw.Draw(canvas).text((8, 8), chr(codepoint), font=font, embedded_color=True)
        picture = _on_white(canvas)
        if picture is not None:
            file = f"u{codepoint:05x}.png"
            picture.save(images / file)
            captions[file] = [normalize_caption(name)]
    return captions


def clipart_captions(svg: Path) -> list[str]:
    """Title, then a short description, of an openclipart SVG from its metadata (may be empty)."""
    head = svg.read_text(encoding="utf-8", errors="replace")[:20_000]
    titles = [t for t in re.findall(r"<dc:title>([^<]*)</dc:title>", head) if t.strip() != "Open Clip Art Library"]
    texts = titles[:1] + re.findall(r"<dc:description>([^<]*)</dc:description>", head)[:1]
    captions = []
    for text in texts:
        caption = normalize_caption(text.replace("_", " "))
        words = caption.split()
        if (1 <= len(words) <= 12 and any(len(w) >= 3 and w.isalpha() for w in words)
                and not _BOILERPLATE.search(caption) and caption not in captions):
            captions.append(caption)
    return captions


def _render_svg(svg: str) -> bytes | None:
    import io

    import cairosvg
    from PIL import Image

    try:
        png = cairosvg.svg2png(url=svg, output_width=RENDER_SIZE * 2)
        picture = _on_white(Image.open(io.BytesIO(png)).convert("RGBA"))
    except Exception:  # malformed or unsupported SVGs are skipped
        return None
    if picture is None:
        return None
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def render_clipart(images: Path, max_images: int) -> dict[str, list[str]]:
    """Render captioned SVGs (one per file name, a seeded sample of `max_images` if > 0)."""
    if not CLIPART_ROOT.is_dir():
        raise ZooError(f"{CLIPART_ROOT} is missing; install the Debian package openclipart-svg")
    by_name = {}
    for svg in sorted(CLIPART_ROOT.rglob("*.svg")):
        if svg.name not in by_name and (captions := clipart_captions(svg)):
            by_name[svg.name] = (svg, captions)
    shared = collections.Counter(c for _, captions in by_name.values() for c in captions)
    by_name = {name: (svg, kept) for name, (svg, captions) in by_name.items()
               if (kept := [c for c in captions if shared[c] < COLLECTION_TITLE_COUNT])}
    names = sorted(by_name)
    if max_images:
        names = sorted(np.random.default_rng(0).permutation(names)[:max_images].tolist())
    captions = {}
    with concurrent.futures.ProcessPoolExecutor(max(1, min(4, os.cpu_count() or 1))) as pool:
        for name, png in zip(names, pool.map(_render_svg, [str(by_name[n][0]) for n in names], chunksize=16)):
            if png is not None:
                file = Path(name).with_suffix(".png").name
                (images / file).write_bytes(png)
                captions[file] = by_name[name][1]
    return captions


def cached_renders(name: str, max_images: int = 0) -> Path:
    """The folder of rendered `name` images with its captions file, rendered on first use."""
    folder = CACHE_ROOT / (name if name == "emoji" or not max_images else f"{name}-{max_images}")
    if (folder / CAPTIONS_FILE).is_file():
        return folder
    partial = folder.with_name(f".{folder.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    (partial / "images").mkdir(parents=True)
    captions = render_emoji(partial / "images") if name == "emoji" else render_clipart(partial / "images", max_images)
    _write_captions(partial / CAPTIONS_FILE, captions)
    if folder.exists():  # rendered concurrently by another process
        shutil.rmtree(partial)
    else:
        partial.rename(folder)
    return folder


def load_captioned_images(dataset: str, max_images: int = 0, image_dir: str = "", captions_file: str = "") -> CaptionedImages:
    """The images and captions of `dataset` (see the module doc)."""
    if dataset == "folder":
        if not image_dir or not captions_file:
            raise ZooError("dataset 'folder' needs image_dir (a folder of images) and captions_file (Flickr8k format)")
        data = read_captions(Path(captions_file), Path(image_dir))
        return data.subset(np.arange(min(len(data), max_images or len(data))))
    if dataset not in DATASETS:
        raise ZooError(f"unknown captioning dataset {dataset!r}; available: {', '.join(DATASETS)}")
    folder = cached_renders(dataset, max_images)
    return read_captions(folder / CAPTIONS_FILE, folder / "images")


def split_images(data: CaptionedImages, seed: int = 0) -> Splits[CaptionedImages]:
    """A deterministic shuffled 80/10/10 split by image (all captions of an image stay together)."""
    if len(data) < 10:
        raise ZooError(f"need at least 10 captioned images to split, got {len(data)}")
    order = np.random.default_rng(seed).permutation(len(data))
    n_train, n_val = int(0.8 * len(data)), int(0.1 * len(data))
    parts = np.split(order, [n_train, n_train + n_val])
    return Splits(*(data.subset(np.sort(part)) for part in parts))
