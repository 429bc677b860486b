"""The UI kit every screen shares: the one number format, sizes from the window, the heat
colouring (zero visible, one-sided after ReLU) and the layout check itself (it must catch
what it claims to catch)."""
import math

import numpy as np
import pygame
import pytest

from simulator.numbers import fmt, fmt_cell, parse_number
from simulator.render import ui
from simulator.render.ui.theme import THEMES


@pytest.fixture(scope="module", autouse=True)
def fonts():
    pygame.font.init()
    yield


@pytest.mark.parametrize("v, digits, text", [(0.5, 3, "0.500"), (-0.0004, 3, "0.000"), (-2.5, 1, "−2.5"),
                                             (123456.0, 3, "1.23×10⁵"), (float("nan"), 3, "NaN"), (None, 2, "NaN"),
                                             (float("inf"), 3, "∞"), (-float("inf"), 2, "−∞")])
def test_fmt_fixed_decimals(v, digits, text):
    assert fmt(v, digits) == text


@pytest.mark.parametrize("v", [0.01234, -0.5, 1234.5, 2.5e-5, -3.25e-4, 999.9, 7, np.int64(-3), np.float32(0.25)])
def test_fmt_significant_digits_reads_back(v):
    s = fmt(v, sig=4)
    assert "-" not in s and "e" not in s
    assert parse_number(s) == pytest.approx(float(v), rel=5e-3)
    if isinstance(v, (int, np.integer)):
        assert s == str(int(v)).replace("-", "−")


def test_fmt_cell_and_parse_number_round_trip():
    for v in (-1234.0, 5e8, 0.25, -0.004):
        assert parse_number(fmt_cell(v)) == pytest.approx(v, rel=0.5, abs=0.006)
    assert math.isnan(parse_number("NaN")) and parse_number("−∞") == -math.inf


def test_lessons_and_lecture_share_the_one_formatter():
    from simulator.engine.lecture import step as lecture_step
    assert ui.fmt is fmt and ui.grid_format is lecture_step.grid_format and ui.grid_text is lecture_step.grid_text
    assert lecture_step.fmt(float("nan")) == "NaN" == ui.fmt(float("nan"))
    assert lecture_step.fmt(0.000123) == fmt(0.000123, sig=4) == "1.23×10⁻⁴"


@pytest.mark.parametrize("p, text", [(0.5, "50.0%"), (1 - 4.2e-5, "99.996%"), (3e-7, "< 0.001%"),
                                     (1 - 1e-9, "> 99.999%"), (0.0, "0.0%"), (1.0, "100.0%"), (float("nan"), "NaN")])
def test_percentages_never_round_to_what_softmax_cannot_reach(p, text):
    from simulator.numbers import fmt_percent
    assert fmt_percent(p) == text


@pytest.mark.parametrize("theme, fraction", [("dark", 0.0175), ("light", 0.0175), ("projector", 0.025)])
@pytest.mark.parametrize("size", [(1024, 768), (1280, 800), (1920, 1080), (800, 600), (3840, 2160)])
def test_the_floor_is_a_fraction_of_the_height(theme, fraction, size):
    sizes = ui.Sizes.for_window(size, THEMES[theme])
    assert sizes.small >= fraction * size[1] - 1e-9 > sizes.small - 1     # ⌈fraction × height⌉
    assert sizes.small < sizes.body < sizes.title < sizes.heading
    zoomed = ui.Sizes.zoomed(size, THEMES[theme])
    assert zoomed.small >= 0.04 * size[1] - 1e-9 > zoomed.small - 1 and zoomed.px(100) > sizes.px(100)


def test_sizes_grow_with_the_window_and_the_projector():
    dark, proj = THEMES["dark"], THEMES["projector"]
    at = ui.Sizes.for_window
    assert at((1280, 800), dark).small == 14 and at((1024, 768), dark).small == 14
    assert (at((1024, 768), proj).small, at((1920, 1080), proj).small) == (20, 27)
    assert at((1920, 1080), dark).small > at((1280, 800), dark).small
    assert at((1280, 800), proj).small > at((1280, 800), dark).small
    assert at((1280, 800), proj).px(100) > at((1280, 800), dark).px(100)       # figures too


def test_layout_check_fails_on_text_under_the_floor_or_outside_the_kit():
    th = THEMES["projector"]
    text = ui.Text(th)
    surf = pygame.Surface((1024, 768))
    ui.CHECK.enable(floor=ui.Sizes.for_window((1024, 768), th).floor)
    try:
        with ui.CHECK.scope("panel", surf.get_rect()):
            text.draw(surf, "big enough", (5, 5), 20)
            text.draw(surf, "too small", (5, 50), 19)
            ui.CHECK.record(pygame.Rect(5, 100, 50, 10), "blitted by hand")           # no size: not the kit
        with ui.CHECK.scope("zoomed", surf.get_rect(), floor=31):
            text.draw(surf, "a zoomed number", (5, 200), 30)
        problems = ui.CHECK.violations(surf.get_rect())
        assert any("'too small' is 19 px, under the floor of 20 px" in p for p in problems)
        assert any("'blitted by hand'" in p and "without the kit" in p for p in problems)
        assert any("'a zoomed number' is 30 px, under the floor of 31 px" in p for p in problems)
        assert not any("big enough" in p for p in problems)
    finally:
        ui.CHECK.disable()


def test_no_text_is_drawn_outside_the_kit():
    """Fonts are loaded and rendered in simulator/render/ui/ only: every other module draws its
    strings through ui.Text, so the layout check sees every one at its real size."""
    import re
    from pathlib import Path
    root = Path(__file__).resolve().parents[1] / "simulator"
    kit = root / "render" / "ui"
    pattern = re.compile(r"load_font|pygame\.font|\.render\(|ImageFont|\bdraw\.text\(|\bfont\(")
    offenders = [f"{path.relative_to(root)}:{i}: {line.strip()}"
                 for path in root.rglob("*.py") if kit not in path.parents
                 for i, line in enumerate(path.read_text().splitlines(), 1)
                 if pattern.search(line) and not line.lstrip().startswith("#")]
    assert offenders == []


@pytest.mark.parametrize("name", ["dark", "light", "projector"])
def test_heat_zero_is_visible_and_one_sided_has_no_negative_colour(name):
    th = THEMES[name]
    zero = tuple(ui.heat(np.zeros(1), 1.0, th)[0])
    assert zero == th.zero and zero != th.panel and zero != th.background
    two = ui.heat(np.array([-1.0, 1.0, np.nan]), 1.0, th)
    assert tuple(two[0]) == th.negative and tuple(two[1]) == th.positive and tuple(two[2]) == th.bad
    one = ui.heat(np.array([-1.0, 0.0, 0.5, 1.0]), 1.0, th, one_sided=True)
    assert tuple(one[0]) == tuple(one[1]) == th.zero and tuple(one[3]) == th.positive


def test_colour_bar_writes_its_scale():
    th, text = THEMES["dark"], ui.Text(THEMES["dark"])
    surf = pygame.Surface((200, 200))
    ui.CHECK.enable(min_gap=ui.check.MIN_GAP)
    try:
        with ui.CHECK.scope("bar", surf.get_rect()):
            ui.colour_bar(surf, text, pygame.Rect(10, 10, 10, 150), 2.5, th, 14, one_sided=True)
        assert [t for _, _, t in ui.CHECK.texts()] == ["2.50", "0"]
        ui.CHECK.clear()
        with ui.CHECK.scope("bar", surf.get_rect()):
            ui.colour_bar(surf, text, pygame.Rect(10, 10, 180, 8), 2.5, th, 14, vertical=False)
        assert sorted(t for _, _, t in ui.CHECK.texts()) == ["0", "2.50", "−2.50"]
        assert ui.CHECK.violations(surf.get_rect()) == []
    finally:
        ui.CHECK.disable()


def test_layout_check_catches_overflow_overlap_and_cuts():
    th = THEMES["dark"]
    text = ui.Text(th)
    surf = pygame.Surface((400, 300))
    ui.CHECK.enable(min_gap=ui.check.MIN_GAP)
    try:
        with ui.CHECK.scope("left", pygame.Rect(0, 0, 100, 100)):
            text.draw(surf, "fits", (5, 5), 14)
            text.draw(surf, "far too long for this panel", (5, 40), 14)
        with ui.CHECK.scope("right", pygame.Rect(100, 0, 300, 300), origin=(100, 0)):
            text.draw(surf, "one", (10, 10), 14)
            text.draw(surf, "two", (14, 12), 14)                     # on top of "one"
            ui.clip_text(text, "a caption that will not fit", 40, 14)
            r = text.draw(surf, "−12.84", (10, 100), 14)
            text.draw(surf, "0", (r.right + 2, 100), 14)               # reads as "−12.840"
            r = text.draw(surf, "apart", (10, 150), 14)
            text.draw(surf, "fine", (r.right + 12, 150), 14)
        problems = ui.CHECK.violations(surf.get_rect())
        assert any("far too long" in p and "outside" in p for p in problems)
        assert any("'one'" in p and "'two'" in p and "overlaps" in p for p in problems)
        assert any("cut" in p for p in problems)
        assert any("'−12.84'" in p and "'0'" in p for p in problems)
        assert not any("'apart'" in p for p in problems)
        assert not any("'fits'" in p for p in problems)
        # a panel drawn again forgets its old texts
        with ui.CHECK.scope("right", pygame.Rect(100, 0, 300, 300), origin=(100, 0)):
            text.draw(surf, "one", (10, 10), 14)
        assert not any("overlaps" in p for p in ui.CHECK.violations(surf.get_rect()))
    finally:
        ui.CHECK.disable()
    assert ui.CHECK.texts() == []                 # off: nothing is recorded
    text.draw(surf, "x", (0, 0), 14)
    assert ui.CHECK.texts() == []


def test_a_word_wider_than_the_line_breaks_after_its_hyphens_else_between_letters():
    tx = ui.Text(THEMES["dark"])
    lines = ui.wrap(tx, "one index: which class (30: kind-of-thing-030)", 120, 16)
    assert all(tx.width(line, 16) <= 120 for line in lines)
    assert "kind-of-thing-" in lines and "".join(lines).replace(" ", "") == "oneindex:whichclass(30:kind-of-thing-030)"
    lines = ui.wrap(tx, "supercalifragilisticexpialidocious", 60, 16)
    assert len(lines) > 1 and all(tx.width(line, 16) <= 60 for line in lines)
    assert "".join(lines) == "supercalifragilisticexpialidocious"
    assert ui.wrap(tx, "short words stay whole", 500, 16) == ["short words stay whole"]
