"""Every lesson is registered with the command line, and `python main.py lesson NAME
--export/--screenshot` writes what its window shows (the lessons' own numbers:
tests/test_lessons_<name>.py; their layout: tests/test_lessons_layout.py)."""
import pygame
import pytest
from conftest import fast_lessons
from PIL import Image
from render_kit import assert_not_blank

from simulator import cli, cli_args
from simulator.render.lessons import LESSON_SCENES
from simulator.render.ui.script import DEFAULT_SIZE
from simulator.render.ui.theme import THEMES

DARK = THEMES["dark"]


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    return fast_lessons(tmp_path, monkeypatch)


def test_registry_lists_every_lesson_of_the_cli():
    assert set(LESSON_SCENES) == set(cli_args.LESSONS)
    assert all(isinstance(title, str) and callable(f) for title, f in LESSON_SCENES.values())


def test_cli_exports_png_and_gif(tmp_path, mnist_dir):
    png, gif = tmp_path / "pool.png", tmp_path / "graph.gif"
    assert cli.main(["lesson", "pooling", "--export", str(png)]) == 0
    with Image.open(png) as im:
        assert im.size == DEFAULT_SIZE
    assert cli.main(["lesson", "regression", "--export", str(gif), "--max-frames", "3"]) == 0
    with Image.open(gif) as im:
        assert im.n_frames >= 2 and im.size == DEFAULT_SIZE       # (identical neighbours are merged)
    assert cli.main(["lesson", "graph", "--export", str(tmp_path / "x.jpg")]) == 2


def test_cli_window_screenshot(tmp_path):
    shot = tmp_path / "lr.png"
    assert cli.main(["lesson", "learning-rate", "--max-frames", "3", "--screenshot", str(shot)]) == 0
    pygame.font.init()
    surface = pygame.image.load(str(shot))
    assert surface.get_size() == DEFAULT_SIZE
    assert_not_blank(surface, DARK)
