"""Lecture mode on screen, under SDL's dummy driver: navigation, export, GIF, drawing pad."""
import numpy as np
import pygame
import pytest
from simulator.render.ui.check import MIN_GAP as MIN_GAP_STRICT
from PIL import Image

from simulator.cli import main
from simulator.engine.arch import Act, build
from tests.test_lecture import SPECS
from simulator.engine.lecture import build_steps, section_starts
from simulator.errors import UserError
from simulator.render.lecture.scene import (LectureScene, LectureSession, export_gif, export_pngs,
                                          parse_range)
from simulator.render.lecture.view import render_step
from simulator.render.ui.theme import THEMES


@pytest.fixture(scope="module")
def session(mnist_dir):
    pygame.font.init()
    return LectureSession(mnist_dir)


@pytest.fixture(scope="module")
def trace(session):
    return session.trace_test_image(0)


# beyond the specs checked number by number: a deep network (the strip is cut around the current
# stage) and a wide one (stacks of 64 and 128 maps)
DEEP = ("conv4k3p1-relu-conv4k3p1-relu-maxpool2-conv8k3p1-relu-conv8k3p1-relu-maxpool2-conv16k3p1-relu-"
        "conv16k3p1-relu-maxpool2-fc64-relu-fc32-relu-fc10")
WIDE = "conv64k5-relu-maxpool2-conv128k3-relu-maxpool2-fc256-relu-fc10"


def trace_of(session, spec):
    from simulator.engine.lecture import record_trace
    from simulator.engine.model import NetConfig
    return record_trace(session.data.test_images[5], int(session.data.test_labels[5]), config=NetConfig(build(spec)),
                        source="test image #5")


@pytest.fixture(scope="module", params=SPECS[:3])
def any_trace(request, session):
    """LeNet-5 and the issue's two example networks, traced on test image 5."""
    return trace_of(session, request.param)


@pytest.fixture(scope="module", params=SPECS + (DEEP, WIDE))
def layout_trace(request, session):
    """Every network test_lecture checks, a deep one and a wide one."""
    return trace_of(session, request.param)


def key(k, **kw):
    return pygame.event.Event(pygame.KEYDOWN, key=k, mod=0, unicode="", scancode=0, **kw)


def snapshot(scene, size=(1280, 800)) -> bytes:
    surface = pygame.Surface(size)
    scene.draw(surface)
    return pygame.image.tobytes(surface, "RGB")


def not_blank(path) -> bool:
    img = np.asarray(Image.open(path).convert("RGB"))
    colours = np.unique(img.reshape(-1, 3)[::97], axis=0)
    return img.shape == (800, 1280, 3) and img.std() > 20 and len(colours) > 20


def test_forward_then_back_is_the_identical_step(session, trace):
    scene = LectureScene(session, trace, "projector", index=10)
    before, picture = scene.step, snapshot(scene)
    scene.handle(key(pygame.K_RIGHT))
    assert scene.index == 11 and scene.step is not before
    scene.handle(key(pygame.K_LEFT))
    assert scene.step is before
    assert snapshot(scene) == picture


def test_keys_move_through_the_lecture(session, trace):
    scene = LectureScene(session, trace, "dark")
    n = len(scene.steps)
    scene.handle(key(pygame.K_END))
    assert scene.index == n - 1
    scene.handle(key(pygame.K_SPACE))
    assert scene.index == n - 1                      # stays on the last step
    scene.handle(key(pygame.K_HOME))
    assert scene.index == 0
    scene.handle(key(pygame.K_PAGEDOWN))
    starts = section_starts(scene.steps)
    assert scene.index == starts[1]
    scene.handle(key(pygame.K_PAGEDOWN))
    scene.handle(key(pygame.K_PAGEUP))
    assert scene.index == starts[1]
    scene.handle(key(pygame.K_3))                    # filter 3: same lecture length, same place
    assert scene.focus == 3 and len(scene.steps) == n and scene.index == starts[1]
    scene.handle(key(pygame.K_t))
    assert scene.theme.name == "light"


def test_autoplay_advances_at_its_pace(session, trace):
    scene = LectureScene(session, trace)
    scene.handle(key(pygame.K_a))
    scene.handle(key(pygame.K_PLUS))                 # faster
    scene.update(0.5)
    assert scene.index == 0
    scene.update(2.0)
    assert scene.index == 1
    scene.handle(key(pygame.K_a))
    scene.update(100.0)
    assert scene.index == 1


def test_new_digit_and_drawn_digit(session, trace):
    scene = LectureScene(session, trace, index=5)
    scene.handle(key(pygame.K_n))
    assert scene.trace is not trace and scene.index == 5
    scene.handle(key(pygame.K_d))
    assert scene.pad is not None
    snapshot(scene)                                  # lays out the pad
    r = scene.pad.pad_rect
    scene.handle(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=(r.centerx, r.y + r.h // 5)))
    for t in np.linspace(0, 1, 12):
        scene.handle(pygame.event.Event(pygame.MOUSEMOTION, pos=(r.centerx, int(r.y + r.h * (0.2 + 0.6 * t))),
                                        rel=(0, 1), buttons=(1, 0, 0)))
    scene.handle(pygame.event.Event(pygame.MOUSEBUTTONUP, button=1, pos=(r.centerx, int(r.y + r.h * 0.8))))
    scene.handle(key(pygame.K_1))
    assert scene.pad is None
    assert scene.trace.source == "your drawing" and scene.trace.label == 1 and scene.index == 0
    assert scene.trace.image.max() > 200
    assert len(scene.steps) == 46


def test_export_writes_one_non_blank_png_per_step(session, trace, tmp_path):
    steps = build_steps(trace)
    indices = parse_range("4:6", len(steps))
    paths = export_pngs(steps, tmp_path, indices, "projector")
    assert [p.name for p in sorted(tmp_path.iterdir())] == ["step-004.png", "step-005.png", "step-006.png"]
    assert all(not_blank(p) for p in paths)


def test_gif_of_a_range(session, trace, tmp_path):
    steps = build_steps(trace)
    path = export_gif(steps, tmp_path / "lecture.gif", parse_range("45:46", len(steps)), "dark")
    with Image.open(path) as gif:
        assert gif.n_frames == 2 and gif.size == (1280, 800)


def test_every_step_draws_on_projector_and_small_window(session, trace):
    steps = build_steps(trace, focus=7)
    for size in ((1280, 800), (960, 600)):
        surface = pygame.Surface(size)
        for i, step in enumerate(steps):
            render_step(surface, step, i, len(steps), THEMES["projector"], "hints", "status")


def test_range_parsing():
    assert parse_range(None, 46) == range(46)
    assert parse_range("3:5", 46) == range(2, 5)
    assert parse_range("7", 46) == range(6, 7)
    assert parse_range("40:", 46) == range(39, 46)
    for bad in ("0:3", "5:2", "1:99", "a:b"):
        with pytest.raises(UserError):
            parse_range(bad, 46)


def test_cli_export_and_errors(mnist_dir, tmp_path, capsys):
    out = tmp_path / "frames"
    assert main(["lecture", "--data", str(mnist_dir), "--export", str(out), "--range", "1:2",
                 "--digit", "3", "--theme", "dark"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["step-001.png", "step-002.png"]
    assert main(["lecture", "--data", str(mnist_dir), "--export", str(out), "--range", "9:1"]) == 2
    assert main(["lecture", "--data", str(mnist_dir), "--export", str(out), "--goto", "500"]) == 2
    assert main(["lecture", "--data", str(mnist_dir), "--export", str(out), "--digit", "10000"]) == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 3 and "Traceback" not in err


def test_checkpoint_sets_the_architecture(mnist_dir, tmp_path):
    from simulator.engine.checkpoint import save_checkpoint
    from simulator.engine.arch import LENET5
    from simulator.engine.model import NetConfig, init_params
    from simulator.engine.trainer import TrainConfig
    params = init_params(NetConfig(LENET5.with_kinds("tanh"), seed=5))
    path = tmp_path / "checkpoint.npz"
    save_checkpoint(path, {"config": TrainConfig(activation="tanh", pool="max", seed=5).as_dict(),
                           "params": params, "velocity": {k: np.zeros_like(v) for k, v in params.items()},
                           "step_count": 0, "epoch": 0, "batch_in_epoch": 0})
    session = LectureSession(mnist_dir, checkpoint=path)
    trace = session.trace_test_image(2)
    assert {a.kind for a in trace.arch.of_type(Act)} == {"tanh"} and trace.trained
    np.testing.assert_array_equal(trace.params["fc1_w"], params["fc1_w"])
    steps = build_steps(trace)
    assert len(steps) == 46 and any("tanh" in s.title for s in steps)


@pytest.mark.parametrize("theme", ["dark", "light", "projector"])
def test_every_step_in_every_theme_and_size_keeps_text_at_least_14px_at_1280x800(any_trace, theme, monkeypatch):
    """Every font the lecture asks for at 1280×800 is ≥ 14 px; 1024×768 and 1920×1080 draw too."""
    from simulator.render.lecture import draw as lecture_draw, view as lecture_view
    sizes = []
    for module in (lecture_view, lecture_draw):
        original = module.load_font
        monkeypatch.setattr(module, "load_font",
                            lambda face, size, _o=original: (sizes.append(size), _o(face, size))[1])
    steps = build_steps(any_trace, focus=2)
    for size in ((1280, 800), (1024, 768), (1920, 1080)):
        surface = pygame.Surface(size)
        sizes.clear()
        for i, step in enumerate(steps):
            render_step(surface, step, i, len(steps), THEMES[theme], "hints", "status")
        if size == (1280, 800):
            assert min(sizes) >= 14, (theme, min(sizes))


@pytest.mark.parametrize("theme", ["dark", "light", "projector"])
def test_layout_check_every_step_every_size(layout_trace, theme):
    """The shared layout check: no text of any step outside the screen or over another text,
    at 1024×768, 1280×800 and 1920×1080, for every network checked."""
    from simulator.render import ui
    steps = build_steps(layout_trace, focus=1)
    ui.CHECK.enable(min_gap=MIN_GAP_STRICT)
    try:
        problems = []
        for size in ((1024, 768), (1280, 800), (1920, 1080)):
            surface = pygame.Surface(size)
            for i, step in enumerate(steps):
                ui.CHECK.clear()
                with ui.CHECK.scope("lecture", surface.get_rect()):
                    render_step(surface, step, i, len(steps), THEMES[theme], "hints", "status")
                problems += [f"{size} step {i + 1}: {v}" for v in ui.CHECK.violations(surface.get_rect())]
    finally:
        ui.CHECK.disable()
    assert problems == [], "\n".join(problems[:20]) + f"\n({len(problems)} in all)"


def test_every_panel_label_writes_the_shape_it_draws(any_trace):
    from simulator.engine.lecture.step import Table
    from simulator.render.lecture.view import panel_labels
    for step in build_steps(any_trace):
        for panel in step.panels:
            if isinstance(panel, Table):
                continue
            shape = "×".join(str(n) for n in panel.array.shape)
            for label in panel_labels(panel):
                flat = label.replace(", ", "×").replace(" × ", "×")
                assert shape in flat, (step.title, label, shape)


def test_lecture_takes_arch_and_a_checkpoints_own_network(mnist_dir, tmp_path, capsys):
    """--arch SPEC traces that network; --checkpoint traces the network the checkpoint holds."""
    from simulator.engine.checkpoint import save_checkpoint
    from simulator.engine.model import NetConfig, init_params
    from simulator.engine.trainer import TrainConfig
    out = tmp_path / "frames"
    assert main(["lecture", "--data", str(mnist_dir), "--arch", SPECS[1], "--export", str(out),
                 "--range", "3:4"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["step-003.png", "step-004.png"]
    assert all(not_blank(p) for p in out.iterdir())
    spec = SPECS[2]
    params = init_params(NetConfig(build(spec), seed=5))
    path = tmp_path / "checkpoint.npz"
    save_checkpoint(path, {"config": TrainConfig(arch=spec, seed=5).as_dict(), "params": params,
                           "velocity": {k: np.zeros_like(v) for k, v in params.items()},
                           "step_count": 0, "epoch": 0, "batch_in_epoch": 0})
    trace = LectureSession(mnist_dir, checkpoint=path).trace_test_image(1)
    assert trace.arch.spec == spec and trace.trained
    np.testing.assert_array_equal(trace.params["conv3_w"], params["conv3_w"])
    steps = build_steps(trace)
    assert [s.title for s in steps if s.kind == "conv-shape"][-1].startswith("Conv3: 16 filters")
    assert ("conv3", "conv3") in steps[0].stages and ("pool2", "avgpool") in steps[0].stages
    assert main(["lecture", "--data", str(mnist_dir), "--arch", "conv6k7-relu-conv6k30-fc10",
                 "--export", str(out)]) == 2
    err = capsys.readouterr().err
    assert "conv2: (22 − 30 + 2·0)/1 + 1 = −7" in err and "Traceback" not in err


def test_a_strip_too_long_keeps_the_stages_around_the_current_one():
    from simulator.render.lecture.view import strip_range
    widths, seps = [40] * 30, [20] * 30
    assert strip_range(widths, seps, 5, 10_000, 15) == (0, 30)          # it fits: everything
    for current in (0, 14, 29):
        lo, hi = strip_range(widths, seps, current, 600, 15)
        assert lo <= current < hi
        assert sum(widths[lo:hi]) + sum(seps[lo:hi - 1]) + 15 * ((lo > 0) + (hi < 30)) <= 600
        assert abs((current - lo) - (hi - 1 - current)) <= 1 or lo == 0 or hi == 30


def test_a_checkpoint_with_another_arch_asked_for_is_refused_in_one_line(mnist_dir, tmp_path, capsys):
    from simulator.engine.checkpoint import save_checkpoint
    from simulator.engine.model import NetConfig, init_params
    from simulator.engine.trainer import TrainConfig
    params = init_params(NetConfig(build(SPECS[1])))
    path = tmp_path / "checkpoint.npz"
    save_checkpoint(path, {"config": TrainConfig(arch=SPECS[1]).as_dict(), "params": params,
                           "velocity": {k: np.zeros_like(v) for k, v in params.items()},
                           "step_count": 0, "epoch": 0, "batch_in_epoch": 0})
    out = tmp_path / "frames"
    common = ["lecture", "--data", str(mnist_dir), "--checkpoint", str(path), "--export", str(out), "--range", "1"]
    assert main(common) == 0                                              # its own network
    assert main(common + ["--arch", SPECS[1]]) == 0                       # the same, said again
    assert main(common + ["--arch", SPECS[2]]) == 2
    assert main(common + ["--activation", "tanh"]) == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 2 and f"holds {SPECS[1]}" in err and "Traceback" not in err
