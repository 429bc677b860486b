"""The screens between the big ones, in every theme at 1024×768, 1280×800 and 1920×1080 with
the layout check on (inside the window, no overlaps, nothing under the theme's floor): the
app's loading screen while the kernels compile, and the lecture's drawing pad (empty, with a
stroke, and with its "draw first" note)."""
import math
from types import SimpleNamespace

import pygame
import pytest

from simulator.render import ui
from simulator.render.app.loading import LoadingScene
from simulator.render.lecture.pad import PadScene
from simulator.render.ui.theme import THEMES

WINDOWS = [(1024, 768), (1280, 800), (1920, 1080)]


def checked(scene, size, theme):
    """Lay the scene out for a window of `size`, draw it with the check on: (violations, text sizes)."""
    pygame.font.init()
    sizes = ui.Sizes.for_window(size, theme)
    scene.layout(size, sizes)
    surface = pygame.Surface(size)
    ui.CHECK.enable(min_gap=ui.check.MIN_GAP, floor=sizes.floor)
    try:
        scene.draw(surface)
        return ui.CHECK.violations(surface.get_rect()), ui.CHECK.sizes()
    finally:
        ui.CHECK.disable()


def assert_clean(scene, size, theme, what):
    problems, sizes = checked(scene, size, theme)
    assert problems == [], f"{what}: {problems[:4]}"
    assert sizes and min(sizes) >= math.ceil(theme.text_floor * size[1] - 1e-9), f"{what}: {min(sizes)} px"


@pytest.mark.parametrize("theme", sorted(THEMES))
@pytest.mark.parametrize("size", WINDOWS)
def test_the_loading_screen(theme, size):
    th = THEMES[theme]
    worker = SimpleNamespace(progress=(3, 5, "first training step"), error=None, ready=False)
    scene = LoadingScene(th, SimpleNamespace(worker=worker))
    scene.elapsed = 125.0
    assert_clean(scene, size, th, f"loading {theme} {size}")


@pytest.mark.parametrize("theme", sorted(THEMES))
@pytest.mark.parametrize("size", WINDOWS)
def test_the_lecture_drawing_pad(theme, size):
    th = THEMES[theme]
    pad = PadScene(th, lambda image, label: None)
    assert_clean(pad, size, th, f"pad {theme} {size} empty")
    r = pad.pad_rect
    for event in (pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=(r.x + r.w // 2, r.y + r.h // 4)),
                  pygame.event.Event(pygame.MOUSEMOTION, pos=(r.x + r.w // 2, r.y + 3 * r.h // 4), rel=(0, 0),
                                     buttons=(1, 0, 0)),
                  pygame.event.Event(pygame.MOUSEBUTTONUP, button=1, pos=(r.x + r.w // 2, r.y + 3 * r.h // 4))):
        pad.handle(event)
    assert pad.preview.any()
    assert_clean(pad, size, th, f"pad {theme} {size} drawn")
    pad.message = "Draw a digit first."
    assert_clean(pad, size, th, f"pad {theme} {size} with its note")


def training(label: str):
    """A background task a third of the way through, as a lesson sees it while its runs train."""
    from simulator.engine.background import Background
    task = Background(lambda _: None, "training")
    task._progress = (7, 20, label)
    return task


@pytest.mark.parametrize("theme", sorted(THEMES))
@pytest.mark.parametrize("name, attribute", [("overfitting", "task"), ("activations", "job"), ("draw", "job")])
def test_lessons_while_their_runs_train(name, attribute, theme, mnist_dir, tmp_path, monkeypatch):
    """The state a class sees first: the lesson open, its comparison (or quick model) still
    training behind a progress bar."""
    from conftest import fast_lessons
    from simulator.render.lessons import LessonOptions, open_lesson
    fast_lessons(tmp_path, monkeypatch)
    th = THEMES[theme]
    scene = open_lesson(name, th, LessonOptions(data=mnist_dir))         # draw: no checkpoint, its quick model
    try:
        getattr(scene, attribute).stop()
        setattr(scene, attribute, training("epoch 3 of 20"))
        assert not scene.ready
        for size in WINDOWS:
            assert_clean(scene, size, th, f"{name} {theme} {size} training")
    finally:
        scene.close()
