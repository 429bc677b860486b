"""Checkpoint fuzzing: 1,200 mutated copies of the bundled checkpoint (byte flips, truncation,
missing and extra members, meta of every JSON type, every meta and config field set to wrong
types and out-of-range values, arrays of the wrong shape, dtype or with non-finite values).
Each is either loaded and works (a forward pass gives finite logits) or refused with a
CheckpointError (one line naming the file); anything else fails the test. Then the same kinds
of file through `train --resume`, `lecture --checkpoint`, `app --checkpoint`, `lesson draw
--checkpoint` (exit 2, one line), and damaged pictures through `lesson rgb --image`."""
import json
import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from benchmarks.fuzz import BUNDLED, members, mutations, pack, with_meta
from simulator.engine.checkpoint import CheckpointError, load_checkpoint
from simulator.engine.config import TrainConfig
from simulator.engine.model import Network
from test_cli import assert_one_line_error, main_py

COUNT = 1200

def works_everywhere(state, images, digit, label, trainer) -> None:
    """What each command does with a loaded checkpoint: draw/network3d build a model and run it
    (finite logits), the lecture traces one image, train/app restore a Trainer (a ValueError is
    their one-line refusal of a file that does not fit the run)."""
    from simulator.engine.lecture import record_trace
    config = TrainConfig(**state["config"]).model_config()
    logits = Network(config, state["params"]).forward(images).outputs["logits"]
    assert np.all(np.isfinite(logits))
    record_trace(digit, label, state["params"], config, source="fuzz")
    try:
        trainer.load_state(state, keep_config=True)
    except ValueError as e:
        assert "\n" not in str(e)
        return
    assert math.isfinite(trainer.train_step().loss)


def test_a_thousand_mutated_checkpoints_load_and_work_or_are_refused_in_one_line(tmp_path, mnist):
    from simulator.engine.data import normalise
    from simulator.engine.trainer import TrainConfig, Trainer
    images = normalise(mnist.test_images[:4])
    trainer = Trainer(TrainConfig(batch_size=16), mnist.subset(320, 16))
    original = BUNDLED.read_bytes()
    path = tmp_path / "mutant.npz"
    outcomes, refusals = Counter(), Counter()
    gen = mutations(np.random.default_rng(11), original)
    for _ in range(COUNT):
        kind, blob = next(gen)
        path.write_bytes(blob)
        try:
            state = load_checkpoint(path)
        except CheckpointError as e:
            message = str(e)
            assert "\n" not in message and message.startswith(str(path)), (kind, message)
            outcomes["refused"] += 1
            refusals[kind] += 1
            continue
        # anything else raised propagates and fails the test, naming the mutation via the traceback
        works_everywhere(state, images, mnist.test_images[0], int(mnist.test_labels[0]), trainer)
        assert all(type(state[k]) is int and state[k] >= 0 for k in ("step_count", "epoch", "batch_in_epoch"))
        assert all(v.dtype == np.float32 and v.flags.c_contiguous for v in state["params"].values())
        outcomes["loaded"] += 1
    print(f"\n{COUNT} mutated checkpoints: {outcomes['loaded']} loaded and work, {outcomes['refused']} refused, "
          f"0 crashed; refusals by kind: {dict(refusals)}")
    assert outcomes["loaded"] + outcomes["refused"] == COUNT
    assert outcomes["loaded"] > 50 and outcomes["refused"] > 300       # both outcomes really happen


def test_the_trainer_resumes_from_every_loaded_kind(tmp_path, mnist):
    """A checkpoint that loads also resumes: Trainer.load_state accepts it or says why in a ValueError."""
    from simulator.engine.trainer import TrainConfig, Trainer
    trainer = Trainer(TrainConfig(batch_size=64), mnist.subset(640, 64))
    arrays = members(BUNDLED.read_bytes())
    meta = json.loads(arrays["meta"].tobytes())
    path = tmp_path / "c.npz"
    for batch in (0, 9, 10, 500):
        path.write_bytes(with_meta(arrays, {**meta, "batch_in_epoch": batch}))
        state = load_checkpoint(path)
        if batch < trainer.batches_per_epoch:
            trainer.load_state(state, keep_config=True)
            assert math.isfinite(trainer.train_step().loss)
        else:
            with pytest.raises(ValueError, match="past the last batch"):
                trainer.load_state(state, keep_config=True)


# ----------------------------------------------------------------------------- command line

def bad_checkpoints(folder: Path) -> dict:
    arrays = members(BUNDLED.read_bytes())
    meta = json.loads(arrays["meta"].tobytes())
    files = {
        "meta-list": with_meta(arrays, [1, 2]),
        "step-nan": with_meta(arrays, {**meta, "step_count": float("nan")}),
        "seed-string": with_meta(arrays, {**meta, "config": {**meta["config"], "seed": "zero"}}),
        "truncated": BUNDLED.read_bytes()[:40000],
        "weights-inf": pack({**arrays, "param/fc1_w": np.full_like(arrays["param/fc1_w"], np.inf)}),
    }
    paths = {}
    for name, blob in files.items():
        paths[name] = folder / f"{name}.npz"
        paths[name].write_bytes(blob)
    paths["missing"] = folder / "missing.npz"
    return paths


def assert_refused_in_process(capsys, argv, *words):
    """cli.main in this process (fast): exit status 2 and one line on stderr naming the words."""
    from simulator import cli
    assert cli.main([str(a) for a in argv]) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and all(w in lines[0] for w in words), lines


COMMANDS = [["train", "--epochs", "0", "--resume"], ["lecture", "--checkpoint"], ["app", "--checkpoint"],
            ["lesson", "draw", "--checkpoint"], ["lesson", "network3d", "--checkpoint"]]


def _argv(command, path, tmp_path, mnist_dir):
    data = [] if command[0] == "lesson" else ["--data", mnist_dir]
    tail = ["--out", tmp_path / "run"] if command[0] == "train" else ["--max-frames", "2"]
    return [*command, path, *data, *tail]


@pytest.mark.parametrize("command", COMMANDS)
def test_bad_checkpoints_through_every_command(command, tmp_path, mnist_dir, capsys):
    for path in bad_checkpoints(tmp_path).values():
        assert_refused_in_process(capsys, _argv(command, path, tmp_path, mnist_dir), path.name)


@pytest.mark.parametrize("command", COMMANDS[:4])
def test_a_bad_checkpoint_in_a_fresh_process(command, tmp_path, mnist_dir):
    path = bad_checkpoints(tmp_path)["meta-list"]
    assert_one_line_error(main_py(*_argv(command, path, tmp_path, mnist_dir), display=True), path.name, "meta")


def test_resume_a_sigmoid_checkpoint_into_a_relu_run_is_one_line(tmp_path, mnist_dir):
    arrays = members(BUNDLED.read_bytes())
    meta = json.loads(arrays["meta"].tobytes())
    path = tmp_path / "sigmoid.npz"
    path.write_bytes(with_meta(arrays, {**meta, "config": {**meta["config"], "activation": "sigmoid"}}))
    assert_one_line_error(main_py("train", "--resume", path, "--data", mnist_dir, "--epochs", "0",
                                  "--out", tmp_path / "run"), "sigmoid.npz", "sigmoid")


# ----------------------------------------------------------------------------- rgb --image

def test_bad_images_for_the_rgb_lesson(tmp_path, capsys):
    from PIL import Image
    good = tmp_path / "good.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (48, 64, 3), np.uint8)).save(good)
    blob = good.read_bytes()
    cases = {"header-only.png": blob[:60], "half.png": blob[:len(blob) // 2],
             "fake.png": b"\x89PNG\r\n\x1a\nnot really", "text.png": b"hello", "empty.png": b""}
    for name, blob in cases.items():
        (tmp_path / name).write_bytes(blob)
        assert_refused_in_process(capsys, ["lesson", "rgb", "--image", tmp_path / name, "--max-frames", "1"], name)
    assert_refused_in_process(capsys, ["lesson", "rgb", "--image", tmp_path / "absent.png"], "absent.png")
    assert_refused_in_process(capsys, ["lesson", "rgb", "--image", tmp_path], str(tmp_path))
    assert_one_line_error(main_py("lesson", "rgb", "--image", tmp_path / "fake.png", "--max-frames", "1",
                                  display=True), "fake.png")


def test_huge_and_odd_images_are_shrunk_or_refused(tmp_path, capsys):
    from PIL import Image
    from simulator import cli
    from simulator.engine.lessons.rgb import MAX_SIZE, load_image
    huge, odd, bomb = tmp_path / "huge.png", tmp_path / "odd.png", tmp_path / "bomb.png"
    Image.new("RGB", (6000, 4000), (10, 200, 30)).save(huge)
    Image.new("LA", (3, 2000)).save(odd)
    Image.new("1", (30000, 30000)).save(bomb)
    image = load_image(huge)
    assert image.shape[0] == 3 and image.shape[2] <= MAX_SIZE[0] and image.shape[1] <= MAX_SIZE[1]
    assert np.allclose(image[:, 10, 10], np.array([10, 200, 30]) / 255, atol=0.01)
    assert cli.main(["lesson", "rgb", "--image", str(odd), "--max-frames", "2"]) == 0
    assert_refused_in_process(capsys, ["lesson", "rgb", "--image", bomb], "bomb.png", "too big")
