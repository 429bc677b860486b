"""`train --data DIR` on folders of images through the real command line: a colour folder trains,
its checkpoint records the format, `export` writes [N,3,H,W] with the class names and onnxruntime
agrees with the engine; every bad folder ends in one line, exit 2, no traceback, nothing written."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from test_cli import assert_one_line_error
from test_imagefolder import rng_images, write

ROOT = Path(__file__).resolve().parents[1]


def run(tmp_path, *args, display=False):
    """main.py with args, an empty user cache of the test's own and no display (unless display)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER")}
    env["CNN_SIMULATOR_CACHE"] = str(tmp_path / ".cache")
    if display:
        env["SDL_VIDEODRIVER"] = "dummy"
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)


def colour_folder(folder: Path, n=30, size=(32, 32), seed=0):
    """Three classes a network can tell apart: mostly red, mostly green, mostly blue pictures."""
    rng = np.random.default_rng(seed)
    pictures = {}
    for c, name in enumerate(("red", "green", "blue")):
        images = rng.integers(0, 90, (n, *size, 3), dtype=np.uint8)
        images[..., c] += np.uint8(150)
        pictures[name] = list(images)
    return write(folder, pictures)


def refused(tmp_path, folder, *words, args=()):
    proc = run(tmp_path, "train", "--data", folder, "--epochs", "1", "--out", tmp_path / "run", *args)
    assert_one_line_error(proc, *words)
    assert not (tmp_path / "run").exists()
    assert not (tmp_path / ".cache" / "datasets").exists() or not list((tmp_path / ".cache" / "datasets").iterdir())


def test_a_colour_folder_trains_exports_and_resumes(tmp_path):
    colour_folder(tmp_path / "pics")
    proc = run(tmp_path, "train", "--data", tmp_path / "pics", "--epochs", "4", "--batch-size", "8", "--lr", "0.02",
               "--out", tmp_path / "run")
    assert proc.returncode == 0, proc.stderr
    assert "held out as the test set" in proc.stderr and "3×32×32 colour images in 3 classes" in proc.stderr
    assert "fc3 (" in proc.stderr                                   # the default LeNet-5 ends in one output per class
    from simulator.engine.checkpoint import load_checkpoint
    state = load_checkpoint(tmp_path / "run" / "checkpoint.npz")
    fmt = state["format"]
    assert fmt.input_shape == (3, 32, 32) and fmt.classes == ("blue", "green", "red")
    assert state["params"]["conv1_w"].shape == (6, 3, 5, 5) and state["params"]["fc3_w"].shape == (84, 3)
    assert float(proc.stdout.split("test accuracy ")[1].split("%")[0]) > 90     # the colours are easy

    out = tmp_path / "net.onnx"
    proc = run(tmp_path, "export", tmp_path / "run" / "checkpoint.npz", out)
    assert proc.returncode == 0, proc.stderr
    assert "[N,3,32,32]" in proc.stdout and "(blue, green, red)" in proc.stdout
    import onnx
    import onnxruntime as ort
    model = onnx.load(str(out))
    dims = [d.dim_value or d.dim_param for d in model.graph.input[0].type.tensor_type.shape.dim]
    assert dims == ["N", 3, 32, 32]
    assert json.loads({p.key: p.value for p in model.metadata_props}["classes"]) == ["blue", "green", "red"]
    from simulator.engine.checkpoint import network_of
    from simulator.engine.data import load_dataset, normalise
    from simulator.engine.model import NetConfig, Network
    os.environ["CNN_SIMULATOR_CACHE"] = str(tmp_path / ".cache")
    ds = load_dataset(tmp_path / "pics")
    engine = Network(NetConfig(network_of(state)), state["params"]).forward(
        normalise(ds.test_images, fmt=fmt)).outputs["logits"]
    pixels = (ds.test_images.transpose(0, 3, 1, 2) / np.float32(255)).astype(np.float32)
    session = ort.InferenceSession(out.read_bytes(), providers=["CPUExecutionProvider"])
    got = session.run(None, {"image": pixels})[0]
    np.testing.assert_allclose(got, engine, rtol=1e-4, atol=1e-4)

    proc = run(tmp_path, "train", "--data", tmp_path / "pics", "--epochs", "5", "--batch-size", "8", "--lr", "0.02",
               "--out", tmp_path / "run", "--resume", tmp_path / "run" / "checkpoint.npz")
    assert proc.returncode == 0 and "resumed" in proc.stderr, proc.stderr
    # the same checkpoint on MNIST: refused in one line naming both formats
    proc = run(tmp_path, "train", "--epochs", "5", "--batch-size", "8", "--lr", "0.02", "--subset", "100",
               "--out", tmp_path / "mnist", "--resume", tmp_path / "run" / "checkpoint.npz")
    assert_one_line_error(proc, "3×32×32 colour images in 3 classes", "1×28×28 grey images in 10 classes")
    assert not (tmp_path / "mnist").exists()
    # and the windows refuse it rather than draw it as a digit network (the lecture: on MNIST)
    assert_one_line_error(run(tmp_path, "lecture", "--checkpoint", tmp_path / "run" / "checkpoint.npz",
                              "--max-frames", "1", display=True), "3×32×32 colour", "1×28×28 grey", "--data")
    assert_one_line_error(run(tmp_path, "app", "--checkpoint", tmp_path / "run" / "checkpoint.npz",
                              "--max-frames", "1", display=True), "3×32×32 colour")


def test_bad_folders_each_end_in_one_line(tmp_path):
    (tmp_path / "empty").mkdir()
    refused(tmp_path, tmp_path / "empty", "no images")
    write(tmp_path / "one", {"only": rng_images(0, 3, (8, 8))})
    refused(tmp_path, tmp_path / "one", "only one class")
    write(tmp_path / "hollow", {"a": rng_images(0, 3, (8, 8))})
    (tmp_path / "hollow" / "b").mkdir()
    refused(tmp_path, tmp_path / "hollow", "hollow/b", "no images in this class folder")
    write(tmp_path / "fake", {"a": rng_images(0, 3, (16, 16)), "b": rng_images(1, 3, (16, 16))})
    (tmp_path / "fake" / "b" / "notes.png").write_text("hello")
    refused(tmp_path, tmp_path / "fake", "fake/b/notes.png", "not an image")
    write(tmp_path / "cut", {"a": rng_images(0, 3, (16, 16, 3)), "b": rng_images(1, 3, (16, 16, 3))})
    victim = tmp_path / "cut" / "a" / "001.png"
    victim.write_bytes(victim.read_bytes()[:-40])
    refused(tmp_path, tmp_path / "cut", "cut/a/001.png")
    many = tmp_path / "many"
    for i in range(101):
        write(many, {f"c{i:03d}": rng_images(i, 2, (8, 8))})
    refused(tmp_path, many, "101 class folders", "at most 100")
    write(tmp_path / "split" / "train", {"a": rng_images(0, 3, (16, 16)), "b": rng_images(1, 3, (16, 16))})
    write(tmp_path / "split" / "test", {"a": rng_images(2, 1, (16, 16)), "x": rng_images(3, 1, (16, 16))})
    refused(tmp_path, tmp_path / "split", "test classes differ", "has no b", "has no x")


def test_images_too_small_and_networks_that_do_not_fit(tmp_path):
    write(tmp_path / "tiny", {"a": rng_images(0, 6, (8, 8)), "b": rng_images(1, 6, (8, 8))})
    refused(tmp_path, tmp_path / "tiny", "LeNet-5 (the default network) does not fit",
            "1×8×8 grey images", "conv2: (4 − 5 + 2·0)/1 + 1 = 0")
    refused(tmp_path, tmp_path / "tiny", "conv1: (8 − 9 + 2·0)/1 + 1 = 0", args=("--arch", "conv4k9-relu-fc2"))
    colour_folder(tmp_path / "pics", n=4)
    refused(tmp_path, tmp_path / "pics", "the last layer is fc10", "must be fc3", "3 classes",
            args=("--arch", "conv6k5-relu-maxpool2-fc10"))
    refused(tmp_path, tmp_path / "pics", "--image-size", args=("--image-size", "2"))
    refused(tmp_path, tmp_path / "pics", "--image-size", args=("--image-size", "65x32"))
    refused(tmp_path, tmp_path / "pics", "--image-size", "not a size", args=("--image-size", "big"))
    refused(tmp_path, tmp_path / "pics", "'bogus' is not a layer", args=("--arch", "bogus-fc3"))


def test_image_size_resizes_and_does_not_apply_to_idx(tmp_path, mnist_dir):
    colour_folder(tmp_path / "pics", n=6, size=(20, 20))
    proc = run(tmp_path, "train", "--data", tmp_path / "pics", "--epochs", "1", "--image-size", "16x12",
               "--arch", "conv4k3-relu-maxpool2-fc3", "--out", tmp_path / "ok")
    assert proc.returncode == 0, proc.stderr
    assert "3×12×16 colour images" in proc.stderr
    (tmp_path / "again").mkdir()
    refused(tmp_path / "again", mnist_dir, "IDX", "--image-size", args=("--image-size", "32"))
    proc = run(tmp_path / "again", "train", "--epochs", "1", "--image-size", "32", "--out", tmp_path / "again" / "run")
    assert_one_line_error(proc, "the bundled MNIST", "--image-size")
    assert not (tmp_path / "again" / "run").exists()


def test_the_app_resizes_a_folder_too(tmp_path):
    colour_folder(tmp_path / "pics", n=6, size=(20, 20))
    proc = run(tmp_path, "app", "--data", tmp_path / "pics", "--image-size", "16x12",
               "--arch", "conv4k3-relu-maxpool2-fc3", "--max-frames", "3", display=True)
    assert proc.returncode == 0, proc.stderr
    assert "3×12×16 colour images" in proc.stderr and "3 frames" in proc.stdout
    proc = run(tmp_path, "app", "--data", tmp_path / "pics", "--arch", "conv4k3-relu-maxpool2-fc10", "--max-frames", "3",
               display=True)
    assert_one_line_error(proc, "the last layer is fc10", "must be fc3")


@pytest.mark.parametrize("command", [["lesson", "draw"]])      # (cli.ANY_FORMAT: the app, the lecture and the other lessons show any)
def test_the_windows_refuse_picture_folders_in_one_line(tmp_path, command):
    colour_folder(tmp_path / "pics", n=2)
    proc = run(tmp_path, *command, "--data", tmp_path / "pics", "--max-frames", "1", display=True)
    assert_one_line_error(proc, "MNIST-format", "python main.py app --data")
    proc = run(tmp_path, *command, "--data", "shapes", "--max-frames", "1", display=True)
    assert_one_line_error(proc, "--data shapes", "python main.py app --data shapes")
    assert not (tmp_path / ".cache").exists()                        # refused before anything was made


def test_lessons_without_data_still_say_they_do_not_use_it(tmp_path):
    """cli_args.DATA_LESSONS is the list of lessons that read --data: every other lesson refuses the flag
    itself, and those that show MNIST-format data only refuse a folder of pictures (the ones that
    show any format: tests/test_lessons_colour.py)."""
    from simulator.cli import ANY_FORMAT
    from simulator.cli_args import DATA_LESSONS, LESSONS
    colour_folder(tmp_path / "pics", n=2)
    for name in LESSONS:
        if ANY_FORMAT["lesson"].get(name):
            continue
        proc = run(tmp_path, "lesson", name, "--data", tmp_path / "pics", "--max-frames", "1", display=True)
        words = ("MNIST-format",) if name in DATA_LESSONS else ("--data", "does not use")
        assert_one_line_error(proc, *words)
