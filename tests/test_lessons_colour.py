"""The lessons on data other than MNIST: a small colour folder made on the fly (4 named classes,
3×32×32) and a checkpoint of LeNet-5 trained on it for one step. network3d, tensors and params
show the real channel count, shapes and class names (read back against the engine), the input's
planes in their channel colours; overfitting and activations train networks made for the data;
draw refuses a colour network or colour data in one line (through the real command line, and in
the app's lessons menu); a checkpoint whose format differs from --data is refused in one line.
The layout check (floor, zoom) in every theme and window for the five lessons that show any data."""
import math
import time

import numpy as np
import pygame
import pytest
from conftest import fast_lessons
from render_kit import colours_in, draw, drawn_demo, make
from test_cli import assert_one_line_error
from test_data_cli import run as main_py
from test_imagefolder import write
from test_lessons_layout import WINDOWS, check_every_state

from simulator.engine import ops
from simulator.engine.arch import build, lenet5_spec
from simulator.engine.checkpoint import save_checkpoint
from simulator.engine.data import load_dataset, normalise
from simulator.engine.lessons import activations as act
from simulator.engine.lessons.source import checkpoint_network, lesson_source
from simulator.engine.model import Network, NetConfig, softmax
from simulator.engine.trainer import TrainConfig, Trainer
from simulator.errors import UserError
from simulator.numbers import fmt, fmt_percent
from simulator.render import ui
from simulator.render.lessons import LessonOptions, open_lesson
from simulator.render.lessons.menu import LessonMenu
from simulator.render.ui.theme import THEMES

CLASSES = ("blue-square", "green-dot", "red-stripe", "yellow")


@pytest.fixture(scope="module")
def colour(tmp_path_factory):
    """(folder, checkpoint, dataset): 4 classes of 32×32 colour pictures in train/ and test/, each
    class a different mean colour, and LeNet-5 for them after one training step."""
    root = tmp_path_factory.mktemp("colour")
    rng = np.random.default_rng(5)
    tints = {"blue-square": (0, 0, 140), "green-dot": (0, 140, 0), "red-stripe": (140, 0, 0), "yellow": (140, 140, 0)}
    for split, n in (("train", 10), ("test", 3)):
        write(root / "pics" / split, {name: list((rng.integers(0, 110, (n, 32, 32, 3)) + tint).astype(np.uint8))
                                      for name, tint in tints.items()})
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CNN_SIMULATOR_CACHE", str(root / "cache"))
        data = load_dataset(root / "pics")
        trainer = Trainer(TrainConfig(arch=lenet5_spec((32, 32), 4), batch_size=16), data)
        trainer.train_step()
    save_checkpoint(root / "colour.npz", trainer.state())
    return root / "pics", root / "colour.npz", data


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    return fast_lessons(tmp_path, monkeypatch)


@pytest.fixture
def options(colour):
    return LessonOptions(data=colour[0], checkpoint=colour[1])


def engine_model(checkpoint):
    arch, params, _ = checkpoint_network(checkpoint)
    return Network(NetConfig(arch), params)


def test_the_data_and_checkpoint_are_what_the_lessons_get(colour):
    pics, ckpt, data = colour
    assert data.format.classes == CLASSES and data.format.input_shape == (3, 32, 32)
    src = lesson_source(pics, ckpt)
    assert src.arch.input_shape == (3, 32, 32) and src.arch.classes == 4 and src.params is not None
    assert src.noun == "image" and lesson_source(None).noun == "digit"
    fresh = lesson_source(pics)                        # no checkpoint: LeNet-5 made for the data, fresh weights
    assert fresh.params is None and fresh.arch.spec == lenet5_spec((32, 32), 4)


def test_network3d_shows_the_colour_input_and_the_class_names(options, colour):
    pics, ckpt, data = colour
    scene = make("network3d", options)
    try:
        drawn = drawn_demo(scene)
        texts = drawn.texts
        assert "input 3×32×32" in texts and "The image and the model" in texts
        assert not any("digit" in t for t in texts)
        image, label = data.test_images[0], int(data.test_labels[0])
        assert any(t.endswith(f"label {CLASSES[label]}") for t in texts)
        # the bars: every class by its name, each p the engine's softmax of this model on this image
        p = softmax(engine_model(ckpt).forward(normalise(image[None], fmt=data.format)).outputs["logits"])[0]
        np.testing.assert_allclose(scene.live.frame.probabilities, p, rtol=1e-5, atol=1e-7)
        for k, name in enumerate(CLASSES):
            i = texts.index(name)
            assert texts[i + 1] == fmt_percent(p[k], 0)
        assert any(t.startswith(f"reads {CLASSES[int(np.argmax(p))]}") for t in texts)
        # the input volume: plane c is the picture's channel c, black … that channel's colour
        rgb = scene._colours(scene.live.frame)
        ids = scene.ids[scene.ids[:, 0] == 0]
        inputs = rgb[scene.ids[:, 0] == 0]
        want = np.zeros_like(inputs)
        want[np.arange(len(ids)), ids[:, 1]] = image[ids[:, 2], ids[:, 3], ids[:, 1]]
        np.testing.assert_array_equal(inputs, want)
        # the colour picture itself in the side panel: every one of its colours is there
        picture = {tuple(int(v) for v in c) for c in image.reshape(-1, 3)}
        assert picture <= colours_in(drawn.surface, scene.side)
        # a receptive field reaches all three input channels
        name, c, r, k = scene.selected
        assert scene.fields["input"].c1 - scene.fields["input"].c0 == 3
        assert any(t.startswith("input: all 3 channels") for t in texts)
    finally:
        scene.close()


def test_network3d_many_classes_show_the_most_likely(tmp_path):
    """More classes than MAX_BARS: the bars are the most likely ones, largest first, and say so."""
    from simulator.render.lessons.network3d_side import MAX_BARS
    names = [f"class{k:02d}" for k in range(12)]
    rng = np.random.default_rng(0)
    write(tmp_path / "many", {n: list(rng.integers(0, 256, (7, 16, 16), dtype=np.uint8)) for n in names})
    scene = make("network3d", LessonOptions(data=tmp_path / "many"))
    try:
        texts = draw(scene).texts
        p = scene.live.frame.probabilities
        assert f"the {MAX_BARS} most likely of 12 classes" in texts
        shown = [t for t in texts if t in names]
        assert shown == [names[i] for i in np.argsort(-p, kind="stable")[:MAX_BARS]]
        assert "input 1×16×16" in texts and "fresh random weights" in texts
    finally:
        scene.close()


def test_tensors_show_the_real_shapes_and_the_class_of_the_score(options, colour):
    pics, ckpt, data = colour
    scene = make("tensors", options)
    try:
        drawn = draw(scene)
        assert drawn.violations == []
        texts = " ".join(drawn.texts)                      # wrapped lines joined back into their sentences
        for shape in ("[8, 3, 32, 32]", "[4]", "[6, 28, 28]", "[84, 4]"):
            assert f"shape {shape}" in texts, shape
        assert "the 4 scores z (logits) of image 0" in texts
        x = normalise(data.test_images[:8], fmt=data.format)
        logits = engine_model(ckpt).forward(x).outputs["logits"]
        k = int(np.argmax(logits[0]))
        assert f"which class ({k}: {CLASSES[k]})" in texts
        assert f"z[{k}] = {fmt(float(logits[0, k]), sig=4)}" in texts
        n, c, h, w = scene.examples[-1].index                 # the picked element: the engine's normalised pixel
        assert scene.examples[-1].value == float(x[n, c, h, w]) and n == 1
        assert f"x[{n}, {c}, {h}, {w}] = {fmt(float(x[n, c, h, w]), sig=4)}" in texts
        ends = normalise(np.array([np.zeros((1, 1, 3)), np.full((1, 1, 3), 255)], np.uint8), fmt=data.format)
        for c, name in enumerate(("red", "green", "blue")):  # the legend gives each channel's ends, 0 and 255
            lo, hi = float(ends[0, c, 0, 0]), float(ends[1, c, 0, 0])
            assert f"{name} {fmt(lo, sig=3)} … {fmt(hi, sig=3)}" in texts
        # the batch drawn as planes in their channel colours: image 0's red plane is there, pixel for pixel
        colours = colours_in(drawn.surface, scene.columns[4])
        red = {(int(v), 0, 0) for v in data.test_images[0][..., 0].ravel()}
        assert red <= colours
    finally:
        scene.close()


def test_params_count_the_colour_network(options):
    scene = make("params", options)
    try:
        texts = draw(scene).texts
        arch = build(lenet5_spec((32, 32), 4), (3, 32, 32), 4)
        assert "3×32×32 → 6×28×28" in texts
        assert any(t.startswith("conv1: 6 filters · (3·5·5) weights + 6 biases = 456") for t in texts)
        assert any(t.startswith("dense 3,072 → 4,704: 3,072·4,704 + 4,704") for t in texts)
        assert f"{arch.param_count:,} parameters" in texts
        assert any("Training set: 40 images" in t for t in texts)
    finally:
        scene.close()


def wait(scene):
    for _ in range(600):
        if scene.ready:
            return
        scene.update(0.05)
        time.sleep(0.05)
    raise AssertionError("not ready")


def test_overfitting_trains_both_networks_made_for_the_data(colour):
    scene = make("overfitting", LessonOptions(data=colour[0]))
    try:
        wait(scene)
        texts = " ".join(draw(scene).texts)
        dense, lenet = scene.settings.networks
        assert dense[1] == "fc300-relu-fc100-relu-fc4" and lenet[1] == lenet5_spec((32, 32), 4)
        assert f"{build(dense[1], (3, 32, 32), 4).param_count:,} parameters" in texts
        assert f"{build(lenet[1], (3, 32, 32), 4).param_count:,} parameters" in texts
        assert "new images" in texts and "digit" not in texts
        assert scene.settings.n_train == 40                 # no more than the data has
    finally:
        scene.close()


def test_activations_on_colour_data(colour):
    pics, _, data = colour
    scene = make("activations", LessonOptions(data=pics))
    try:
        wait(scene)
        texts = draw(scene).texts
        assert "ln 4: a uniform guess" in texts and "input image" in texts
        assert scene.chance == pytest.approx(math.log(4))
        # the edge map: EDGE_FILTER over the mean of the three channels (padding 1), as ops computes it
        mean = data.test_images[0].astype(np.float64).mean(axis=2) / 255.0
        want, _ = ops.conv2d_forward(mean[None, None], act.EDGE_FILTER, np.zeros(1), 1, 1)
        np.testing.assert_allclose(scene.maps.pre, want[0, 0], atol=1e-12)
        assert scene.maps.image.shape == (32, 32, 3)
    finally:
        scene.close()


def test_draw_refuses_colour_networks_and_data(colour):
    pics, ckpt, _ = colour
    for opts, words in ((LessonOptions(checkpoint=ckpt), (str(ckpt), "3×32×32 colour images in 4 classes")),
                        (LessonOptions(data=pics), (f"--data {pics}", "3×32×32 colour"))):
        with pytest.raises(UserError) as e:
            make("draw", opts)
        message = str(e.value)
        assert "\n" not in message and "MNIST-format" in message
        for word in words:
            assert word in message


def test_the_app_menu_shows_a_refusal_and_opens_the_rest(colour):
    menu = LessonMenu(THEMES["dark"], LessonOptions(data=colour[0]))
    menu.layout((1280, 800), ui.Sizes.for_window((1280, 800), THEMES["dark"]))
    assert menu._open("draw") is None and "the draw lesson" in menu.error and "\n" not in menu.error
    texts = draw(menu).texts
    assert any("draw lesson" in t for t in texts)
    opened = menu._open("tensors")
    assert isinstance(opened, ui.Open)
    opened.scene.close()


def test_a_checkpoint_and_data_of_other_formats_are_refused(colour, mnist_dir):
    pics, ckpt, _ = colour
    with pytest.raises(UserError, match="its network takes 3×32×32 colour images in 4 classes, not 1×28×28 grey"):
        lesson_source(mnist_dir, ckpt)
    with pytest.raises(UserError, match="trained on 3×32×32 colour images in 4 classes; name those pictures"):
        lesson_source(None, ckpt)


def test_a_shapes_checkpoint_reads_the_shapes_set_without_data(tmp_path, monkeypatch):
    from simulator.engine import shapes
    monkeypatch.setattr(shapes, "COUNTS", {"train": 3, "test": 2})
    data = load_dataset("shapes")
    trainer = Trainer(TrainConfig(arch=lenet5_spec((32, 32), 6), batch_size=4), data)
    save_checkpoint(tmp_path / "s.npz", trainer.state())
    src = lesson_source(None, tmp_path / "s.npz")
    assert src.classes == shapes.CLASSES and src.data.train_images.shape == (18, 32, 32, 3)


def test_refusals_through_the_command_line(colour, tmp_path, mnist_dir):
    pics, ckpt, _ = colour
    for args, words in (
            (["lesson", "draw", "--checkpoint", ckpt], [str(ckpt), "trained on 3×32×32 colour", "MNIST-format"]),
            (["lesson", "draw", "--data", pics], [f"--data {pics}", "MNIST-format"]),
            (["lesson", "network3d", "--checkpoint", ckpt, "--data", mnist_dir],
             [str(ckpt), "3×32×32 colour images in 4 classes, not 1×28×28 grey"]),
            (["lesson", "tensors", "--checkpoint", ckpt], [str(ckpt), "--data DIR"]),
            (["lesson", "params", "--checkpoint", "bundled", "--data", pics],
             ["1×28×28 grey images in 10 classes, not 3×32×32 colour"])):
        assert_one_line_error(main_py(tmp_path, *args, "--export", tmp_path / "x.png"), *words)
    assert not (tmp_path / "x.png").exists()


def test_the_command_line_exports_a_colour_lesson(colour, tmp_path):
    pics, ckpt, _ = colour
    proc = main_py(tmp_path, "lesson", "tensors", "--checkpoint", ckpt, "--data", pics, "--export", tmp_path / "t.png")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "t.png").is_file()


@pytest.mark.parametrize("theme", sorted(THEMES))
@pytest.mark.parametrize("name", ["network3d", "tensors", "params", "overfitting", "activations"])
def test_colour_lessons_pass_the_layout_check(name, theme, options):
    th = THEMES[theme]
    pygame.display.init()
    pygame.font.init()
    for size in WINDOWS:
        scene = open_lesson(name, th, options)
        wait(scene)
        check_every_state(scene, f"{name} {theme} {size}", size)


def test_tensors_on_a_test_set_smaller_than_a_batch(tmp_path):
    """Two classes of 4 grey 12×12 pictures (1 in 6 held out: 2 test images): the batch is what there is."""
    rng = np.random.default_rng(1)
    write(tmp_path / "few", {n: list(rng.integers(0, 256, (4, 12, 12), dtype=np.uint8)) for n in ("ant", "bee")})
    scene = make("tensors", LessonOptions(data=tmp_path / "few"))
    try:
        batch = scene.examples[-1]
        texts = " ".join(draw(scene).texts)
        assert batch.shape == (2, 1, 12, 12) and "a batch of 2 input images" in texts
        assert "shape [2, 1, 12, 12]" in texts and "shape [2]" in texts
    finally:
        scene.close()


@pytest.fixture(scope="module")
def hundred(tmp_path_factory):
    """A folder of 100 classes with long hyphenated names, 3 colour pictures each (32×32)."""
    root = tmp_path_factory.mktemp("hundred")
    rng = np.random.default_rng(9)
    write(root / "pics", {f"kind-of-thing-{k:03d}": list(rng.integers(0, 255, (3, 32, 32, 3)).astype(np.uint8))
                          for k in range(100)})
    return root / "pics"


@pytest.mark.parametrize("name", ["tensors", "network3d", "params"])
def test_lessons_on_100_classes_pass_the_check_in_every_theme_and_window(name, hundred, tmp_path, monkeypatch):
    """The largest class count --data takes: the logits vector (100 values) fits its panel, long
    class names break after their hyphens, the bars show the most likely classes."""
    monkeypatch.setenv("CNN_SIMULATOR_CACHE", str(tmp_path / "cache"))
    pygame.display.init()
    pygame.font.init()
    for theme in sorted(THEMES):
        for size in WINDOWS:
            scene = open_lesson(name, THEMES[theme], LessonOptions(data=hundred))
            check_every_state(scene, f"{name} {theme} {size}", size, zoom=False)
