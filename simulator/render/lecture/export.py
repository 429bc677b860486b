"""The lecture without a window: every step (or --range A:B) as PNGs (--export DIR) or as an
animated GIF (--gif PATH), drawn at --size with that window's Sizes, exactly as the window
would show it (without the key hints, which only a window needs)."""
from __future__ import annotations

from pathlib import Path

import pygame

from ...errors import UserError
from .. import ui
from ..ui.script import DEFAULT_SIZE
from ..ui.theme import THEMES
from .view import StepView

GIF_SECONDS = 3.0


def parse_range(text: str | None, total: int) -> range:
    """'A:B' (1-based, inclusive; A or B may be left out) → 0-based range of step indices."""
    if not text:
        return range(total)
    a, sep, b = text.partition(":")
    try:
        first = int(a) if a.strip() else 1
        last = (int(b) if b.strip() else total) if sep else first
    except ValueError:
        raise UserError(f"--range {text!r}: expected A:B with step numbers, e.g. 5:12") from None
    if not 1 <= first <= last <= total:
        raise UserError(f"--range {text}: steps go from 1 to {total}, and A must not exceed B")
    return range(first - 1, last)


def render_frames(steps, indices, theme_name: str, size=DEFAULT_SIZE, status: str = ""):
    """Yield (index, Surface) for each step index, drawn without a window."""
    theme = THEMES[theme_name]
    sizes = ui.Sizes.for_window(size, theme)
    view = StepView(theme, ui.Text(theme))
    for i in indices:
        surface = pygame.Surface(size)
        view.draw(surface, steps[i], i, len(steps), sizes, status=status)
        yield i, surface


def export_pngs(steps, folder: Path, indices, theme_name: str, size=DEFAULT_SIZE, status: str = "") -> list[Path]:
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UserError(f"--export {folder}: cannot create the folder ({e.strerror})") from None
    written = []
    for i, surface in render_frames(steps, indices, theme_name, size, status):
        written.append(ui.export.save_png(surface, folder / f"step-{i + 1:03d}.png"))
    return written


def export_gif(steps, path: Path, indices, theme_name: str, size=DEFAULT_SIZE, status: str = "",
               seconds: float = GIF_SECONDS) -> Path:
    path = Path(path)
    if not path.parent.is_dir():
        raise UserError(f"--gif {path}: folder {path.parent} does not exist")
    frames = (surface for _, surface in render_frames(steps, indices, theme_name, size, status))
    return ui.export.save_gif(frames, path, seconds, palette=False)
