"""The command line's error paths: one line naming the problem, exit status 2, no traceback."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def main_py(*args, display=False, timeout=300):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER")}
    if display:
        env["SDL_VIDEODRIVER"] = "dummy"
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def assert_one_line_error(proc, *words):
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])


@pytest.mark.parametrize("args, words", [
    (["train", "--lr", "abc"], ["--lr", "abc"]),
    (["train", "--lr", "-1"], ["--lr"]),
    (["train", "--lr", "nan"], ["--lr", "finite"]),
    (["train", "--batch-size", "0"], ["--batch-size"]),
    (["train", "--epochs", "many"], ["--epochs"]),
    (["train", "--activation", "softsign"], ["--activation", "softsign"]),
    (["train", "--pool", "min"], ["--pool"]),
    (["train", "--bogus"], ["--bogus"]),
    (["lesson", "nosuchlesson"], ["nosuchlesson"]),
])
def test_nonsense_flags(args, words):
    assert_one_line_error(main_py(*args), *words)


def test_missing_data_folder(tmp_path):
    assert_one_line_error(main_py("train", "--data", tmp_path / "nowhere", "--epochs", "0"), "nowhere", "not found")


def test_truncated_data_file(tmp_path, mnist_dir):
    for f in mnist_dir.glob("*.gz"):
        (tmp_path / f.name).write_bytes(f.read_bytes())
    victim = tmp_path / "t10k-images-idx3-ubyte.gz"
    victim.write_bytes(victim.read_bytes()[:5000])
    assert_one_line_error(main_py("train", "--data", tmp_path, "--epochs", "0"), "t10k-images-idx3-ubyte.gz")


def test_corrupt_checkpoint(tmp_path):
    bad = tmp_path / "checkpoint.npz"
    bad.write_bytes(np.random.default_rng(0).bytes(3000))
    assert_one_line_error(main_py("train", "--resume", bad, "--epochs", "0", "--out", tmp_path / "r"),
                          "checkpoint.npz", "corrupt")
    assert_one_line_error(main_py("train", "--resume", tmp_path / "absent.npz", "--epochs", "0"), "absent.npz")


def test_too_many_threads():
    assert_one_line_error(main_py("train", "--threads", "999", "--epochs", "0"), "--threads")


@pytest.mark.parametrize("command", [[], ["app"]])
def test_app_without_display_says_so_and_trains_headless(tmp_path, command):
    proc = main_py(*command, "--epochs", "1", "--subset", "600", "--batch-size", "32", "--max-frames", "1",
                   "--out", tmp_path / "run")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines()[0] == ("no display found: training headless instead (main.py train); "
                                           "ignoring the window's options --max-frames")
    assert "test accuracy" in proc.stdout
    assert (tmp_path / "run" / "checkpoint.npz").is_file()
    assert (tmp_path / "run" / "metrics.csv").is_file()


def test_help_and_version_without_display_do_not_train():
    for args in (["--version"], ["app", "--help"], ["--help"]):
        proc = main_py(*args)
        assert proc.returncode == 0 and "no display" not in proc.stderr, (args, proc.stderr)
        assert "Epoch" not in proc.stdout + proc.stderr
    from simulator import __version__
    assert main_py("--version").stdout == f"cnn-simulator {__version__}\n"


def test_python_dash_m_simulator_is_the_same_program(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER")}
    proc = subprocess.run([sys.executable, "-m", "simulator", "train", "--lr", "abc"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert_one_line_error(proc, "python -m simulator train: error: argument --lr")


def test_bundled_names_the_model_that_ships_inside_the_package(tmp_path, monkeypatch):
    from simulator import paths
    from simulator.cli_args import build_parser
    parse = build_parser().parse_args
    assert paths.BUNDLED_MODEL.is_relative_to(paths.PACKAGE) and paths.BUNDLED_MODEL.is_file()
    assert parse(["lecture", "--checkpoint", "bundled"]).checkpoint == paths.BUNDLED_MODEL
    assert parse(["export", "bundled", "x.onnx"]).checkpoint == paths.BUNDLED_MODEL
    assert parse(["app", "--checkpoint", "runs/a/checkpoint.npz"]).checkpoint == Path("runs/a/checkpoint.npz")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bundled").write_bytes(b"")        # a file of that name is the user's file
    assert parse(["lesson", "draw", "--checkpoint", "bundled"]).checkpoint == Path("bundled")


def test_train_epochs_zero_with_resume_reports_accuracy(tmp_path):
    first = main_py("train", "--epochs", "1", "--subset", "600", "--out", tmp_path / "a")
    assert first.returncode == 0, first.stderr
    again = main_py("train", "--epochs", "1", "--subset", "600", "--out", tmp_path / "a",
                    "--resume", tmp_path / "a" / "checkpoint.npz")
    assert again.returncode == 0, again.stderr
    assert "finished: 1 epochs" in again.stdout


def test_help_lists_every_command():
    proc = main_py("--help")
    assert proc.returncode == 0
    for command in ("app", "train", "lecture", "lesson"):
        assert command in proc.stdout


def test_bench_is_not_a_product_command_and_says_where_it_went():
    assert_one_line_error(main_py("bench", "--quick"), "python -m benchmarks")


def test_headless_fallback_uses_exactly_trains_defaults(capsys):
    from simulator.cli import headless_args
    from simulator.cli_args import build_parser
    assert vars(headless_args([])) == vars(build_parser().parse_args(["train"]))
    args = headless_args(["--theme", "light", "--size", "1024x768", "--lr", "0.01"])
    assert vars(args) == {**vars(build_parser().parse_args(["train"])), "lr": 0.01}
    assert "ignoring the window's options --theme, --size" in capsys.readouterr().err


@pytest.mark.parametrize("flag", ["--epochs", "--schedule", "--out", "--resume", "--tensorboard"])
def test_the_app_lists_only_flags_it_uses(flag):
    help_text = main_py("app", "--help").stdout
    assert flag not in help_text and "--checkpoint" in help_text
    assert_one_line_error(main_py("app", flag, "x", display=True), flag)


def test_app_checkpoint_missing_is_one_line(tmp_path):
    assert_one_line_error(main_py("app", "--checkpoint", tmp_path / "missing.npz", "--max-frames", "1",
                                  display=True), "missing.npz", "not found")


@pytest.mark.parametrize("args, words", [
    (["lesson", "graph", "--image", "x.png"], ["--image", "graph", "does not use"]),
    (["lesson", "pooling", "--data", "."], ["--data", "pooling"]),
    (["lesson", "regression", "--checkpoint", "x.npz"], ["--checkpoint", "regression"]),
    (["lesson", "pooling", "--untrained", "--image", "x.png"], ["--image, --untrained", "pooling"]),
    (["lesson", "rgb", "--export", "x.png", "--keys", "right"], ["--keys", "--export"]),
    (["lecture", "--gif", "x.gif", "--screenshot", "s.png"], ["--screenshot", "--gif"]),
])
def test_flags_a_command_would_ignore_are_refused(args, words):
    assert_one_line_error(main_py(*args, display=True), *words)


@pytest.mark.parametrize("size", [(1024, 768), (1920, 1080)])
def test_lesson_export_takes_a_size(tmp_path, size):
    """--export --size WxH writes the picture a window of that size shows: the lesson drawn at
    that size (not a canvas scaled), the same pixels as the scene drawn in a window that size."""
    import pygame
    from PIL import Image
    from simulator.render.lessons import export, open_lesson
    from simulator.render.ui.theme import THEMES
    out = tmp_path / "pooling.png"
    proc = main_py("lesson", "pooling", "--export", out, "--size", f"{size[0]}x{size[1]}")
    assert proc.returncode == 0, proc.stderr
    with Image.open(out) as img:
        assert img.size == size
        pixels = np.asarray(img.convert("RGB")).astype(int)
    pygame.font.init()
    here = tmp_path / "here.png"
    export(open_lesson("pooling", THEMES["dark"]), here, size=size)      # what the command drew, in-process
    with Image.open(here) as img:
        assert (np.asarray(img.convert("RGB")).astype(int) == pixels).all()
    assert main_py("lesson", "pooling", "--export", tmp_path / "default.png").returncode == 0
    with Image.open(tmp_path / "default.png") as img:
        assert img.size == (1280, 800)
