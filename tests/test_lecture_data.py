"""The lecture on other data through the command line and the window: a user's folder of colour
pictures with fresh weights and with a checkpoint trained on it (read at the checkpoint's
size), exported as PNGs and a GIF; a checkpoint of other data refused in one line; N takes
another test picture and D says in a notice that the pad is for digit networks."""
import numpy as np
import pygame
import pytest

from simulator.render import ui
from simulator.render.lecture.scene import HINTS, PICTURE_HINTS, LectureScene, LectureSession
from test_cli import assert_one_line_error
from test_data_cli import colour_folder, run


def test_a_folder_of_colour_pictures_lectures_and_exports(tmp_path):
    colour_folder(tmp_path / "pics", n=12)
    proc = run(tmp_path, "lecture", "--data", tmp_path / "pics", "--export", tmp_path / "png", "--range", "1:9",
               "--digit", "2", "--size", "1024x768")
    assert proc.returncode == 0, proc.stderr
    pngs = sorted((tmp_path / "png").glob("step-*.png"))
    assert [p.name for p in pngs] == [f"step-{i:03d}.png" for i in range(1, 10)]
    picture = pygame.image.load(str(pngs[0]))
    assert picture.get_size() == (1024, 768)
    proc = run(tmp_path, "lecture", "--data", tmp_path / "pics", "--gif", tmp_path / "conv1.gif", "--range", "4:8")
    assert proc.returncode == 0 and "wrote 5 frames" in proc.stdout, proc.stderr
    from PIL import Image
    assert Image.open(tmp_path / "conv1.gif").n_frames == 5


def test_a_checkpoint_lectures_on_its_own_data_only(tmp_path):
    """Trained at --image-size 24 on 32×32 pictures: the lecture reads the folder at 24×24; on
    MNIST (no --data) or with the digit network on the pictures it refuses in one line."""
    colour_folder(tmp_path / "pics", n=12)
    proc = run(tmp_path, "train", "--data", tmp_path / "pics", "--epochs", "1", "--batch-size", "8",
               "--image-size", "24", "--out", tmp_path / "run")
    assert proc.returncode == 0, proc.stderr
    checkpoint = tmp_path / "run" / "checkpoint.npz"
    proc = run(tmp_path, "lecture", "--data", tmp_path / "pics", "--checkpoint", checkpoint,
               "--export", tmp_path / "png", "--range", "1:2")
    assert proc.returncode == 0, proc.stderr
    assert_one_line_error(run(tmp_path, "lecture", "--checkpoint", checkpoint, "--export", tmp_path / "no"),
                          "3×24×24 colour images in 3 classes", "1×28×28 grey images in 10 classes",
                          "give the --data it was trained on")
    assert_one_line_error(run(tmp_path, "lecture", "--data", tmp_path / "pics", "--checkpoint", "bundled",
                              "--export", tmp_path / "no"), "1×28×28 grey images in 10 classes",
                          "3×28×28 colour images in 3 classes", "read at the checkpoint's 28×28")
    assert_one_line_error(run(tmp_path, "lecture", "--data", tmp_path / "pics", "--arch", "conv4k3-relu-fc10",
                              "--export", tmp_path / "no"), "fc10", "must be fc3")
    assert not (tmp_path / "no").exists()


@pytest.fixture()
def colour_session(tmp_path, monkeypatch):
    monkeypatch.setenv("CNN_SIMULATOR_CACHE", str(tmp_path / "cache"))
    colour_folder(tmp_path / "pics", n=12)
    return LectureSession(tmp_path / "pics")


def key(k):
    return pygame.event.Event(pygame.KEYDOWN, key=k, mod=0, unicode="", scancode=0)


def test_n_takes_another_picture_and_d_says_the_pad_is_for_digits(colour_session):
    pygame.display.init()
    pygame.font.init()
    assert not colour_session.can_draw and colour_session.format.colour
    scene = LectureScene(colour_session, colour_session.trace_test_image(0), "dark", index=3)
    screen = pygame.display.set_mode((1280, 800))
    window = ui.Window(scene, ui.WindowOptions(size=(1280, 800)), screen=screen)
    try:
        window.run(1)
        window.running = True
        assert scene.hints() == PICTURE_HINTS and ("D", "draw") in HINTS and all(k != "D" for k, _ in PICTURE_HINTS)
        before = scene.trace
        for _ in range(3):                                   # a random test picture (maybe the same one again)
            window.frame([key(pygame.K_n)], 0.0)
            if scene.trace.source != before.source:
                break
        assert scene.trace is not before and scene.trace.format.colour and scene.index == 3
        window.frame([key(pygame.K_d)], 0.0)
        assert window.scene is scene                          # no pad opened
        assert "28×28 grey digits" in scene.toast and "3×32×32 colour images in 3 classes" in scene.toast
        ui.CHECK.enable(min_gap=ui.check.MIN_GAP)
        try:
            window._laid_out = None
            window.frame([], 0.0)
            bad = ui.CHECK.violations(window.screen.get_rect())
            shown = " ".join(t for sc in ui.CHECK.scopes.values() for _, t, _ in sc.texts)
        finally:
            ui.CHECK.disable()
        assert bad == [] and "28×28 grey digits" in shown and "new picture" in shown
        assert f"label {scene.trace.format.classes[scene.trace.label]}" in scene.status()
    finally:
        window.close()


def test_the_help_of_a_colour_network_names_its_keys_and_classes(colour_session):
    from simulator.render.lecture.legend import PICTURE_KEYS
    pygame.display.init()
    pygame.font.init()
    scene = LectureScene(colour_session, colour_session.trace_test_image(1), "projector")
    steps = scene.steps
    scene.go(next(i for i, s in enumerate(steps) if s.kind == "softmax"))
    screen = pygame.display.set_mode((1280, 800))
    window = ui.Window(scene, ui.WindowOptions(size=(1280, 800)), screen=screen)
    try:
        window.run(1)
        scene.help = True
        ui.CHECK.enable(min_gap=ui.check.MIN_GAP)
        try:
            window.running = True
            window._laid_out = None
            window.frame([], 0.0)
            bad = ui.CHECK.violations(window.screen.get_rect())
            shown = " ".join(t for _, t, _ in ui.CHECK.scopes["help"].texts)
        finally:
            ui.CHECK.disable()
        assert bad == []
        assert all(k in shown and what in shown for k, what in PICTURE_KEYS)
        assert "another test picture" in shown and "one score per class" in shown and "digit," not in shown
    finally:
        window.close()


def test_a_grey_session_of_mnist_format_still_draws(mnist_dir):
    session = LectureSession(mnist_dir)
    assert session.can_draw
    scene = LectureScene(session, session.trace_test_image(0))
    assert scene.hints() == HINTS
    image = np.zeros((28, 28), np.uint8)
    image[6:22, 12:16] = 255
    assert session.trace_drawing(image, 1).source == "your drawing"
