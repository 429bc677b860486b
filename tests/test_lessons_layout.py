"""The layout check on every lesson, as its window shows it: each one run in the kit's window
runner in every theme at 1024×768, 1280×800 and 1920×1080, in its showcase state and every
state its tour() steps through, then zoomed (Z), with the check on: every text inside its
panel, no two texts overlapping, nothing cut, nothing under the theme's floor (1.75% of the
height, 2.5% in the projector theme; 4% zoomed)."""
import math

import pygame
import pytest
from conftest import fast_lessons

from simulator.render import ui
from simulator.render.lessons import LESSON_SCENES, LessonOptions, open_lesson
from simulator.render.ui.theme import THEMES

WINDOWS = [(1024, 768), (1280, 800), (1920, 1080)]


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    return fast_lessons(tmp_path, monkeypatch)


def states(scene):
    """The showcase state, then every state of the lesson's tour (if it has one)."""
    if hasattr(scene, "demo"):
        scene.demo()
    yield "demo"
    if hasattr(scene, "tour"):
        yield from scene.tour()


def check(window, what: str, floor_fraction: float) -> None:
    ui.CHECK.enable(min_gap=ui.check.MIN_GAP, floor=ui.CHECK.floor)
    try:
        window.running = True
        window.frame([], 0.0)
        problems = window_violations(window)
        sizes = ui.CHECK.sizes()
    finally:
        ui.CHECK.disable()
    assert problems == [], f"{what}: {problems[:5]}"
    assert len(sizes) > 5, f"{what}: only {len(sizes)} texts"
    h = window.screen.get_height()
    assert min(sizes) >= math.ceil(floor_fraction * h - 1e-9), f"{what}: text of {min(sizes)} px"


def window_violations(window):
    return ui.CHECK.violations(window.screen.get_rect())


@pytest.mark.parametrize("theme", sorted(THEMES))
@pytest.mark.parametrize("name", sorted(LESSON_SCENES))
def test_every_lesson_passes_the_layout_check_in_every_theme_and_window(name, theme, mnist_dir):
    th = THEMES[theme]
    pygame.display.init()
    pygame.font.init()
    for size in WINDOWS:
        scene = open_lesson(name, th, LessonOptions(data=mnist_dir))
        assert isinstance(scene, ui.Scene), f"{name} is not a scene of the window runner"
        for _ in range(1200):
            if scene.ready:
                break
            pygame.time.wait(50)
        assert scene.ready
        check_every_state(scene, f"{name} {theme} {size}", size)


def check_every_state(scene, what: str, size, zoom: bool = True) -> None:
    """The scene in the kit's window runner at size: its showcase state and every state of its
    tour through the check at its theme's floor, then (zoom) its Z view at the zoom's floor."""
    screen = pygame.display.set_mode(size)
    window = ui.Window(scene, ui.WindowOptions(size=size), screen=screen)
    try:
        window.run(2)
        for state in states(scene):
            window._laid_out = None          # a state may change what fits
            check(window, f"{what} {state}", scene.theme.text_floor)
        if zoom:
            window.zoom((size[0] // 3, size[1] // 2))
            assert isinstance(window.scene, ui.window.ZoomScene), f"{what}: Z zooms nothing"
            window.run(window.frames + 2)
            check(window, f"{what} zoomed", ui.sizes.ZOOM_FLOOR)
            window.zoom((0, 0))
            assert window.scene is scene
    finally:
        window.close()


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_the_lessons_menu_passes_the_layout_check_with_and_without_a_refusal(theme, mnist_dir):
    """The app's L menu: every lesson's row, and a refusal (draw on colour data) written under
    the list, inside the window, apart from the rows and never under the floor."""
    from simulator.render.lessons.menu import LessonMenu
    th = THEMES[theme]
    pygame.display.init()
    pygame.font.init()
    for size in WINDOWS:
        screen = pygame.display.set_mode(size)
        menu = LessonMenu(th, LessonOptions(data=mnist_dir))
        window = ui.Window(menu, ui.WindowOptions(size=size), screen=screen)
        try:
            window.run(1)
            assert [name for name, _ in menu.rows] == list(LESSON_SCENES)
            check(window, f"menu {theme} {size}", th.text_floor)
            menu.refuse("--data shapes: the draw lesson shows MNIST-format data (1×28×28 grey digits), not folders "
                          "of pictures or colour; the app and train take them: python main.py app --data shapes")
            check(window, f"menu {theme} {size} with a refusal", th.text_floor)
        finally:
            window.close()
