"""Checkpoint fuzzing through the real commands: `python -m benchmarks.fuzz --count 1000`.

Writes mutated copies of the bundled checkpoint (the same generator tests/test_checkpoint_fuzz.py
uses on the loader) and runs `main.py train --resume`, `lecture --checkpoint` and `app
--checkpoint` on each, in this process (cli.main, SDL's dummy driver, a small MNIST folder cut
from --data), counting for each command how many ran (exit 0) and how many were refused in one
line (exit 2). Anything else (an exception, another exit status, a second line) stops the run.
"""
from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import numpy as np  # noqa: E402

from simulator.paths import BUNDLED_MODEL as BUNDLED  # noqa: E402


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
        kind = str(rng.choice(["flip", "flips", "truncate", "shape", "dtype", "nonfinite", "huge", "field", "config"]))
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


def small_mnist(source: Path | None, folder: Path, train: int = 256, test: int = 64) -> Path:
    """The first images of an MNIST folder as a small one (so a command's data and test pass are quick)."""
    from simulator.engine.data import load_dataset
    data = load_dataset(source)

    def idx(path, array, magic):
        header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
        with gzip.open(folder / path, "wb") as f:
            f.write(header + np.ascontiguousarray(array, np.uint8).tobytes())

    folder.mkdir(parents=True, exist_ok=True)
    idx("train-images-idx3-ubyte.gz", data.train_images[:train], 2051)
    idx("train-labels-idx1-ubyte.gz", data.train_labels[:train], 2049)
    idx("t10k-images-idx3-ubyte.gz", data.test_images[:test], 2051)
    idx("t10k-labels-idx1-ubyte.gz", data.test_labels[:test], 2049)
    return folder


def run_command(argv: list[str]) -> tuple[int, str]:
    """cli.main(argv) in this process → (exit status, stderr)."""
    from simulator import cli
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = cli.main(argv)
    return status, err.getvalue()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.fuzz", description=__doc__.split("\n\n")[0])
    p.add_argument("--count", type=int, default=1000, help="mutated checkpoints (default 1000)")
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--data", type=Path, help="MNIST folder to cut the small one from (default: bundled)")
    p.add_argument("--commands", default="train,lecture,app")
    args = p.parse_args(argv)
    commands = args.commands.split(",")
    counts = {c: Counter() for c in commands}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fuzz-") as work:
        work = Path(work)
        data = str(small_mnist(args.data, work / "mnist"))
        path = work / "mutant.npz"
        argvs = {"train": ["train", "--resume", str(path), "--epochs", "0", "--data", data, "--out", str(work / "run")],
                 "lecture": ["lecture", "--checkpoint", str(path), "--data", data, "--max-frames", "1"],
                 "app": ["app", "--checkpoint", str(path), "--data", data, "--max-frames", "1"],
                 "draw": ["lesson", "draw", "--checkpoint", str(path), "--data", data, "--max-frames", "1"]}
        gen = mutations(np.random.default_rng(args.seed), BUNDLED.read_bytes())
        for i in range(args.count):
            kind, blob = next(gen)
            path.write_bytes(blob)
            for command in commands:
                status, err = run_command(argvs[command])
                lines = [line for line in err.splitlines() if line.strip() and not line.startswith("note:")]
                if status == 2 and len(lines) == 1:
                    counts[command]["refused"] += 1
                elif status == 0 and "Traceback" not in err:
                    counts[command]["ran"] += 1
                else:
                    raise SystemExit(f"mutant {i} ({kind}) through {command}: exit {status}\n{err[-2000:]}")
            if (i + 1) % 100 == 0:
                print(f"{i + 1} mutants: " + "; ".join(f"{c} {counts[c]['ran']} ran / {counts[c]['refused']} refused"
                                                     for c in commands), flush=True)
    print(f"total: {args.count} mutated checkpoints through {', '.join(commands)}: "
          + "; ".join(f"{c}: {counts[c]['ran']} ran, {counts[c]['refused']} refused, 0 crashed" for c in commands)
          + f" ({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
