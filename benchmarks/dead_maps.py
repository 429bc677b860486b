"""Dead ReLU maps per test digit: of a checkpoint, or of the live app's own network.

    python -m benchmarks.dead_maps CHECKPOINT [CHECKPOINT …]     e.g. assets/model/lenet5-mnist.npz
    python -m benchmarks.dead_maps --app FRAMES [--runs R] [--size WxH]

A conv map is dead for a digit when every value of it is 0 after its ReLU (the ReLU's input was
negative at every position; engine/health.py). For each ReLU conv layer this prints the mean
number of dead maps per test digit (over the whole test set) and how many maps are dead for
every digit. --app runs the real app in this process (SDL's dummy driver unless a display is
set), the worker's whole-test-set evaluations at every epoch's end and at exit, and prints the
app's own exit summary line after them; R runs one after the other.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
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
    """The app as run_app starts it (its default options), for `frames` frames; the worker's
    test reports (each epoch's end, then the final weights)."""
    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    from simulator.render.app import App, AppOptions, build_trainer, load_data   # first: it quiets pygame's banner
    import pygame
    from simulator.render.panels.live_scene import REFRESH_HZ
    from simulator.render.theme import THEMES
    from simulator.engine.worker import TrainingWorker
    options = AppOptions(size=size, max_frames=frames)
    data = load_data(options)
    trainer = build_trainer(options, data)
    pygame.display.init()
    pygame.font.init()
    screen = pygame.display.set_mode(options.size, pygame.RESIZABLE)
    worker = TrainingWorker(trainer, publish_hz=REFRESH_HZ).start()
    app = App(screen, THEMES[options.theme], worker)
    started = time.perf_counter()
    try:
        app.run(frames)
    finally:
        pygame.quit()
        worker.stop()
    final = worker.final_report()
    fps = app.frames / app.seconds if app.seconds > 0 else 0.0
    print(f"  {app.frames} frames in {app.seconds:.1f} s ({time.perf_counter() - started:.1f} s with the exit), "
          f"mean {fps:.1f} FPS; {worker.stats()['images']:,} images, {worker.stats()['images_per_sec']:,.0f} img/s")
    return worker.reports() if final is not None else []


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
