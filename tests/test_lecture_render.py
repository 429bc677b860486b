"""Lecture mode on screen, under SDL's dummy driver: navigation, keys, the drawing pad, export
(PNG and GIF at --size), the command line. The layout check of every step is in
test_lecture_layout.py."""
import numpy as np
import pygame
import pytest
from PIL import Image

from simulator.cli import main
from simulator.engine.arch import Act, build
from simulator.engine.lecture import build_steps, section_starts
from simulator.errors import UserError
from simulator.render import ui
from simulator.render.lecture.export import export_gif, export_pngs, parse_range
from simulator.render.lecture.pad import PadScene
from simulator.render.lecture.scene import LectureScene, LectureSession, focus_note
from simulator.render.ui.theme import THEMES
from tests.test_lecture import SPECS


@pytest.fixture(scope="module")
def session(mnist_dir):
    pygame.font.init()
    return LectureSession(mnist_dir)


@pytest.fixture(scope="module")
def trace(session):
    return session.trace_test_image(0)


def key(k, **kw):
    return pygame.event.Event(pygame.KEYDOWN, key=k, mod=0, unicode="", scancode=0, **kw)


def snapshot(scene, size=(1280, 800)) -> bytes:
    surface = pygame.Surface(size)
    scene.layout(size, ui.Sizes.for_window(size, scene.theme))
    scene.draw(surface)
    return pygame.image.tobytes(surface, "RGB")


def not_blank(path, size=(1280, 800)) -> bool:
    img = np.asarray(Image.open(path).convert("RGB"))
    colours = np.unique(img.reshape(-1, 3)[::97], axis=0)
    return img.shape == (size[1], size[0], 3) and img.std() > 20 and len(colours) > 20


def test_forward_then_back_is_the_identical_step(session, trace):
    scene = LectureScene(session, trace, "projector", index=10)
    before, picture = scene.step, snapshot(scene)
    scene.handle(key(pygame.K_RIGHT))
    assert scene.index == 11 and scene.step is not before
    assert snapshot(scene) != picture
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
    assert scene.handle(key(pygame.K_ESCAPE)) == ui.BACK


def test_h_opens_the_help_and_esc_closes_it_before_quitting(session, trace):
    scene = LectureScene(session, trace, "dark")
    plain = snapshot(scene)
    scene.handle(key(pygame.K_h))
    assert scene.help and snapshot(scene) != plain
    assert scene.handle(key(pygame.K_ESCAPE)) is None and not scene.help
    assert snapshot(scene) == plain
    assert scene.handle(key(pygame.K_ESCAPE)) == ui.BACK


def test_a_digit_key_past_a_layers_filters_says_what_it_shows(session, trace):
    """Key 7 on LeNet-5: conv1 has 6 filters, so its steps show filter 1; the screen says so."""
    scene = LectureScene(session, trace, "dark")
    assert scene.toast == ""
    scene.handle(key(pygame.K_7))
    assert scene.toast == "conv1 has 6 filters: 7 shows its filter 1"
    conv1 = next(s for s in scene.steps if s.kind == "conv-window")
    assert "filter 1" in conv1.title                # what the notice says is what the steps show
    ui.CHECK.enable()
    try:
        snapshot(scene)
        assert any(t == "conv1 has 6 filters: 7 shows its filter 1" for _, _, t in ui.CHECK.texts())
    finally:
        ui.CHECK.disable()
    scene.update(10.0)                               # the notice goes after a few seconds
    assert scene.toast == ""
    scene.handle(key(pygame.K_5))                    # every layer has a filter 5: nothing to say
    assert scene.toast == ""
    assert focus_note(build(SPECS[1]), 9) == "conv1 has 8 filters: 9 shows its filter 1"
    assert focus_note(build("conv64k5-relu-maxpool2-conv128k3-relu-maxpool2-fc256-relu-fc10"), 9) == ""


def test_autoplay_advances_at_its_pace(session, trace):
    scene = LectureScene(session, trace)
    scene.handle(key(pygame.K_a))
    scene.handle(key(pygame.K_PLUS))                 # faster
    scene.update(0.5)
    assert scene.index == 0
    scene.update(2.0)
    assert scene.index == 1
    assert "autoplay 2 s/step" in scene.status()
    scene.handle(key(pygame.K_a))
    scene.update(100.0)
    assert scene.index == 1


def test_new_digit_and_a_drawn_digit_through_the_window(session, trace):
    pygame.display.init()
    screen = pygame.display.set_mode((1024, 768))
    scene = LectureScene(session, trace, index=5)
    window = ui.Window(scene, ui.WindowOptions(size=(1024, 768)), screen=screen)
    try:
        window.run(1)
        window.running = True                        # run(1) ends at its frame cap; frames go on by hand
        window.frame([key(pygame.K_n)], 0.0)
        assert scene.trace is not trace and scene.index == 5
        window.frame([key(pygame.K_d)], 0.0)
        pad = window.scene
        assert isinstance(pad, PadScene)
        r = pad.pad_rect
        strokes = [pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=(r.centerx, r.y + r.h // 5))]
        for t in np.linspace(0, 1, 12):
            strokes.append(pygame.event.Event(pygame.MOUSEMOTION, pos=(r.centerx, int(r.y + r.h * (0.2 + 0.6 * t))),
                                              rel=(0, 1), buttons=(1, 0, 0)))
        strokes.append(pygame.event.Event(pygame.MOUSEBUTTONUP, button=1, pos=(r.centerx, int(r.y + r.h * 0.8))))
        window.frame(strokes, 0.0)
        assert pad.preview.max() > 200
        window.frame([key(pygame.K_1)], 0.0)
        assert window.scene is scene
        assert scene.trace.source == "your drawing" and scene.trace.label == 1 and scene.index == 0
        assert scene.trace.image.max() > 200
        assert len(scene.steps) == 46
        window.frame([key(pygame.K_d)], 0.0)         # Esc leaves the pad without a drawing
        window.frame([key(pygame.K_ESCAPE)], 0.0)
        assert window.scene is scene and scene.trace.source == "your drawing"
    finally:
        window.close()


def test_the_pad_says_draw_first(session, trace):
    got = []
    pad = PadScene(THEMES["dark"], lambda image, label: got.append(label))
    pad.layout((1280, 800), ui.Sizes.for_window((1280, 800), pad.theme))
    assert pad.handle(key(pygame.K_3)) is None and got == [] and "first" in pad.message
    assert pad.handle(key(pygame.K_ESCAPE)) == ui.BACK


def test_export_writes_one_non_blank_png_per_step(session, trace, tmp_path):
    steps = build_steps(trace)
    indices = parse_range("4:6", len(steps))
    paths = export_pngs(steps, tmp_path, indices, "projector")
    assert [p.name for p in sorted(tmp_path.iterdir())] == ["step-004.png", "step-005.png", "step-006.png"]
    assert all(not_blank(p) for p in paths)


@pytest.mark.parametrize("size", [(1024, 768), (1920, 1080)])
def test_export_and_gif_at_a_size(session, trace, tmp_path, size):
    steps = build_steps(trace)
    paths = export_pngs(steps, tmp_path, parse_range("5", len(steps)), "dark", size)
    assert not_blank(paths[0], size)
    path = export_gif(steps, tmp_path / "lecture.gif", parse_range("45:46", len(steps)), "dark", size)
    with Image.open(path) as gif:
        assert gif.n_frames == 2 and gif.size == size


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
    small = tmp_path / "small"
    assert main(["lecture", "--data", str(mnist_dir), "--export", str(small), "--range", "5", "--size",
                 "1024x768"]) == 0
    assert not_blank(small / "step-005.png", (1024, 768))
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
