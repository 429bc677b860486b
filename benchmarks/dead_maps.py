"""Dead ReLU maps per test digit: of a checkpoint, or of the live app's own network.

    python -m benchmarks.dead_maps CHECKPOINT [CHECKPOINT …]     e.g. assets/model/lenet5-mnist.npz
    python -m benchmarks.dead_maps --app FRAMES [--runs R] [--size WxH]

A conv map is dead for a digit when every value of it is 0 after its ReLU (the ReLU's input was
negative at every position; engine/health.py). For each ReLU conv layer this prints the mean
number of dead maps per test digit (over the whole test set) and how many maps are dead for
every digit. --app runs `main.py app --max-frames FRAMES` in this process (SDL's dummy driver
unless a display is set; the app prints its own exit summary line) and then the reports of its
worker's whole-test-set evaluations, at every epoch's end and at exit; R runs one after the other.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def report_line(label: str, report) -> str:
    dead = ", ".join(f"{conv} {report.dead_mean[conv]:.2f} of {report.maps[conv]} per digit"
                     f" ({report.dead_always[conv]} dead for every digit)" for conv in report.dead_mean)
    return f"{label}: test accuracy {report.accuracy:.2%} on {report.images:,} images; dead maps: {dead or 'no ReLU conv layer'}"


def checkpoint_report(path: Path):
    from simulator.engine.checkpoint import load_checkpoint
    from simulator.engine.config import TrainConfig
    from simulator.engine.data import load_dataset, normalise
    from simulator.engine.health import health_report
    from simulator.engine.model import Network
    state = load_checkpoint(path)
    config = TrainConfig(**state["config"])
    model = Network(config.model_config(), state["params"])
    data = load_dataset(None)
    return health_report(model, normalise(data.test_images), data.test_labels.astype("int64"),
                       step=state["step_count"], epoch=state["epoch"])


def app_run(frames: int, size: tuple[int, int]) -> list:
    """`main.py app --max-frames FRAMES` in this process (its exit summary line is printed as
    usual); the worker's test reports: each epoch's end, then the final weights. The worker is
    found by watching TrainingWorker being made, so this does not depend on how the app's
    screens are organised."""
    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    from simulator import cli
    from simulator.engine import worker as engine_worker
    made = []
    original = engine_worker.TrainingWorker.__init__

    def watch(self, *args, **kwargs):
        original(self, *args, **kwargs)
        made.append(self)
    engine_worker.TrainingWorker.__init__ = watch
    try:
        status = cli.main(["app", "--max-frames", str(frames), "--size", f"{size[0]}x{size[1]}"])
    finally:
        engine_worker.TrainingWorker.__init__ = original
    if status != 0 or not made:
        raise SystemExit(f"the app ended with status {status}")
    final = made[-1].final_report()
    return made[-1].reports() if final is not None else []


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.dead_maps", description=__doc__.splitlines()[0])
    p.add_argument("checkpoints", nargs="*", type=Path, metavar="CHECKPOINT")
    p.add_argument("--app", type=int, metavar="FRAMES", help="run the app for FRAMES frames and measure its network")
    p.add_argument("--runs", type=int, default=1, help="--app: how many runs (default 1)")
    p.add_argument("--size", default="1280x800", help="--app: window size (default 1280x800)")
    args = p.parse_args(argv)
    if not args.checkpoints and not args.app:
        p.error("give a CHECKPOINT or --app FRAMES")
    for path in args.checkpoints:
        print(report_line(str(path), checkpoint_report(path)), flush=True)
    if args.app:
        w, h = (int(v) for v in args.size.lower().split("x"))
        for run in range(args.runs):
            print(f"app run {run + 1}/{args.runs}, {args.app} frames at {w}x{h}:", flush=True)
            reports = app_run(args.app, (w, h))
            for i, r in enumerate(reports):
                last = i == len(reports) - 1
                label = f"  {'at exit' if last else 'end of epoch ' + str(r.epoch)}, step {r.step:,}"
                print(report_line(label, r), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
