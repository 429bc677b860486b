"""Monkey test: every screen (the app, the app with its network designer open, the lecture,
every lesson in cli_args.LESSONS) in every theme takes a few hundred random key presses, clicks,
drags, wheel turns and resizes from a fixed seed without raising (in-process, SDL's dummy
driver); and one run per kind of window goes through `main.py ... --keys` in a subprocess. The
long version: `python -m benchmarks.monkey`."""
import numpy as np
import pygame
import pytest

from benchmarks import monkey
from simulator.cli_args import LESSONS, THEMES
from simulator.paths import BUNDLED_MODEL
from test_cli import main_py

GESTURES, DRAW_EVERY = 160, 5
CASES = [(screen, theme) for screen in ("app", "designer", "lecture", *LESSONS) for theme in THEMES]


@pytest.fixture(scope="module")
def display(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("CNN_SIMULATOR_CACHE", str(tmp_path_factory.mktemp("cache")))
    pygame.display.init()
    pygame.font.init()
    yield
    pygame.display.quit()
    mp.undo()


@pytest.fixture(scope="module")
def data(mnist_dir):
    return monkey.small_data(mnist_dir, images=1000)


@pytest.fixture(scope="module")
def session(display, mnist_dir):
    from simulator.render.lecture.scene import LectureSession
    return LectureSession(mnist_dir)


@pytest.mark.parametrize("screen, theme", CASES)
def test_random_input_never_raises(screen, theme, display, mnist_dir, tmp_path, request):
    i = CASES.index((screen, theme))
    size, seed = monkey.SIZES[i % len(monkey.SIZES)], 1000 + i
    if screen in ("app", "designer"):
        n = monkey.monkey_app(theme, size, GESTURES, seed, request.getfixturevalue("data"), tmp_path, DRAW_EVERY,
                              designer=screen == "designer")
    elif screen == "lecture":
        n = monkey.monkey_lecture(theme, size, GESTURES, seed, request.getfixturevalue("session"), DRAW_EVERY)
    else:
        from simulator.render.lessons import LessonOptions
        options = LessonOptions(data=mnist_dir, checkpoint=BUNDLED_MODEL if BUNDLED_MODEL.is_file() else None)
        n = monkey.monkey_lesson(screen, theme, size, GESTURES, seed, options, DRAW_EVERY)
    assert n == GESTURES


def test_gestures_are_varied_and_reproducible():
    rng = lambda: np.random.default_rng(7)     # noqa: E731
    a = list(monkey.gestures(rng(), 300, (1024, 768)))
    b = list(monkey.gestures(rng(), 300, (1024, 768)))
    describe = lambda g: [(e if isinstance(e, tuple) else (e.type, e.dict.get("key"), e.dict.get("pos"))) for e in g]  # noqa: E731
    assert [describe(g) for g in a] == [describe(g) for g in b]
    types = {e.type for g in a for e in g if not isinstance(e, tuple)}
    assert {pygame.KEYDOWN, pygame.MOUSEBUTTONDOWN, pygame.MOUSEMOTION, pygame.MOUSEWHEEL} <= types
    assert any(isinstance(e, tuple) for g in a for e in g)                    # a resize
    assert len({e.key for g in a for e in g if not isinstance(e, tuple) and e.type == pygame.KEYDOWN}) > 30


@pytest.mark.parametrize("command", [["app"], ["lecture"], ["lesson", "graph"]])
def test_random_keys_through_the_command_line(command, mnist_dir, tmp_path):
    keys = monkey.random_keys(np.random.default_rng(len(command)), 100, (1024, 768))
    shot = tmp_path / "last.png"
    data = [] if command[0] == "lesson" else ["--data", mnist_dir]
    proc = main_py(*command, *data, "--size", "1024x768", "--theme", "light", "--keys", keys,
                   "--max-frames", "110", "--screenshot", shot, display=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    assert pygame.image.load(str(shot)).get_size() == (1024, 768)
