"""The network designer: the engine's Draft (presets, +/− steps, refusals with the formula)
and the editor drawn over the app (its keys and clicks, and the layout check in every theme
and size, for an accepted and a refused network)."""
import math

import pygame
import pytest

from simulator.engine.arch import LENET5_SPEC, Arch, ArchError, Conv, Pool, build
from simulator.engine.arch_edit import FIELDS, FILTER_STEPS, PRESETS, Draft, refusal
from simulator.render import ui
from simulator.render.app.arch_editor import ArchEditor
from simulator.render.ui.theme import THEMES


def key(k, char=""):
    return pygame.event.Event(pygame.KEYDOWN, key=k, unicode=char, mod=0, scancode=0)


def test_every_preset_builds_and_round_trips_and_they_differ():
    archs = [build(p.spec) for p in PRESETS]
    assert [a.spec for a in archs] == [p.spec for p in PRESETS]
    assert PRESETS[0].spec == LENET5_SPEC
    assert len({a.spec for a in archs}) == len(PRESETS)
    convs = [a.of_type(Conv) for a in archs]
    assert any(c.stride == 2 for cs in convs for c in cs)           # a stride-2 net
    assert any(not a.of_type(Pool) for a in archs)                   # one without pooling
    assert any(p.kind == "avg" for a in archs for p in a.of_type(Pool))
    assert max(len(cs) for cs in convs) >= 3                          # a deeper one

def test_adjust_steps_each_field_and_never_below_its_floor():
    d = Draft.of(LENET5_SPEC)
    up = d.adjust(+1, 0, "filters")
    assert up.value(0, "filters") == FILTER_STEPS[FILTER_STEPS.index(6) + 1]
    assert d.adjust(-1, 1, "kernel").value(1, "kernel") == 4
    low = d
    for _ in range(10):
        low = low.adjust(-1, 0, "padding").adjust(-1, 0, "stride").adjust(-1, 0, "filters")
    assert (low.value(0, "padding"), low.value(0, "stride"), low.value(0, "filters")) == (0, 1, 1)
    assert d.select(1).selected == 1 and d.select(2).selected == 0           # wraps round
    assert FIELDS[d.choose_field(-1).field] == "padding"
    assert d.adjust(+1, 1, "stride").spec == LENET5_SPEC.replace("conv16k5", "conv16k5s2")


def test_a_refused_draft_says_why_with_the_formula():
    d = Draft.of(LENET5_SPEC)
    for _ in range(6):
        d = d.adjust(+1, 1, "kernel")                 # conv2: 11×11 on its 14×14 input: fine
    assert isinstance(d.check(), Arch)
    for _ in range(5):
        d = d.adjust(+1, 1, "kernel")                 # 16×16 on 14×14: refused
    err = d.check()
    assert isinstance(err, ArchError)
    assert refusal(err).startswith("conv2: (14 − 16 + 2·0)/1 + 1 = −1")
    rows = d.conv_rows()
    assert rows[1][:2] == ("conv2", (6, 14, 14)) and rows[1][2].endswith("= −1")


def test_formula_rounds_down_as_the_engine_does():
    rows = Draft.of("conv4k4s2-relu-fc10").conv_rows()
    assert rows[0][2] == "(28 − 4 + 2·0)/2 + 1 = 13"
    rows = Draft.of("conv4k5s2-relu-fc10").conv_rows()
    assert rows[0][2] == "(28 − 5 + 2·0)/2 + 1 = 12.5 → 12 (rounded down)"
    assert build("conv4k5s2-relu-fc10").shape_of("conv1") == (4, 12, 12)


def test_editor_keys_and_clicks():
    pygame.font.init()
    th = THEMES["dark"]
    ed = ArchEditor(th, ui.Text(th))
    ed.open(LENET5_SPEC)
    surface = pygame.Surface((1280, 800))
    ed.draw(surface)
    assert ed.handle(key(pygame.K_2, "2")) is None and ed.draft.spec == PRESETS[1].spec
    ed.handle(key(pygame.K_DOWN))
    ed.handle(key(pygame.K_RIGHT))                    # conv2's kernel
    ed.handle(key(pygame.K_PLUS, "+"))
    assert ed.draft.value(1, "kernel") == 4
    ed.draw(surface)
    plus = next(r for r, a in ed.targets if a == ("adjust", 0, "filters", +1))
    assert ed.handle(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=plus.center)) is None
    assert ed.draft.value(0, "filters") == 12
    assert ed.handle(key(pygame.K_RETURN)) == ("train", ed.draft.spec) and not ed.visible
    ed.open(LENET5_SPEC)
    assert ed.handle(key(pygame.K_ESCAPE)) == "close" and not ed.visible


def test_a_refused_network_cannot_be_trained():
    pygame.font.init()
    th = THEMES["dark"]
    ed = ArchEditor(th, ui.Text(th))
    ed.open("conv6k5-relu-fc10")
    for _ in range(30):
        ed.handle(key(pygame.K_RIGHT))
        ed.handle(key(pygame.K_LEFT))
        ed.draft = ed.draft.adjust(+1, 0, "kernel")
    ed.draw(pygame.Surface((1280, 800)))
    assert isinstance(ed.checked, ArchError)
    assert not any(a == ("train",) for _, a in ed.targets)
    assert ed.handle(key(pygame.K_RETURN)) is None and ed.visible


@pytest.mark.parametrize("theme", sorted(THEMES))
@pytest.mark.parametrize("size", [(1024, 768), (1280, 800), (1920, 1080)])
@pytest.mark.parametrize("spec", [PRESETS[4].spec, "conv6k5p2-relu-conv8k29-relu-fc10",
                                  "-".join(["conv4k3p1-relu"] * 8) + "-fc10"])
def test_layout_check_every_theme_and_size(theme, size, spec):
    pygame.font.init()
    th = THEMES[theme]
    ed = ArchEditor(th, ui.Text(th))
    ed.sizes = ui.Sizes.for_window(size, th)
    ed.open(spec)
    surface = pygame.Surface(size)
    ui.CHECK.enable(min_gap=ui.check.MIN_GAP, floor=ed.sizes.floor)
    try:
        ed.draw(surface)
        problems = ui.CHECK.violations(surface.get_rect())
        texts = " ".join(t for _, _, t in ui.CHECK.texts())
        assert problems == [], "\n".join(problems)
        assert min(ui.CHECK.sizes()) >= math.ceil(th.text_floor * size[1] - 1e-9)
    finally:
        ui.CHECK.disable()
    if "k29" in spec:
        assert "✗ refused: conv2: (28 − 29 + 2·0)/1 + 1 = 0: the kernel is larger" in texts, texts
    if spec.count("conv") == 8:
        assert "+2 more conv layers not shown" in texts, texts
