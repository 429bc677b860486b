"""Benchmark: the engine against a plain-NumPy im2col baseline and PyTorch, in one run.

    python -m benchmarks [--quick] [--threads T] [--markdown]      (or: make bench)
    python -m benchmarks --app     (the live app against headless training: app.py)
    python -m benchmarks --time-to-accuracy   (train's defaults vs PyTorch to 99%: time_to_accuracy.py)
    python -m benchmarks --accuracy DATA      (engine and PyTorch, one recipe, per epoch: folder_accuracy.py)

1. per-layer forward and backward times of LeNet-5's layers, and the engine's GFLOP/s;
2. training-step throughput (forward + backward + momentum SGD) at several batch sizes, with
   the engine's GFLOP/s and its fraction of a large float32 matmul timed in the same run:
   LeNet-5 on MNIST (engine, NumPy, PyTorch) and on colour 3×32×32 pictures in 6 classes
   (engine, PyTorch; --networks picks one);
3. start-up in fresh processes: Numba's cold compile (empty cache) against a warm cache.

Timing in one process is noisy in two known ways: the first calls of anything compile or
allocate, and glibc's malloc makes the first large-batch runs ~20% slower than later ones.
So every implementation is warmed first, repeats are interleaved across implementations
(round-robin, order rotated each round), and the tables show medians.
"""
from __future__ import annotations

import argparse
import ctypes
import gc
import itertools
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from simulator.engine.config import APP_CONFIG
from simulator.engine.kernels import simd
from simulator.errors import UserError

from . import efficiency
from . import folder_accuracy
from . import numpy_lenet as bench_numpy
from . import time_to_accuracy
from .numpy_lenet import LR, MOMENTUM, EngineLeNet, TorchLeNet, ops_layer_cases, torch_layer_cases
from .startup import bench_startup

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("conv1", "relu1", "pool1", "conv2", "pool2", "fc1", "fc2", "fc3", "softmax-CE")


# ----------------------------------------------------------------------------- inputs

def torch_or_none():
    """torch, or None when it is not installed (the product never needs it)."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def training_images(count: int, rng: np.random.Generator):
    """(x[count,1,28,28] float32, labels int64, source): real normalised MNIST when the data
    module and the bundled files are there, random images otherwise (timing is the same)."""
    try:
        from simulator.engine import data
        ds = data.load_dataset()
        idx = rng.permutation(len(ds.train_images))[:count]
        return (data.normalise(ds.train_images[idx]), ds.train_labels[idx].astype(np.int64),
                f"MNIST ({ds.source})")
    except Exception as e:  # any failure only changes what the images look like
        x = rng.standard_normal((count, 1, 28, 28), dtype=np.float32)
        return x, rng.integers(0, 10, count).astype(np.int64), f"random images ({type(e).__name__}: {e})"


# ----------------------------------------------------------------------------- timing

def interleaved_medians(cases: dict, rounds: int, sample_s: float) -> dict:
    """{key: fn} → {key: median seconds per call}. Each fn is warmed, then called often
    enough to fill about sample_s per sample; rounds go round-robin over all keys."""
    keys, reps = list(cases), {}
    for key in keys:
        fn = cases[key]
        for _ in range(3):
            fn()
        t = time.perf_counter()
        fn()
        reps[key] = max(1, int(sample_s / max(time.perf_counter() - t, 1e-7)))
    samples = {key: [] for key in keys}
    gc.collect()
    gc.freeze()        # what exists now is never garbage: keep it out of later collections
    try:
        for r in range(rounds):
            for key in keys[r % len(keys):] + keys[:r % len(keys)]:
                fn, n = cases[key], reps[key]
                gc.collect()
                gc.disable()
                t = time.perf_counter()
                for _ in range(n):
                    fn()
                samples[key].append((time.perf_counter() - t) / n)
                gc.enable()
    finally:
        gc.enable()
        gc.unfreeze()
    return {key: statistics.median(v) for key, v in samples.items()}


def bench_layers(impls: dict, batch: int, rounds: int, sample_s: float) -> dict:
    """{(impl, layer, 'fwd'|'bwd'): seconds} at one batch size."""
    inputs = bench_numpy.layer_inputs(batch, np.random.default_rng(0))
    cases = {}
    for name, make in impls.items():
        for layer, (fwd, bwd) in make(inputs).items():
            cases[(name, layer, "fwd")] = fwd
            if bwd is not None:
                cases[(name, layer, "bwd")] = bwd
    return interleaved_medians(cases, rounds, sample_s)


def bench_training(trainers: dict, batches: list[int], rounds: int, sample_s: float, images=None):
    """{(impl, batch): images/s} of whole training steps, cycling through fixed batches."""
    rng = np.random.default_rng(0)
    x, labels, source = (images or training_images)(max(4 * max(batches), 1024), rng)
    cases = {}
    for name, (make, convert) in trainers.items():
        for b in batches:
            trainer = make()
            data = itertools.cycle([convert(x[i:i + b], labels[i:i + b]) for i in range(0, 4 * b, b)])
            cases[(name, b)] = lambda trainer=trainer, data=data: trainer.step(*next(data))
    seconds = interleaved_medians(cases, rounds, sample_s)
    return {(name, b): b / s for (name, b), s in seconds.items()}, source


# ----------------------------------------------------------------------------- tables

def table(headers: list[str], rows: list[list[str]], markdown: bool) -> str:
    """Aligned plain-text table (first column left, the rest right), or a markdown one."""
    widths = [max(len(r[i]) for r in [headers] + rows) for i in range(len(headers))]

    def line(cells):
        parts = [c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))]
        return "| " + " | ".join(parts) + " |" if markdown else "  ".join(parts)
    rule = ("|" + "|".join("-" * (w + 1) + (":" if i else "-") for i, w in enumerate(widths)) + "|"
            if markdown else "  ".join("-" * w for w in widths))
    return "\n".join([line(headers), rule] + [line(r) for r in rows])


def _us(s):
    return "–" if s is None else f"{s * 1e6:,.1f}" if s < 1e-4 else f"{s * 1e6:,.0f}"


def _ratio(a, b):
    """How many times faster the engine is: a / b, where a is the other's time."""
    return "–" if a is None or b is None else f"{a / b:.2f}×"


def _gflops(flop, seconds):
    return "–" if flop is None or not seconds else f"{flop / seconds / 1e9:,.1f}"


def layer_table(times: dict, impls: list[str], batch: int, markdown: bool) -> str:
    rows, others = [], [o for o in impls if o != "engine"] if "engine" in impls else []
    for layer in LAYERS:
        for d in ("fwd", "bwd"):
            t = {name: times.get((name, layer, d)) for name in impls}
            if all(v is None for v in t.values()):
                continue
            pass_name = "fwd+bwd" if layer == "softmax-CE" else d
            rows.append([layer, pass_name] + [_us(t[n]) for n in impls]
                        + [_ratio(t[o], t["engine"]) for o in others]
                        + [_gflops(efficiency.layer_flop(layer, d, batch), t.get("engine"))])
    totals = {n: sum(v for (name, _, _), v in times.items() if name == n) for n in impls}
    rows.append(["all layers", "sum"] + [_us(totals[n]) for n in impls]
                + [_ratio(totals[o], totals["engine"]) for o in others] + ["–"])
    speed = [f"engine vs {o}" for o in others]
    return table(["layer", "pass"] + [f"{n} µs" for n in impls] + speed + ["engine GFLOP/s"], rows, markdown)


def training_table(ips: dict, impls: list[str], batches: list[int], matmul: float, markdown: bool,
                   step_flop: int = efficiency.STEP_FLOP) -> str:
    """Images/s per implementation, the engine's speed-ups, its GFLOP/s and % of the matmul rate."""
    rows, others = [], [o for o in impls if o != "engine"] if "engine" in impls else []
    for b in batches:
        v = {n: ips[(n, b)] for n in impls}
        rate = v["engine"] * step_flop / 1e9
        rows.append([str(b)] + [f"{v[n]:,.0f}" for n in impls] + [_ratio(v["engine"], v[o]) for o in others]
                    + [f"{rate:,.1f}", f"{100 * rate / matmul:.1f}%"])
    speed = [f"engine vs {o}" for o in others]
    return table(["batch"] + [f"{n} img/s" for n in impls] + speed + ["engine GFLOP/s", "% of matmul"],
                 rows, markdown)


# ----------------------------------------------------------------------------- command line

def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: few repeats, small batches, no start-up section")
    parser.add_argument("--threads", type=int, metavar="T",
                        help="threads for Numba and PyTorch (default: Numba's default, all cores)")
    parser.add_argument("--markdown", action="store_true", help="print markdown tables")
    parser.add_argument("--batches", metavar="B,B,...", help="training batch sizes (default 1,16,64,256)")
    parser.add_argument("--layer-batches", metavar="B,B,...", help="per-layer batch sizes (default 64,1)")
    parser.add_argument("--rounds", type=int, help="interleaved repeats per measurement (default 7; --app: 3)")
    parser.add_argument("--no-startup", action="store_true", help="skip the subprocess start-up timings")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out even if installed")
    parser.add_argument("--networks", choices=("both", "mnist", "colour"), default="both",
                        help="training-step tables: LeNet-5 on MNIST (1×28×28, 10 classes), on the colour "
                             "shapes (3×32×32, 6 classes), or both (default)")
    parser.add_argument("--app", action="store_true",
                        help="instead: the live app's training images/s and FPS against headless train "
                             "(on this display; SDL's dummy driver when there is none)")
    parser.add_argument("--batch-size", type=int, default=APP_CONFIG.batch_size, metavar="B",
                        help=f"--app: batch size (default {APP_CONFIG.batch_size}, the app's own)")
    parser.add_argument("--frames", type=int, default=900, metavar="N", help="--app: frames per app run (default 900)")
    parser.add_argument("--data", metavar="DIR", help="--app: MNIST folder (default: bundled assets/mnist)")
    parser.add_argument("--subset", type=int, metavar="N", help="--app: train on the first N images (default all)")
    parser.add_argument("--size", default="1920x1080", metavar="WxH", help="--app: the window (default 1920x1080)")
    parser.add_argument("--time-to-accuracy", action="store_true",
                        help="instead: train's defaults against PyTorch's plain SGD to 99%% (time_to_accuracy.py)")
    time_to_accuracy.add_arguments(parser)
    folder_accuracy.add_arguments(parser)


def _int_list(text: str | None, default: list[int]) -> list[int]:
    if text is None:
        return default
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        values = []
    if not values or min(values) < 1:
        raise UserError(f"bench: expected positive integers separated by commas, got {text!r}")
    return values


def run(args) -> int:
    """Run the benchmark and print its tables; thread counts are restored afterwards."""
    if args.time_to_accuracy:
        return time_to_accuracy.run(args)
    if args.accuracy or args.write_pngs or args.write_grey:
        return folder_accuracy.main(args)
    if args.app:
        from . import app as bench_app
        for flag, value in (("--batch-size", args.batch_size), ("--frames", args.frames),
                            ("--rounds", args.rounds), ("--subset", args.subset)):
            if value is not None and value < 1:
                raise UserError(f"bench: {flag} must be a positive integer, got {value}")
        if args.data:
            from simulator.engine.data import load_dataset
            load_dataset(args.data)         # a bad folder is one line and exit 2 here, not a failed round
        from simulator.render.ui.script import parse_size
        try:
            size = "x".join(map(str, parse_size(args.size)))
        except Exception as e:
            raise UserError(f"bench: --size {e}") from None
        return bench_app.run(args.batch_size, args.frames, args.rounds or 3, args.data,
                             lambda headers, rows: table(headers, rows, args.markdown), args.subset, size)
    import numba
    if args.threads is not None and not 1 <= args.threads <= numba.config.NUMBA_NUM_THREADS:
        raise UserError(f"--threads {args.threads}: this machine allows 1..{numba.config.NUMBA_NUM_THREADS}")
    torch = None if args.no_torch else torch_or_none()
    try:
        import scipy.linalg.cython_blas  # noqa: F401  (Numba's BLAS: load it now so --threads reaches it)
    except ImportError:
        pass
    saved = numba.get_num_threads(), torch.get_num_threads() if torch else None, openblas_threads()
    try:
        if args.threads is not None:
            numba.set_num_threads(args.threads)
            openblas_threads(args.threads)
        if torch is not None:
            torch.set_num_threads(numba.get_num_threads())
        return _report(args, torch)
    finally:
        numba.set_num_threads(saved[0])
        if torch is not None:
            torch.set_num_threads(saved[1])
        if saved[2]:
            openblas_threads(max(saved[2]))


def race_threads(torch, threads: int | None) -> int:
    """One thread count for both sides of a race (the engine's Numba, PyTorch and OpenBLAS):
    `threads`, or Numba's default; a count the machine does not allow is a UserError."""
    import numba
    threads = threads or numba.get_num_threads()
    if not 1 <= threads <= numba.config.NUMBA_NUM_THREADS:
        raise UserError(f"--threads {threads}: this machine allows 1..{numba.config.NUMBA_NUM_THREADS}")
    numba.set_num_threads(threads)
    torch.set_num_threads(threads)
    openblas_threads(threads)
    return threads


def openblas_threads(n: int | None = None) -> list[int]:
    """Thread counts of every OpenBLAS loaded in this process (NumPy's, SciPy's), after
    setting them to n if given. What threadpoolctl does, for the one library we meet."""
    try:
        with open("/proc/self/maps") as f:
            paths = sorted({line.split()[-1] for line in f if "openblas" in line.lower()})
    except OSError:  # not Linux: leave BLAS alone
        return []
    counts = []
    for path in paths:
        lib = ctypes.CDLL(path)
        for suffix in ("64_", ""):
            get = getattr(lib, f"scipy_openblas_get_num_threads{suffix}", None) or \
                getattr(lib, f"openblas_get_num_threads{suffix}", None)
            put = getattr(lib, f"scipy_openblas_set_num_threads{suffix}", None) or \
                getattr(lib, f"openblas_set_num_threads{suffix}", None)
            if get and put:
                if n is not None:
                    put(n)
                counts.append(get())
                break
    return counts


def _report(args, torch) -> int:
    import numba
    quick = args.quick
    batches = _int_list(args.batches, [1, 16] if quick else [1, 16, 64, 256])
    layer_batches = _int_list(args.layer_batches, [8] if quick else [64, 1])
    rounds = args.rounds or (3 if quick else 7)
    layer_s, step_s = (0.002, 0.01) if quick else (0.015, 0.15)
    from simulator.engine import ops
    from simulator.engine.model import NetConfig, init_params
    params = init_params(NetConfig())
    layer_impls = {"engine": lambda t: ops_layer_cases(ops, t)}
    trainers = {"engine": (lambda: EngineLeNet(params), lambda x, y: (x, y))}
    layer_impls["numpy"] = lambda t: ops_layer_cases(bench_numpy, t)
    trainers["numpy"] = (lambda: bench_numpy.NumpyLeNet(params, LR, MOMENTUM), lambda x, y: (x, y))
    if torch is not None:
        layer_impls["torch"] = lambda t: torch_layer_cases(torch, t)
        trainers["torch"] = (lambda: TorchLeNet(torch, params),
                             lambda x, y: (torch.from_numpy(x), torch.from_numpy(y)))
    impls = list(layer_impls)

    md = args.markdown
    h = "### " if md else "== "
    print(f"{h}CNN Simulator benchmark (LeNet-5, float32)")
    print(f"numba {numba.__version__}: {numba.get_num_threads()} threads; "
          + (f"torch {torch.__version__}: {torch.get_num_threads()} threads; " if torch else
             ("PyTorch left out; " if args.no_torch else "PyTorch not installed; "))
          + f"numpy {np.__version__}: OpenBLAS {'/'.join(map(str, openblas_threads())) or '?'} threads; "
          f"{os.cpu_count()} CPUs")
    print(f"CPU: {efficiency.cpu_description()}")
    print(f"engine: {simd.describe()}"
          + (f"; torch: {torch.backends.cpu.get_cpu_capability()} kernels"
             " (" + ", ".join(f"{v}={os.environ.get(v) or 'unset'}" for v in
                              ("ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA", "MKL_ENABLE_INSTRUCTIONS")) + ")"
             if torch else ""))
    _warn_if_busy("before starting")
    print(f"medians of {rounds} interleaved rounds; 'engine vs X' = X's time / engine's time "
          "(above 1× the engine is faster)\n", flush=True)

    for b in layer_batches:
        times = bench_layers(layer_impls, b, rounds, layer_s)
        print(f"{h}Per-layer time, batch {b} (µs per call)\n")
        print(layer_table(times, impls, b, md) + "\n", flush=True)

    matmul = efficiency.matmul_gflops(torch, n=512 if quick else 2048)
    ips, source = bench_training(trainers, batches, rounds, step_s) if args.networks != "colour" else ({}, "–")
    for name, rate in efficiency.matmul_gflops(torch, n=512 if quick else 2048).items():
        matmul[name] = max(matmul[name], rate)          # before and after the steps: the better
    best = max(matmul.values())
    print("large float32 matmul (" + ", ".join(f"{k} {v:,.0f}" for k, v in matmul.items())
          + f" GFLOP/s): % of matmul = engine GFLOP/s / {best:,.0f}\n")
    if args.networks != "colour":
        print(f"{h}Training step: forward + backward + SGD (images/s), LeNet-5 on MNIST\n")
        skip = "the engine and torch skip" if torch is not None else "the engine skips"
        print(f"data: {source}; {skip} the input's gradient (numpy computes it); "
              f"{efficiency.STEP_FLOP / 1e6:.2f} MFLOP per image\n")
    if args.networks != "colour":
        print(training_table(ips, list(trainers), batches, best, md) + "\n")
    if args.networks != "mnist":
        from .colour import colour_section
        colour_section(torch, batches, rounds, step_s, best, md, h)
    print(f"numba threading layer: {_threading_layer()}\n", flush=True)
    _warn_if_busy("after the in-process timings")

    if quick or args.no_startup:
        print(f"{h}Start-up: skipped ({'--quick' if quick else '--no-startup'})")
        return 0
    rows, notes = bench_startup(args.threads)
    print(f"{h}Start-up in a fresh process (s): cold = empty Numba cache, warm = cache filled\n")
    if rows:
        print(table(["what", "cold s", "warm s"],
                    [[w, "–" if c is None else f"{c:.2f}", f"{wm:.2f}"] for w, c, wm in rows], md))
    for note in notes:
        print(f"note: {note}")
    return 0


def _warn_if_busy(when: str) -> None:
    """Other processes on the cores ruin threaded timings (a BLAS or OpenMP thread that loses
    its core stalls its partner): say so next to the numbers. Busy = other runnable threads,
    sampled from /proc/loadavg for half a second (this process counts itself as one)."""
    try:
        samples = []
        for _ in range(10):
            with open("/proc/loadavg") as f:
                samples.append(int(f.read().split()[3].split("/")[0]) - 1)
            time.sleep(0.05)
    except (OSError, ValueError, IndexError):
        return
    import numba
    others, cpus = sum(samples) / len(samples), os.cpu_count() or 1
    hint = "multi-threaded ones most; try --threads 1" if numba.get_num_threads() > 1 else "noisy"
    if others >= 0.5:
        print(f"warning: {others:.1f} other threads were running on the {cpus} CPUs {when}: "
              f"timings are unreliable ({hint})", flush=True)


def _threading_layer() -> str:
    import numba
    try:
        return numba.threading_layer()
    except ValueError:  # no parallel kernel has run
        return "none used (no parallel kernel ran)"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    add_arguments(parser)
    try:
        return run(parser.parse_args(argv))
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
