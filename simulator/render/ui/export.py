"""Pictures out of a screen, with no window: PNGs and animated GIFs, each written atomically
(temp file + rename: an interrupted export never leaves half a picture). Screens give the
frames (Surfaces); a bad path is one line (UserError)."""
from __future__ import annotations

import io
from pathlib import Path

import pygame

from ...engine.checkpoint import atomic_write
from ...errors import UserError


def save_png(surface: pygame.Surface, path: Path, what: str = "the picture") -> Path:
    path = Path(path)
    buf = io.BytesIO()
    try:
        pygame.image.save(surface, buf, "png")
        atomic_write(path, lambda f: f.write(buf.getvalue()))
    except (OSError, pygame.error) as e:
        raise UserError(f"{path}: cannot write {what} ({getattr(e, 'strerror', None) or e})") from None
    return path


def save_gif(frames, path: Path, seconds_per_frame: float, palette: bool = True) -> Path:
    """frames: Surfaces of one size; palette=True quantises each to 256 colours (median cut)."""
    from PIL import Image
    path = Path(path)
    images = []
    for surface in frames:
        image = Image.frombytes("RGB", surface.get_size(), pygame.image.tobytes(surface, "RGB"))
        images.append(image.quantize(256, Image.Quantize.MEDIANCUT) if palette else image)
    if not images:
        raise UserError(f"{path}: no frames to write")
    buf = io.BytesIO()
    images[0].save(buf, "GIF", save_all=True, append_images=images[1:], duration=round(1000 * seconds_per_frame),
                   loop=0, optimize=False)
    try:
        atomic_write(path, lambda f: f.write(buf.getvalue()))
    except OSError as e:
        raise UserError(f"{path}: cannot write the GIF ({e.strerror or e})") from None
    return path
