"""Monkey test: random key presses, clicks, drags, wheel turns and window resizes on every screen.

`python -m benchmarks.monkey --events 3000` drives every screen (the app, the app with its
network designer open first, the lecture and every lesson in simulator.cli_args.LESSONS) in every
theme with that many random gestures from a fixed seed, in-process under SDL's dummy driver: each gesture's events go to the scene's own
handle(), then update() and draw() run as in its window loop. Any exception ends the run with
the screen, theme, seed and gesture that raised it. tests/test_monkey.py runs a short version.
`--cli K` instead runs `main.py SCREEN --keys ...` (K random keys and clicks) in a fresh process
for every screen × theme × size (1024x768, 1280x800, 1920x1080): each must exit 0.

A gesture is what one frame of a person's input can hold: a key press (down + up), a click
(move + down + up), a drag (down, a few moves, up), a wheel turn, a mouse move, or a resize.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import numpy as np  # noqa: E402
import pygame  # noqa: E402

from simulator.cli_args import LESSONS, THEMES  # noqa: E402
from simulator.render.ui.theme import THEMES as THEME_OBJECTS  # noqa: E402

# every key any screen listens to, and some that none does
KEY_NAMES = ("left right up down space return backspace delete tab escape q page_up page_down home end "
             "+ - = [ ] , . / keypad_+ keypad_- f11 0 1 2 3 4 5 6 7 8 9 "
             "a b c d e f g h i j k l m n o p r s t u v w x y z").split()
QUIT_KEYS = ("escape", "q")
# the network designer's keys (A opens and closes it; Enter retrains), with the arrows and +/− doubled
DESIGNER_KEYS = ("up down left right up down left right + - + - = keypad_+ keypad_- 1 2 3 4 5 return a escape "
                 "space p h").split()
SIZES = ((1024, 768), (1280, 800), (1920, 1080))
DT = 1 / 30


def key_event_pair(name: str) -> list:
    from simulator.render.ui.script import Action, events_for, key_code
    return events_for(Action("key", key=key_code(name), name=name))


def gestures(rng: np.random.Generator, count: int, size, quit_keys: bool = True, key_names=KEY_NAMES):
    """`count` random gestures (lists of pygame events) inside a window of `size`."""
    keys = [k for k in key_names if quit_keys or k not in QUIT_KEYS]
    w, h = size
    for _ in range(count):
        kind = rng.choice(("key", "click", "drag", "wheel", "move", "resize"), p=(0.55, 0.2, 0.12, 0.05, 0.06, 0.02))
        pos = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        if kind == "key":
            yield key_event_pair(keys[rng.integers(len(keys))])
        elif kind == "click":
            button = 1 if rng.random() < 0.85 else int(rng.integers(2, 4))
            yield [pygame.event.Event(pygame.MOUSEMOTION, pos=pos, rel=(0, 0), buttons=(0, 0, 0)),
                   pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=button),
                   pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=button)]
        elif kind == "drag":
            events = [pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1)]
            x, y = pos
            for _ in range(int(rng.integers(1, 6))):
                dx, dy = (int(v) for v in rng.integers(-120, 121, 2))
                x, y = min(max(0, x + dx), w - 1), min(max(0, y + dy), h - 1)
                events.append(pygame.event.Event(pygame.MOUSEMOTION, pos=(x, y), rel=(dx, dy), buttons=(1, 0, 0)))
            events.append(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=(x, y), button=1))
            yield events
        elif kind == "wheel":
            yield [pygame.event.Event(pygame.MOUSEWHEEL, x=0, y=int(rng.choice((-3, -1, 1, 3))), flipped=False)]
        elif kind == "move":
            yield [pygame.event.Event(pygame.MOUSEMOTION, pos=pos, rel=(int(rng.integers(-30, 31)), 0),
                                      buttons=(0, 0, 0))]
        else:
            yield [("resize", (int(rng.integers(800, 1921)), int(rng.integers(600, 1081))))]


def random_keys(rng: np.random.Generator, count: int, size) -> str:
    """A random --keys sequence (keys and clicks; no quit keys, so the window plays all of it)."""
    keys = [k for k in KEY_NAMES if k not in QUIT_KEYS]
    items = []
    for _ in range(count):
        if rng.random() < 0.25:
            items.append(f"click:{rng.integers(0, size[0])},{rng.integers(0, size[1])}")
        else:
            items.append(f"{keys[rng.integers(len(keys))]}*{rng.integers(1, 4)}" if rng.random() < 0.2
                         else keys[rng.integers(len(keys))])
    return " ".join(items)


class MonkeyFailure(AssertionError):
    pass


def _run(screen_name, theme, size, count, seed, make_root, draw_every=1, key_names=KEY_NAMES,
         start=None) -> int:
    """Open `make_root()` in the kit's window runner (as every window runs), play `count`
    gestures (a frame after every `draw_every`-th and the last); a quit or the last Esc is
    undone (the root opens again) so the gestures go on. Any exception is wrapped with what
    led to it. `start(window)` runs once first (e.g. opens the designer)."""
    from simulator.render import ui
    rng = np.random.default_rng(seed)
    surface = pygame.display.set_mode(size)
    window = ui.Window(make_root(), ui.WindowOptions(size=size, screenshot_dir=Path(tempfile.mkdtemp(prefix="monkey-"))),
                       screen=surface)
    done = 0
    try:
        if start is not None:
            start(window)
        for events in gestures(rng, count, size, key_names=key_names):
            for event in events:
                if isinstance(event, tuple):          # a resize: the window changes, then says so
                    pygame.display.set_mode(event[1])
                    event = pygame.event.Event(pygame.VIDEORESIZE, size=event[1], w=event[1][0], h=event[1][1])
                window.running = True
                window.handle(event)
                if not window.stack:                  # the last Esc closed it: open it again
                    window.push(make_root())
            done += 1
            if done % draw_every == 0 or done == count:
                window.running = True
                window.frame([], DT)
                if not window.stack:
                    window.push(make_root())
    except Exception as e:
        raise MonkeyFailure(f"{screen_name} ({theme}, {size[0]}x{size[1]}, seed {seed}) raised after {done} "
                            f"gestures: {type(e).__name__}: {e}") from e
    finally:
        window.close()
    return done


def monkey_lesson(name: str, theme: str, size, count: int, seed: int = 0, options=None, draw_every: int = 1) -> int:
    """A lesson as its own window runs it."""
    from simulator.render.lessons import LessonOptions, open_lesson
    th = THEME_OBJECTS[theme]
    options = options or LessonOptions()
    return _run(f"lesson {name}", theme, size, count, seed, lambda: open_lesson(name, th, options), draw_every)


def monkey_lecture(theme: str, size, count: int, seed: int = 0, session=None, draw_every: int = 1) -> int:
    """The lecture scene as its window runs it; Esc/Q reopens it at step 1."""
    from simulator.render.lecture.scene import LectureScene, LectureSession
    session = session or LectureSession()
    return _run("lecture", theme, size, count, seed, lambda: LectureScene(session, session.trace_test_image(0), theme),
                draw_every)


class _Session:
    """The app's training session for the monkey: a small worker, restarted by the designer."""

    def __init__(self, data):
        self.data = data
        self.workers = [start_worker(data)]

    @property
    def worker(self):
        return self.workers[-1]

    def restart(self, spec):
        self.worker.stop()
        self.workers.append(start_worker(self.data, spec))
        return self.worker

    def close(self):
        for w in self.workers:
            w.stop()


def monkey_app(theme: str, size, count: int, seed: int = 0, data=None, pictures: Path = Path("pictures"),
               draw_every: int = 1, designer: bool = False) -> int:
    """The app's scenes with a training worker behind them (the lessons menu and every lesson
    inside the app included, and the network designer, whose Enter restarts training with
    another network); a quit is undone so the gestures go on. `data`: a Dataset (small_data());
    every worker of the run trains on it and is stopped at the end. `designer`: the gestures
    start with the designer open (key A) and press its keys most."""
    from simulator.render.app.live_scene import LiveScene
    data = small_data() if data is None else data
    session = _Session(data)
    end = time.perf_counter() + 300
    while not session.worker.ready:                  # the kernels compile once per process
        if session.worker.error is not None or time.perf_counter() > end:
            raise RuntimeError(f"the training worker did not start: {session.worker.error}")
        time.sleep(0.05)

    def start(window):
        if designer:
            window.frame(key_event_pair("a"), DT)
            if not window.scene.editor.visible:
                raise RuntimeError("key A did not open the network designer")

    try:
        return _run("designer" if designer else "app", theme, size, count, seed,
                    lambda: LiveScene(THEME_OBJECTS[theme], session.worker, session), draw_every,
                    DESIGNER_KEYS if designer else KEY_NAMES, start)
    finally:
        session.close()


def small_data(data_dir=None, images: int = 2000):
    """A subset of MNIST for the app's monkey."""
    from simulator.engine.data import load_dataset
    return load_dataset(data_dir).subset(images, max(1, images // 10))


def start_worker(data, spec: str | None = None):
    """A small training worker for the app's monkey (batch 16; LeNet-5 unless `spec`)."""
    from simulator.engine.trainer import TrainConfig, Trainer
    from simulator.engine.worker import TrainingWorker
    config = TrainConfig(batch_size=16, schedule="constant") if spec is None else \
        TrainConfig(batch_size=16, schedule="constant", arch=spec)
    return TrainingWorker(Trainer(config, data), eval_images=100).start()


def cli_matrix(screens, themes, keys: int, seed: int, data: Path | None) -> int:
    """`main.py SCREEN --keys RANDOM` in a fresh process for every screen × theme × size in SIZES:
    each must exit 0 with no traceback. Returns the number of runs."""
    import subprocess
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy"}
    runs = 0
    for i, name in enumerate(screens):
        command = [name] if name in ("app", "lecture") else ["lesson", name]
        if name in ("app", "lecture") and data:
            command += ["--data", str(data)]
        if name == "app":
            command += ["--subset", "2000"]
        for j, theme in enumerate(themes):
            for k, size in enumerate(SIZES):
                rng = np.random.default_rng(seed * 1000 + i * 100 + j * 10 + k)
                sequence = random_keys(rng, keys, size)
                with tempfile.TemporaryDirectory(prefix="monkey-cli-") as work:
                    cmd = [sys.executable, str(root / "main.py"), *command, "--theme", theme,
                           "--size", f"{size[0]}x{size[1]}", "--keys", sequence, "--max-frames", str(keys + 10),
                           "--screenshot", os.path.join(work, "last.png")]
                    proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=600)
                if proc.returncode != 0 or "Traceback" in proc.stderr:
                    raise MonkeyFailure(f"`main.py {' '.join(command)} --theme {theme} --size {size[0]}x{size[1]}` "
                                        f"exited {proc.returncode}:\n{proc.stderr[-2000:]}\nkeys: {sequence}")
                runs += 1
            print(f"{name:14s} {theme:9s} --keys ({keys} random) at {', '.join(f'{w}x{h}' for w, h in SIZES)}: "
                  f"exit 0", flush=True)
    return runs


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.monkey", description=__doc__.split("\n\n")[0])
    p.add_argument("--events", type=int, default=3000, help="gestures per screen and theme (default 3000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--draw-every", type=int, default=1, help="draw after every K-th gesture (default 1: every one)")
    p.add_argument("--data", type=Path, help="MNIST folder (default: bundled)")
    p.add_argument("--screens", default="app,designer,lecture," + ",".join(LESSONS),
                   help="comma-separated: app, designer (the app with its network designer open first), "
                        "lecture, lesson names (default: all)")
    p.add_argument("--themes", default=",".join(THEMES))
    p.add_argument("--cli", type=int, metavar="K",
                   help="instead: run main.py with K random --keys for every screen × theme × size, in fresh processes")
    args = p.parse_args(argv)
    if args.cli:
        started = time.perf_counter()
        runs = cli_matrix(args.screens.split(","), args.themes.split(","), args.cli, args.seed, args.data)
        print(f"total: {runs} runs of main.py --keys, all exit 0, {time.perf_counter() - started:.0f} s")
        return 0
    pygame.display.init()
    pygame.font.init()
    from simulator.render.lessons import LessonOptions
    screens, themes = args.screens.split(","), args.themes.split(",")
    options = LessonOptions(data=args.data, checkpoint=_bundled_model())
    data = small_data(args.data) if {"app", "designer"} & set(screens) else None
    session = None
    total, started = 0, time.perf_counter()
    try:
        for i, name in enumerate(screens):
            for j, theme in enumerate(themes):
                size = SIZES[(i + j) % len(SIZES)]
                seed = args.seed * 1000 + i * 10 + j
                t0 = time.perf_counter()
                if name in ("app", "designer"):
                    n = monkey_app(theme, size, args.events, seed, data, Path(tempfile.mkdtemp(prefix="monkey-")),
                                   args.draw_every, designer=name == "designer")
                elif name == "lecture":
                    if session is None:
                        from simulator.render.lecture.scene import LectureSession
                        session = LectureSession(args.data)
                    n = monkey_lecture(theme, size, args.events, seed, session, args.draw_every)
                else:
                    n = monkey_lesson(name, theme, size, args.events, seed, options, args.draw_every)
                total += n
                print(f"{name:14s} {theme:9s} {size[0]}x{size[1]}: {n:,} gestures survived "
                      f"in {time.perf_counter() - t0:.1f} s", flush=True)
    except MonkeyFailure as e:
        print(f"FAILED: {e}", file=sys.stderr)
        raise
    finally:
        pygame.quit()
    print(f"total: {total:,} gestures on {len(screens)} screens × {len(themes)} themes, no exception, "
          f"{time.perf_counter() - started:.0f} s")
    return 0


def _bundled_model():
    from simulator.paths import BUNDLED_MODEL
    return BUNDLED_MODEL if BUNDLED_MODEL.is_file() else None


if __name__ == "__main__":
    sys.exit(main())
