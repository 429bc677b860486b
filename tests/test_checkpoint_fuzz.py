"""Checkpoint fuzzing: 1,200 mutated copies of the bundled checkpoint (byte flips, truncation,
missing and extra members, meta of every JSON type, every meta and config field set to wrong
types and out-of-range values, arrays of the wrong shape, dtype or with non-finite values).
Each is either loaded and works (a forward pass gives finite logits) or refused with a
CheckpointError (one line naming the file); anything else fails the test. Then the same kinds
of file through `train --resume`, `lecture --checkpoint`, `app --checkpoint`, `lesson draw
--checkpoint` (exit 2, one line), and damaged pictures through `lesson rgb --image`."""
import io
import json
import math
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from simulator.engine.checkpoint import CheckpointError, load_checkpoint
from simulator.engine.model import PARAM_NAMES, LeNet5, LeNetConfig
from test_cli import assert_one_line_error, main_py

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "assets" / "model" / "lenet5-mnist.npz"
COUNT = 1200

WEIRD = [None, True, False, 0, -1, 1, 2, 7, 10**13, 2**64, -10**20, 0.5, -0.0, 1e300, -1e-300,
         float("nan"), float("inf"), float("-inf"), "", "3", "relu", "max", "cosine", "NaN", [], [1],
         {}, {"a": 1}, [[[]]]]
JSON_VALUES = [None, True, 1, 1.5, "meta", [], [1, 2], {}, {"format": 1}, float("nan")]


def members(blob: bytes) -> dict:
    with np.load(io.BytesIO(blob), allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def pack(arrays: dict) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def with_meta(arrays: dict, meta) -> bytes:
    text = meta if isinstance(meta, str) else json.dumps(meta)
    return pack({**arrays, "meta": np.frombuffer(text.encode(), np.uint8)})


def mutations(rng: np.random.Generator, original: bytes):
    """(kind, bytes) pairs: the mutated files, each kind a few times with random choices."""
    arrays = members(original)
    meta = json.loads(arrays["meta"].tobytes())
    names = [k for k in arrays if k != "meta"]
    # one of everything deterministic first
    for value in JSON_VALUES:
        yield "meta-json-type", with_meta(arrays, value)
    yield "meta-deep", with_meta(arrays, "[" * 100000 + "]" * 100000)
    yield "meta-not-utf8", pack({**arrays, "meta": np.frombuffer(b"\xff\xfe{", np.uint8)})
    yield "meta-float-array", pack({**arrays, "meta": np.zeros(3)})
    for key in [*meta, "unknown"]:
        for value in WEIRD:
            yield "meta-field", with_meta(arrays, {**meta, key: value})
        yield "meta-missing", with_meta(arrays, {k: v for k, v in meta.items() if k != key})
    for key in [*meta["config"], "unknown"]:
        for value in WEIRD:
            yield "config-field", with_meta(arrays, {**meta, "config": {**meta["config"], key: value}})
        yield "config-missing", with_meta(arrays, {**meta, "config": {k: v for k, v in meta["config"].items()
                                                                     if k != key}})
    for name in names:
        yield "member-missing", pack({k: v for k, v in arrays.items() if k != name})
    yield "member-extra", pack({**arrays, "param/extra": np.zeros(3, np.float32)})
    yield "not-npz", np.lib.format.__name__.encode() + original[:100]
    buf = io.BytesIO()
    np.save(buf, np.zeros(3))
    yield "single-npy", buf.getvalue()
    yield "empty", b""
    zbuf = io.BytesIO()                      # the same members, deflate-compressed and then damaged
    np.savez_compressed(zbuf, **arrays)
    compressed = bytearray(zbuf.getvalue())
    compressed[len(compressed) // 3] ^= 0x55
    yield "compressed-flipped", bytes(compressed)
    while True:
        kind = rng.choice(["flip", "flips", "truncate", "shape", "dtype", "nonfinite", "huge", "field", "config"])
        if kind in ("flip", "flips"):
            blob = bytearray(original)
            for _ in range(1 if kind == "flip" else int(rng.integers(2, 40))):
                blob[int(rng.integers(len(blob)))] ^= int(rng.integers(1, 256))
            yield kind, bytes(blob)
        elif kind == "truncate":
            yield kind, original[:int(rng.integers(len(original)))]
        elif kind in ("shape", "dtype", "nonfinite", "huge"):
            name = names[int(rng.integers(len(names)))]
            a = arrays[name]
            if kind == "shape":
                shapes = [a.T.copy(), a.reshape(-1), a[..., :-1] if a.shape[-1] > 1 else a[:0], a[None],
                          np.zeros((0,), a.dtype)]
                b = shapes[int(rng.integers(len(shapes)))]
            elif kind == "dtype":
                dt = rng.choice(["int32", "uint8", "bool", "float16", "float64", ">f4", "complex64", "<U2", "V4"])
                b = a.astype(dt) if dt != "V4" else np.zeros(a.shape, "V4")
            else:
                b = a.copy()
                b.flat[int(rng.integers(b.size))] = rng.choice([np.nan, np.inf, -np.inf]) if kind == "nonfinite" \
                    else rng.choice([3e38, -1e30, 2e4])
            yield f"array-{kind}", pack({**arrays, name: b})
        elif kind == "field":
            key = rng.choice([*meta, "extra"])
            yield "meta-field", with_meta(arrays, {**meta, str(key): WEIRD[int(rng.integers(len(WEIRD)))]})
        else:
            key = rng.choice([*meta["config"], "extra"])
            config = {**meta["config"], str(key): WEIRD[int(rng.integers(len(WEIRD)))]}
            yield "config-field", with_meta(arrays, {**meta, "config": config})


def forward_is_finite(state, images) -> bool:
    c = state["config"]
    model = LeNet5(LeNetConfig(c.get("activation", "relu"), c.get("pool", "max"), c.get("seed", 0)), state["params"])
    logits = model.forward(images).outputs["logits"]
    return bool(np.all(np.isfinite(logits)))


def test_a_thousand_mutated_checkpoints_load_and_work_or_are_refused_in_one_line(tmp_path, mnist):
    from simulator.engine.data import normalise
    images = normalise(mnist.test_images[:4])
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
        assert forward_is_finite(state, images), kind
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


@pytest.mark.parametrize("command", [
    ["train", "--epochs", "0", "--resume"], ["lecture", "--checkpoint"], ["app", "--checkpoint"],
    ["lesson", "draw", "--checkpoint"]])
def test_bad_checkpoints_on_the_command_line(command, tmp_path, mnist_dir):
    """Every kind through train --resume; the loader is shared, so three kinds for the others."""
    data = [] if command[0] == "lesson" else ["--data", mnist_dir]
    files = bad_checkpoints(tmp_path)
    names = list(files) if command[0] == "train" else ["meta-list", "step-nan", "missing"]
    for name in names:
        path = files[name]
        proc = main_py(*command, path, *data, "--max-frames" if command[0] != "train" else "--out",
                       "2" if command[0] != "train" else tmp_path / "run", display=True)
        assert_one_line_error(proc, path.name)


def test_resume_a_sigmoid_checkpoint_into_a_relu_run_is_one_line(tmp_path, mnist_dir):
    arrays = members(BUNDLED.read_bytes())
    meta = json.loads(arrays["meta"].tobytes())
    path = tmp_path / "sigmoid.npz"
    path.write_bytes(with_meta(arrays, {**meta, "config": {**meta["config"], "activation": "sigmoid"}}))
    assert_one_line_error(main_py("train", "--resume", path, "--data", mnist_dir, "--epochs", "0",
                                  "--out", tmp_path / "run"), "sigmoid.npz", "sigmoid")


# ----------------------------------------------------------------------------- rgb --image

def test_bad_images_for_the_rgb_lesson(tmp_path):
    from PIL import Image
    good = tmp_path / "good.png"
    Image.new("RGB", (64, 48), (200, 30, 30)).save(good)
    cases = {"truncated.png": good.read_bytes()[:60], "fake.png": b"\x89PNG\r\n\x1a\nnot really",
             "text.png": b"hello", "empty.png": b""}
    for name, blob in cases.items():
        (tmp_path / name).write_bytes(blob)
        assert_one_line_error(main_py("lesson", "rgb", "--image", tmp_path / name, "--max-frames", "1",
                                      display=True), name)
    assert_one_line_error(main_py("lesson", "rgb", "--image", tmp_path / "absent.png", "--max-frames", "1",
                                  display=True), "absent.png")
    assert_one_line_error(main_py("lesson", "rgb", "--image", tmp_path, "--max-frames", "1", display=True))


def test_huge_and_odd_images_are_shrunk_or_refused(tmp_path):
    from PIL import Image
    huge = tmp_path / "huge.png"
    Image.new("RGB", (6000, 4000), (10, 200, 30)).save(huge)
    odd = tmp_path / "odd.png"
    Image.new("LA", (3, 2000)).save(odd)
    bomb = tmp_path / "bomb.png"
    Image.new("1", (30000, 30000)).save(bomb)
    for path in (huge, odd):
        proc = main_py("lesson", "rgb", "--image", path, "--max-frames", "2", display=True)
        assert proc.returncode in (0, 2) and "Traceback" not in proc.stderr, proc.stderr
        if proc.returncode == 2:
            assert_one_line_error(proc, path.name)
    assert_one_line_error(main_py("lesson", "rgb", "--image", bomb, "--max-frames", "1", display=True), "bomb.png")
