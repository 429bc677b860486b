"""Scripted windows: `--size WxH`, `--keys "SEQ"`, `--max-frames N`, `--screenshot PATH`.

Every window (app, lecture, lesson) plays its script through the same pygame events a person
would make, so a test or a recorded demo exercises exactly what a key press does.

SEQ is a space-separated list of actions, played one per frame after the first frame:
  NAME       a key press by its pygame key name (`right`, `0`, `space`, `[`, `f11`); a name
             with a space is written with `_` (`page_up`, `keypad_+`)
  NAME*K     K presses of that key, one per frame
  click:X,Y  a left click at window pixel (X, Y)
  move:X,Y   the pointer moves to (X, Y) (then Z zooms the panel there)
e.g. `right*14 0 down*3 space click:400,300`.
"""
from __future__ import annotations

import argparse
import re
import warnings
from dataclasses import dataclass
from pathlib import Path


DEFAULT_SIZE = (1280, 800)
MIN_SIZE, MAX_SIZE = (800, 600), (7680, 4320)
MAX_REPEAT = 100_000


@dataclass(frozen=True)
class Action:
    kind: str                      # "key", "click" or "move"
    key: int = 0                   # pygame key code (kind "key")
    name: str = ""                 # the key's name as written
    pos: tuple[int, int] = (0, 0)  # window pixel (kind "click")


def parse_size(text: str) -> tuple[int, int]:
    """'1280x800' → (1280, 800); argparse type for --size."""
    m = re.fullmatch(r"\s*(\d{1,5})\s*[x×X]\s*(\d{1,5})\s*", text)
    if not m:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size like 1280x800")
    w, h = int(m.group(1)), int(m.group(2))
    if not (MIN_SIZE[0] <= w <= MAX_SIZE[0] and MIN_SIZE[1] <= h <= MAX_SIZE[1]):
        raise argparse.ArgumentTypeError(f"{w}x{h}: the window must be between {MIN_SIZE[0]}x{MIN_SIZE[1]} "
                                         f"and {MAX_SIZE[0]}x{MAX_SIZE[1]}")
    return w, h


def key_code(name: str) -> int:
    """pygame key code of a key name ('right', 'page_up'); ValueError for an unknown name."""
    import pygame
    with warnings.catch_warnings():           # key_code works before pygame.init(), and says so
        warnings.simplefilter("ignore")
        try:
            return pygame.key.key_code(name.replace("_", " "))
        except ValueError:
            raise ValueError(f"unknown key name {name!r} (pygame key names: right, 0, space, "
                             "page_up, f11, [ …)") from None


def parse_keys(text: str) -> tuple[Action, ...]:
    """The --keys sequence as a tuple of Actions (repeats expanded); ValueError names the bad item."""
    actions: list[Action] = []
    for item in text.split():
        kind = item.partition(":")[0].lower()
        if kind in ("click", "move") and ":" in item:
            m = re.fullmatch(rf"{kind}:(\d{{1,5}}),(\d{{1,5}})", item, re.IGNORECASE)
            if not m:
                raise ValueError(f"{item!r}: a {kind} is written {kind}:X,Y with pixel numbers, e.g. {kind}:400,300")
            actions.append(Action(kind, pos=(int(m.group(1)), int(m.group(2)))))
            continue
        m = re.fullmatch(r"(.+)\*(\d+)", item)
        name, repeat = (m.group(1), int(m.group(2))) if m else (item, 1)
        if not 1 <= repeat <= MAX_REPEAT:
            raise ValueError(f"{item!r}: NAME*K needs a whole number K from 1 to {MAX_REPEAT:,}")
        actions.extend([Action("key", key=key_code(name), name=name)] * repeat)
    return tuple(actions)


def keys_argument(text: str) -> tuple[Action, ...]:
    """argparse type for --keys: a bad sequence is argparse's one-line error, exit 2."""
    try:
        return parse_keys(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def add_arguments(parser, frames_note: str = "", size_note: str = "") -> None:
    """The four automation flags, the same on every window."""
    w, h = DEFAULT_SIZE
    parser.add_argument("--size", type=parse_size, default=DEFAULT_SIZE, metavar="WxH",
                        help=f"window size (default {w}x{h}){size_note}")
    parser.add_argument("--keys", type=keys_argument, default=(), metavar="SEQ",
                        help='play key presses, one per frame after the first: pygame key names separated by '
                             'spaces, NAME*K for K presses, click:X,Y for a left click, move:X,Y to point (Z then zooms '
                             'the panel there), '
                             'e.g. "right*14 0 space click:400,300"')
    parser.add_argument("--max-frames", type=_positive_int, metavar="N", help=f"quit after N frames{frames_note}")
    parser.add_argument("--screenshot", type=Path, metavar="PATH", help="save the last frame as a PNG")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} must be ≥ 1")
    return value


def events_for(action: Action) -> list:
    """The pygame events one action makes: key down + up, or move + button down + up."""
    import pygame
    move = pygame.event.Event(pygame.MOUSEMOTION, pos=action.pos, rel=(0, 0), buttons=(0, 0, 0))
    if action.kind == "move":
        return [move]
    if action.kind == "click":
        return [move, pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=action.pos, button=1),
                pygame.event.Event(pygame.MOUSEBUTTONUP, pos=action.pos, button=1)]
    name = pygame.key.name(action.key)
    char = " " if name == "space" else "\r" if name == "return" else name if len(name) == 1 else ""
    common = dict(key=action.key, mod=0, unicode=char, scancode=0)
    return [pygame.event.Event(pygame.KEYDOWN, **common), pygame.event.Event(pygame.KEYUP, **common)]


class Script:
    """Plays a tuple of Actions: `events(frame)` gives the events for frame 0, 1, 2, …
    (nothing on frame 0, then action k on frame k + 1)."""

    def __init__(self, actions=()):
        self.actions = tuple(actions)

    def events(self, frame: int) -> list:
        k = frame - 1
        return events_for(self.actions[k]) if 0 <= k < len(self.actions) else []

    def done(self, frame: int) -> bool:
        return frame > len(self.actions)


def save_screenshot(surface, path: Path) -> Path:
    """Write the surface as a PNG, atomically; a folder that cannot be written is one line."""
    from .export import save_png
    return save_png(surface, path, "the screenshot")
