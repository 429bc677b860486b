"""The layout check on every lesson: each one rendered in every theme at 1024×768, 1280×800 and
1920×1080 (through the same LessonHost the windows use, which scales the lesson's 1280×800
canvas to the window), in its showcase state and the states a class steps through, with the
UI kit's check on: every text inside its panel, no two texts overlapping, nothing cut."""
import numpy as np
import pygame
import pytest
from conftest import fast_lessons
from simulator.render.ui.check import MIN_GAP as MIN_GAP_STRICT

from simulator.render.lessons.menu import LessonHost
from simulator.render.lessons import LESSON_SCENES, LessonOptions
from simulator.render.lessons.common import SIZE
from simulator.render.ui.theme import THEMES
from simulator.render.ui import CHECK

pygame.font.init()
WINDOWS = [(1024, 768), (1280, 800), (1920, 1080)]


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    return fast_lessons(tmp_path, monkeypatch)


def states(name, scene):
    """The showcase state, and for the stepped lessons every step (graph) or window (pooling)."""
    if hasattr(scene, "demo"):
        scene.demo()
    yield "demo"
    if name == "graph":
        for step in range(scene.last_step + 1):
            scene.step = step
            yield f"step {step}"
        scene.set_inputs(scene.x, 0.0)                     # y = 0: the division-by-zero state
        scene.step = scene.last_step
        yield "y = 0"
    elif name == "pooling":
        n = scene.demo_data.max_y.shape[0]
        for k in range(n * n):
            scene.selected = divmod(k, n)
            yield f"window {scene.selected}"
    elif name == "learning-rate":
        scene.step = 0
        yield "step 0"
    elif name == "draw":
        scene.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_s))
        yield "square"


@pytest.mark.parametrize("theme", sorted(THEMES))
@pytest.mark.parametrize("name", sorted(LESSON_SCENES))
def test_every_lesson_passes_the_layout_check_in_every_theme_and_window(name, theme, mnist_dir):
    th = THEMES[theme]
    title, factory = LESSON_SCENES[name]
    scene = factory(th, LessonOptions(data=mnist_dir))
    try:
        ready = getattr(scene, "ready", lambda: True)
        for _ in range(1200):
            if ready():
                break
            pygame.time.wait(50)
        assert ready()
        scene.update(0.2)
        host = LessonHost(th, scene, title)
        for state in states(name, scene):
            for size in WINDOWS if state == "demo" else [SIZE]:
                host.layout(size)
                window = pygame.Surface(size)
                CHECK.enable(min_gap=MIN_GAP_STRICT)
                try:
                    host.draw(window, 0.0)
                    problems = CHECK.violations(pygame.Rect((0, 0), SIZE))
                    count = len(CHECK.texts())
                finally:
                    CHECK.disable()
                assert problems == [], f"{name} {theme} {size} {state}: {problems[:5]}"
                assert count > 5
                # the scaled lesson fills the window's width or height (letterboxed, not shrunk further)
                rgb = pygame.surfarray.array3d(window)
                lit = np.flatnonzero((rgb != th.background).any(axis=2).any(axis=1))
                assert lit[-1] - lit[0] >= 0.9 * min(size[0], SIZE[0] * size[1] / SIZE[1])
    finally:
        scene.close()
