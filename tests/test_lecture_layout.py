"""The layout check on every lecture step, as its window shows it: LeNet-5 and six other
networks, each step in the kit's window runner in every theme at 1024×768, 1280×800 and
1920×1080, and zoomed (Z), with the check on: every text inside its panel, no two texts
overlapping, nothing cut, nothing under the theme's floor (1.75% of the height, 2.5% in the
projector theme, 4% zoomed); every number grid writes its numbers; the arithmetic is never
smaller than body text. Then what is on screen is read back: the captions and arithmetic word
for word with their numbers parsed back against the engine's tensors, every grid's numbers
against the tensor it draws, the key and the help against the step's symbols."""
import math
import re
from dataclasses import replace

import numpy as np
import pygame
import pytest

from simulator.engine.arch import build
from simulator.engine.lecture import build_steps, record_trace
from simulator.engine.lecture.step import Table, parse_number
from simulator.engine.model import NetConfig
from simulator.render import ui
from simulator.render.lecture.boxes import NUMBER_STYLES, STACK_GAP, bar_labels, grid_strings, panel_labels
from simulator.render.lecture.legend import KEYS, step_key
from simulator.render.lecture.scene import LectureScene, LectureSession
from simulator.render.lecture.zoom import ZoomedFigure
from simulator.render.ui.theme import THEMES
from tests.test_lecture import OTHER, SPECS, other_trace

WINDOWS = [(1024, 768), (1280, 800), (1920, 1080)]
# beyond the specs test_lecture checks number by number: a deep network (the strip is cut around
# the current stage) and a wide one (stacks of 64 and 128 maps)
DEEP = ("conv4k3p1-relu-conv4k3p1-relu-maxpool2-conv8k3p1-relu-conv8k3p1-relu-maxpool2-conv16k3p1-relu-"
        "conv16k3p1-relu-maxpool2-fc64-relu-fc32-relu-fc10")
WIDE = "conv64k5-relu-maxpool2-conv128k3-relu-maxpool2-fc256-relu-fc10"
# networks for other data (test_lecture.OTHER): colour LeNet-5 on 32×32 shapes, stride and padding on
# the colour input, 12 classes with long names, grey pictures in 3 named classes
COLOUR = "colour LeNet-5"
OTHERS = (COLOUR, "colour stride, padding", "12 classes", "grey 3 classes")


@pytest.fixture(scope="module")
def session(mnist_dir):
    pygame.display.init()
    pygame.font.init()
    return LectureSession(mnist_dir)


def trace_of(session, spec):
    if spec in OTHER:
        return other_trace(spec)
    if spec == SPECS[0]:
        return session.trace_test_image(0)
    return record_trace(session.data.test_images[5], int(session.data.test_labels[5]),
                        config=NetConfig(build(spec)), source="test image #5")


def open_window(scene, size):
    screen = pygame.display.set_mode(size)
    window = ui.Window(scene, ui.WindowOptions(size=size), screen=screen)
    window.run(1)
    return window


def checked_frame(window):
    """One frame drawn afresh with the check on: (violations, sizes, texts by scope)."""
    ui.CHECK.enable(min_gap=ui.check.MIN_GAP)
    try:
        window.running = True
        window._laid_out = None
        window.frame([], 0.0)
        scopes = {name: [(t, size) for _, t, size in sc.texts] for name, sc in ui.CHECK.scopes.items()}
        return ui.CHECK.violations(window.screen.get_rect()), ui.CHECK.sizes(), scopes
    finally:
        ui.CHECK.disable()


def floor(fraction, height):
    return math.ceil(fraction * height - 1e-9)


@pytest.mark.parametrize("theme", sorted(THEMES))
@pytest.mark.parametrize("spec", SPECS + (DEEP, WIDE) + OTHERS)
def test_every_step_passes_the_layout_check_in_every_theme_and_window(session, spec, theme):
    trace = trace_of(session, spec)
    problems = []
    for size in WINDOWS:
        scene = LectureScene(session, trace, theme, focus=1)
        window = open_window(scene, size)
        body = ui.Sizes.for_window(size, scene.theme).body
        try:
            for i in range(len(scene.steps)):
                scene.go(i)
                where = f"{size} step {i + 1} ({scene.step.kind})"
                bad, sizes, scopes = checked_frame(window)
                problems += [f"{where}: {v}" for v in bad]
                if min(sizes) < floor(THEMES[theme].text_floor, size[1]):
                    problems.append(f"{where}: text of {min(sizes)} px")
                problems += [f"{where}: grid {g!r} drawn without its numbers" for g in scene.view.silent]
                small = [t for t, s in scopes.get("arithmetic", ()) if s < body]
                problems += [f"{where}: arithmetic {t!r} under body size" for t in small]
        finally:
            window.close()
    assert problems == [], "\n".join(problems[:20]) + f"\n({len(problems)} in all)"


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_the_smallest_window_still_passes_the_check(session, theme):
    """800×600, the least --size takes: every LeNet-5 step, the floor included."""
    scene = LectureScene(session, trace_of(session, SPECS[0]), theme)
    window = open_window(scene, (800, 600))
    problems = []
    try:
        for i in range(len(scene.steps)):
            scene.go(i)
            bad, sizes, _ = checked_frame(window)
            problems += [f"step {i + 1}: {v}" for v in bad] + [f"step {i + 1}: {g!r} without numbers"
                                                                for g in scene.view.silent]
            if min(sizes) < floor(THEMES[theme].text_floor, 600):
                problems.append(f"step {i + 1}: text of {min(sizes)} px")
    finally:
        window.close()
    assert problems == [], "\n".join(problems[:20])


def test_every_panel_label_writes_the_shape_it_draws(session):
    for spec in SPECS[:3] + OTHERS:
        for step in build_steps(trace_of(session, spec)):
            for panel in step.panels:
                if isinstance(panel, Table):
                    continue
                shape = "×".join(str(n) for n in panel.array.shape)
                for label in panel_labels(panel):
                    assert shape in label.replace(", ", "×").replace(" × ", "×"), (step.title, label, shape)


@pytest.mark.parametrize("theme", sorted(THEMES))
@pytest.mark.parametrize("spec", SPECS[:3] + OTHERS[:2])
def test_every_steps_figure_zooms_with_every_number_at_4_percent(session, spec, theme):
    """Z with the pointer off the panels: the whole figure (its panels and the arithmetic they
    check), redrawn at the zoom's sizes; every number grid writes its numbers there too."""
    trace = trace_of(session, spec)
    problems = []
    for size in WINDOWS:
        scene = LectureScene(session, trace, theme)
        window = open_window(scene, size)
        try:
            for i in range(len(scene.steps)):
                scene.go(i)
                window.zoom((-1, -1))
                zoom = window.scene
                assert isinstance(zoom, ui.window.ZoomScene) and isinstance(zoom.target, ZoomedFigure)
                where = f"{size} step {i + 1} ({scene.step.kind}) zoomed"
                bad, sizes, scopes = checked_frame(window)
                problems += [f"{where}: {v}" for v in bad]
                if min(sizes) < floor(ui.sizes.ZOOM_FLOOR, size[1]):
                    problems.append(f"{where}: text of {min(sizes)} px")
                problems += [f"{where}: grid {g!r} without its numbers" for g in zoom.target.silent]
                if len(zoom.target.placed) < len(scene.step.panels) and not any(
                        getattr(p, "style", "") in NUMBER_STYLES for p in scene.step.panels):
                    problems.append(f"{where}: panels left out of a figure without number grids")
                shown = " ".join(t for t, _ in scopes.get("zoomed figure", ())).split()
                written = " ".join(t.text for t in scene.step.lines).split()
                if written and " ".join(written) not in " ".join(shown):
                    problems.append(f"{where}: the arithmetic is not all shown")
                window.zoom((0, 0))
                assert window.scene is scene
        finally:
            window.close()
    assert problems == [], "\n".join(problems[:20]) + f"\n({len(problems)} in all)"


@pytest.mark.parametrize("theme, size", [("projector", (1024, 768)), ("dark", (1920, 1080)), ("light", (1280, 800))])
def test_the_panel_under_the_pointer_zooms_alone(session, theme, size):
    trace = trace_of(session, SPECS[0])
    scene = LectureScene(session, trace, theme)
    window = open_window(scene, size)
    problems = []
    try:
        for i in range(len(scene.steps)):
            scene.go(i)
            checked_frame(window)
            for k, placed in enumerate(scene.view.placed):
                window.zoom(placed.rect.center)
                zoom = window.scene.target
                assert zoom.panels() == (placed.panel,), (i, k)
                where = f"step {i + 1} panel {k} {getattr(placed.panel, 'label', 'table')!r}"
                bad, sizes, _ = checked_frame(window)
                problems += [f"{where}: {v}" for v in bad]
                if min(sizes) < floor(ui.sizes.ZOOM_FLOOR, size[1]):
                    problems.append(f"{where}: text of {min(sizes)} px")
                problems += [f"{where}: grid without its numbers" for _ in zoom.silent]
                window.zoom((0, 0))
    finally:
        window.close()
    assert problems == [], "\n".join(problems[:20]) + f"\n({len(problems)} in all)"


def test_the_zoom_follows_the_scene_to_the_next_step(session):
    scene = LectureScene(session, trace_of(session, SPECS[0]), "dark", index=4)
    window = open_window(scene, (1280, 800))
    try:
        checked_frame(window)
        window.zoom(scene.view.placed[1].rect.center)          # one grid of the conv1 window
        assert len(window.scene.target.panels()) == 1
        window.running = True
        window.frame([pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RIGHT, mod=0, unicode="", scancode=0)], 0.0)
        assert scene.index == 5 and window.scene.target.panels() == scene.step.panels
    finally:
        window.close()


# ----------------------------------------------------------------------------- read back

def on_screen(scopes, name) -> str:
    return " ".join(t for t, _ in scopes.get(name, ()))


def last_digit(written: str) -> float:
    """The value of one unit in the last digit written: 0.01 for '−1.57', 1e-6 for '2.82×10⁻⁴'."""
    mantissa, _, exponent = written.replace("−", "-").partition("×10")
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (-decimals) * (10.0 ** int(exponent.translate(str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")))
                                  if exponent else 1.0)


def check_numbers(trace, t, shown: str, where: str) -> list[str]:
    """Every number of Text t is on screen as written, parses back to its Num, and a Num read
    from a tensor holds that tensor's value."""
    out = []
    for m in t.marks:
        written = t.text[m.start:m.end]
        if written not in shown:
            out.append(f"{where}: {written!r} of {t.text!r} not on screen")
        n = m.num
        value = parse_number(written)
        if abs(value - float(n.value)) > 0.5 * last_digit(written) * (1 + 1e-9):
            out.append(f"{where}: {written!r} reads {value}, the step holds {n.value}")
        if n.tensor not in ("×", "Σ", "Σ−", "pad", "mean", "std", "lr", "arch") and not n.tensor.startswith("shape:"):
            engine = float(np.asarray(trace.tensor(n.tensor))[n.index])
            if not math.isclose(engine, float(n.value), rel_tol=1e-6, abs_tol=1e-12):
                out.append(f"{where}: {written!r} is not {n.tensor}{list(n.index)} = {engine}")
    return out


@pytest.mark.parametrize("spec", SPECS[:2] + OTHERS[:3])
@pytest.mark.parametrize("theme, size", [("dark", (1280, 800)), ("projector", (1024, 768))])
def test_what_the_screen_writes_is_the_engines(session, spec, theme, size):
    """Captions and arithmetic word for word (wrapped lines joined), each number parsed back and
    compared with the engine's tensor; every number grid's cells are the tensor it draws,
    written with its one format; tables cell for cell."""
    trace = trace_of(session, spec)
    scene = LectureScene(session, trace, theme)
    window = open_window(scene, size)
    problems = []
    try:
        for i, step in enumerate(scene.steps):
            scene.go(i)
            where = f"step {i + 1} ({step.kind})"
            _, _, scopes = checked_frame(window)
            caption = on_screen(scopes, "caption")
            if caption.split() != step.caption.text.split():
                problems.append(f"{where}: caption on screen {caption!r}")
            problems += check_numbers(trace, step.caption, caption, where)
            arithmetic = on_screen(scopes, "arithmetic")
            if arithmetic.split() != " ".join(t.text for t in step.lines).split():
                problems.append(f"{where}: arithmetic on screen {arithmetic!r}")
            for t in step.lines:
                problems += check_numbers(trace, t, arithmetic, where)
            for k, placed in enumerate(scene.view.placed):
                p = placed.panel
                drawn = [t for t, _ in scopes.get(f"panel {k}", ())]
                if isinstance(p, Table):
                    for row in p.rows:
                        for cell in row:
                            problems += check_numbers(trace, cell, " ".join(drawn), where)
                    continue
                if p.style in NUMBER_STYLES:
                    if p.source in trace.outputs or p.source.startswith(("d:", "image", "input")):
                        tensor = np.asarray(trace.tensor(p.source))[p.index]
                        np.testing.assert_array_equal(tensor, p.array)
                    cells = grid_strings(p)
                    missing = [c for c in set(cells) if drawn.count(c) < cells.count(c)]
                    if missing:
                        problems.append(f"{where}: grid {p.label!r} lacks {missing}")
                if not any(d in panel_labels(p) for d in drawn):
                    problems.append(f"{where}: panel {p.label!r} has no label on screen")
    finally:
        window.close()
    assert problems == [], "\n".join(problems[:20]) + f"\n({len(problems)} in all)"


def test_the_conv1_window_grids_add_up_to_the_sum_written(session):
    """At 1280×800 dark (where they were colours only): the 25 products are written, and the
    written products add up, to their two decimals, to the 'Σ 25 products' on the same screen."""
    trace = trace_of(session, SPECS[0])
    scene = LectureScene(session, trace, "dark")
    window = open_window(scene, (1280, 800))
    try:
        for i, step in enumerate(scene.steps):
            if step.kind != "conv-window":
                continue
            scene.go(i)
            _, _, scopes = checked_frame(window)
            grid = next(k for k, p in enumerate(scene.view.placed) if p.panel.label == "x × w")
            ends = bar_labels(scene.view.placed[grid].panel)
            cells = [t for t, _ in scopes[f"panel {grid}"] if re.fullmatch(r"−?\d+(\.\d+)?", t) and t not in ends]
            products = [parse_number(c) for c in cells]
            assert len(products) == 25
            total = float(re.search(r"Σ 25 products = (\S+)", on_screen(scopes, "arithmetic"))[1].replace("−", "-"))
            assert abs(sum(products) - total) <= 25 * 0.005 + 1e-9
            assert abs(step.arith.total - total) <= 5e-4 * max(1.0, abs(total))
    finally:
        window.close()


# ----------------------------------------------------------------------------- the key and help

def test_the_key_explains_each_steps_symbols_with_its_own_numbers(session):
    steps = build_steps(trace_of(session, SPECS[0]))
    by_kind = {}
    for s in steps:
        by_kind.setdefault(s.kind, s)
    update = dict(step_key(by_kind["update"]))
    index = re.search(r"conv1_w\[(\d+), (\d+), (\d+), (\d+)\]", by_kind["update"].panels[0].rows[0][0].text)
    f, c, r, q = index.groups()
    assert update[index[0]] == f"filter {f}, input channel {c}, row {r}, column {q}; each counted from 0"
    dw = dict(step_key(by_kind["conv-dw"]))
    assert any(k.startswith("∂L/∂W[") and "filter" in v for k, v in dw.items())
    assert "how much the loss L changes when y" in dict(step_key(by_kind["pool-back"]))["∂L/∂y"]
    act = dict(step_key(next(s for s in steps if s.kind == "act-back" and "act2" in s.title)))
    assert act["act2"] == "the 2nd activation's output (relu after conv2 in the strip)"
    assert "fc3's outputs z" in dict(step_key(by_kind["dense-dw"]))["logits"]
    step = by_kind["conv-window"]                    # a grid of small numbers is written in units of 10⁻ⁿ
    tiny = replace(step, panels=tuple(replace(p, array=p.array * 1e-4) if p.style in NUMBER_STYLES else p
                                      for p in step.panels))
    e = ui.grid_format(tiny.panels[3].array)[1]
    assert e < 0 and ui.ten_to(e) in panel_labels(tiny.panels[3])[0]
    assert dict(step_key(tiny))[ui.ten_to(e)].endswith(" 0." + "0" * (-e - 1) + "1")
    window = dict(step_key(by_kind["conv-window"]))
    assert "counted from 0" in next(v for k, v in window.items() if re.fullmatch(r"\(\d+, \d+\)", k))
    assert "blank cells" in window and "hatched" in window


def test_every_step_shows_its_most_important_symbol_at_1920x1080(session):
    trace = trace_of(session, SPECS[0])
    scene = LectureScene(session, trace, "dark")
    window = open_window(scene, (1920, 1080))
    try:
        for i, step in enumerate(scene.steps):
            entries = step_key(step)
            if not entries:
                continue
            scene.go(i)
            _, _, scopes = checked_frame(window)
            assert entries[0][0] in on_screen(scopes, "key"), (i + 1, entries[0])
    finally:
        window.close()


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_the_help_lists_every_key_and_passes_the_check(session, theme):
    trace = trace_of(session, SPECS[0])
    for size in WINDOWS:
        scene = LectureScene(session, trace, theme, index=38)
        window = open_window(scene, size)
        try:
            scene.help = True
            bad, sizes, scopes = checked_frame(window)
            assert bad == [] and min(sizes) >= floor(THEMES[theme].text_floor, size[1])
            shown = on_screen(scopes, "help")
            assert all(k in shown and what in shown for k, what in KEYS)
            assert step_key(scene.step)[0][0] in shown        # this step's symbols first
        finally:
            window.close()


def test_a_stacks_marks_are_on_every_map_where_each_map_has_its_share(session):
    """The conv ∂input sum: each filter's share comes from the marked cells of its own ∂Y map,
    so the marks are drawn on every map of the stack, not only the one in focus."""
    from simulator.render.lecture.draw import draw_stack, stack_layout
    theme = THEMES["dark"]
    step = next(s for s in build_steps(trace_of(session, SPECS[0])) if s.kind == "conv-dx-sum")
    sizes = ui.Sizes.for_window((1280, 800), theme)

    def accent(panel, everywhere):
        surface = pygame.Surface((800, 400))
        surface.fill(theme.background)
        draw_stack(surface, ui.Text(theme), sizes, theme, pygame.Rect(0, 0, 800, 400), panel, everywhere)
        return int((pygame.surfarray.array3d(surface) == np.array(theme.accent)).all(axis=2).sum())
    unfocused = replace(step.panels[0], marks=((2, 3),), box=None, focus=None, names=())
    assert accent(unfocused, False) == 0
    surface = pygame.Surface((800, 400))
    draw_stack(surface, ui.Text(theme), sizes, theme, pygame.Rect(0, 0, 800, 400), unfocused, True)
    rgb = pygame.surfarray.array3d(surface)
    n, h, w = unfocused.array.shape
    side = (h + 2 * unfocused.pad)
    cols, cell = stack_layout(n, side, side, pygame.Rect(0, 0, 800, 400), sizes.px(STACK_GAP), 0)
    cell, g = int(cell), sizes.px(STACK_GAP)
    rows = -(-n // cols)
    x0, y0 = (800 - cols * side * cell - (cols - 1) * g) // 2, (400 - rows * side * cell - (rows - 1) * g) // 2
    for i in range(n):                  # the accent outline sits in every map's own square
        r, c = divmod(i, cols)
        x, y = x0 + c * (side * cell + g), y0 + r * (side * cell + g)
        square = rgb[x:x + side * cell, y:y + side * cell]
        assert (square == np.array(theme.accent)).all(axis=2).any(), f"map {i} has no mark"
