"""The tensors lesson: every tensor drawn is one the network really holds (its shape and the
picked element read back and compared with a forward pass recomputed here with the ops), the
legend's standardised black and white are the data's, and its labels meet the floor in every
theme at 1024×768 (the projector's x[1, 0, 3, 13] = 2.821 fell to ~10 px on the old canvas)."""
import re

import numpy as np
import pygame
import pytest
from conftest import fast_lessons
from render_kit import make, not_blank, show, sized_texts

from simulator.engine import ops
from simulator.engine.data import MEAN, STD, normalise
from simulator.engine.model import Network, NetConfig
from simulator.numbers import fmt, parse_number
from simulator.render import ui
from simulator.render.lessons import LessonOptions
from simulator.render.ui.theme import THEMES


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    return fast_lessons(tmp_path, monkeypatch)


@pytest.fixture
def options(mnist_dir):
    return LessonOptions(data=mnist_dir)


def elements(texts):
    """The picked elements as written, 'x[1, 0, 3, 13] = 2.821', joined when a narrow column
    wrote the value on the line below its name."""
    out, pending = [], None
    for s in texts:
        if re.match(r"^[LzWyx](\[[\d, ]+\])?( = \S+)?$", s):
            if " = " in s:
                out.append(s)
            else:
                pending = s
        elif pending and s.startswith("= "):
            out.append(f"{pending} {s}")
            pending = None
    return out


def test_tensors_lesson_shows_real_tensors_with_their_shapes(options, mnist):
    _, texts, problems = show(make("tensors", options))
    assert problems == []
    shapes = [s for s in texts if s.startswith("shape ")]
    assert shapes == ["shape ()", "shape [10]", "shape [84, 10]", "shape [6, 28, 28]", "shape [8, 1, 28, 28]"]
    model = Network(NetConfig())      # no --checkpoint: fresh weights, seed 0
    x = normalise(mnist.test_images[:8])
    out = model.forward(x).outputs
    loss, _ = ops.softmax_cross_entropy(out["logits"][:1], mnist.test_labels[:1].astype(np.int64))
    tensors = {"L": np.array(loss), "z": out["logits"][0], "W": model.params["fc3_w"], "y": out["conv1"][0], "x": x}
    found = elements(texts)
    assert len(found) == 5
    for s in found:
        symbol, idx, value = re.match(r"^(\w)(?:\[([\d, ]+)\])? = (\S+)$", s).groups()
        index = tuple(int(v) for v in idx.split(",")) if idx else ()
        want = float(tensors[symbol][index])
        assert abs(parse_number(value) - want) <= 1e-3 * max(1.0, abs(want)), s


def test_the_legend_gives_the_standardised_black_and_white(options):
    _, texts, _ = show(make("tensors", options))
    words = " ".join(texts)
    black, white = (0 / 255 - MEAN) / STD, (255 / 255 - MEAN) / STD      # float64, from the data's constants
    assert f"black enters as {fmt(black, sig=4)}" in words and f"white ink as {fmt(white, sig=4)}" in words
    assert f"(pixel/255 − {MEAN}) / {STD}" in words
    assert "orange" in words and "blue" in words                # the colours are named, not only shown
    # the 4-D panel's grey bar is labelled with the same two ends
    assert f"black {fmt(black, sig=4)}" in texts and f"white {fmt(white, sig=4)}" in texts


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_every_label_meets_the_floor_at_1024x768(theme, options):
    scene = make("tensors", options, THEMES[theme])
    floor = ui.Sizes.for_window((1024, 768), THEMES[theme]).floor
    drawn = sized_texts(scene, (1024, 768))
    labels = [(t, px) for t, px in drawn if t.startswith("x[") or (t.startswith("= ") and len(t) < 12)]
    assert labels and all(px >= floor for _, px in labels), labels
    assert min(px for _, px in drawn) >= floor


def test_keys_and_clicks_choose_the_tensor_and_z_zooms_it(options):
    scene = make("tensors", options)
    show(scene)
    scene.selected = 0
    scene.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RIGHT))
    assert scene.selected == 1
    scene.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_3))
    assert scene.selected == 3
    scene.handle(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=scene.columns[2].center))
    assert scene.selected == 2
    zoom = scene.zoom_target(scene.columns[4].center)
    assert zoom.example.rank == 4
    assert scene.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_ESCAPE)) == ui.BACK


@pytest.mark.parametrize("theme", ["dark", "light", "projector"])
def test_tensors_lesson_draws_in_every_theme(theme, options):
    surface, _, problems = show(make("tensors", options, THEMES[theme]), (1920, 1080))
    assert problems == [] and not_blank(surface, THEMES[theme])


def test_header_height_is_where_the_header_ends():
    pygame.font.init()
    from simulator.render.ui.figures import header, header_height
    for theme in THEMES.values():
        for size in ((1024, 768), (1920, 1080)):
            text, sizes = ui.Text(theme), ui.Sizes.for_window(size, theme)
            for subtitle in ("", "one line", "a subtitle long enough to wrap " * 6):
                bottom = header(pygame.Surface(size), theme, text, sizes, "Title", subtitle)
                assert header_height(text, sizes, size[0], subtitle) == bottom
