"""The live app's training throughput against headless `train`, side by side in one run.

    python -m benchmarks --app [--batch-size B] [--frames N] [--rounds R] [--subset N] [--size WxH]

Each round runs, in fresh processes one after the other (which goes first alternates), `main.py
train` for one epoch (images/s: the median of its metrics.csv windows) and `main.py app
--max-frames N` (images/s and FPS from its exit summary, which counts everything the worker did
after the warm-up: steps, test evaluations, snapshots). The app uses the display this command
sees; with none it draws through SDL's dummy driver, which leaves out what an X server costs.
"""
from __future__ import annotations

import csv
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from simulator.display import has_display

from .startup import ROOT, child_env, run_child

SUMMARY = re.compile(r"app: (\d+) frames in ([\d.]+) s, mean ([\d.]+) FPS; ([\d,]+) training steps, "
                     r"([\d,]+) images, ([\d,]+) images/s")


def _run(cmd: list[str], env: dict, cwd: str) -> str:
    return run_child(cmd, env, cwd, label=f"`{' '.join(cmd[1:])}` ended with", timeout=900)


def _data_args(data: str | None, subset: int | None) -> list[str]:
    # absolute: the children run in a temporary folder
    return (["--data", str(Path(data).resolve())] if data else []) + (["--subset", str(subset)] if subset else [])


def headless_rate(batch: int, data: str | None, env: dict, work: str, subset: int | None = None) -> float:
    """Median images/s over the metrics windows of one headless epoch."""
    out = os.path.join(work, "headless")
    cmd = [sys.executable, str(ROOT / "main.py"), "train", "--batch-size", str(batch), "--epochs", "1",
           "--out", out] + _data_args(data, subset)
    _run(cmd, env, work)
    with open(os.path.join(out, "metrics.csv"), newline="") as f:
        rates = [float(r["images_per_sec"]) for r in csv.DictReader(f) if r["images_per_sec"]]
    if not rates:
        raise RuntimeError("the headless run wrote no images/s")
    return statistics.median(rates)


def app_rate(batch: int, frames: int, data: str | None, env: dict, work: str,
             subset: int | None = None, size: str = "1920x1080") -> tuple[float, float]:
    """(images/s, mean FPS) from the app's exit summary."""
    cmd = [sys.executable, str(ROOT / "main.py"), "app", "--batch-size", str(batch), "--size", size,
           "--max-frames", str(frames)] + _data_args(data, subset)
    text = _run(cmd, env, work)
    match = SUMMARY.search(text)
    if match is None:
        raise RuntimeError(f"no summary line in the app's output: {text.strip()[-200:]!r}")
    return float(match.group(6).replace(",", "")), float(match.group(3))


def display_env() -> tuple[dict, str]:
    """The environment for the app's process and a description of its display."""
    env = child_env()
    if not has_display():          # the app's own test for a screen
        env["SDL_VIDEODRIVER"] = "dummy"
        return env, "no display: SDL's dummy driver (no X server cost included)"
    if env.get("SDL_VIDEODRIVER"):
        return env, f"SDL_VIDEODRIVER={env['SDL_VIDEODRIVER']}"
    return env, f"X display {env['DISPLAY']}" if env.get("DISPLAY") else "the desktop"


def run(batch: int, frames: int, rounds: int, data: str | None, table, subset: int | None = None,
        size: str = "1920x1080") -> int:
    env, where = display_env()
    print(f"== The app against headless training, batch {batch}, {frames} frames a round, {rounds} rounds")
    print(f"window: {size.replace('x', '×')} on {where}; {os.cpu_count()} CPUs\n", flush=True)
    rows, ratios, fps_all = [], [], []
    with tempfile.TemporaryDirectory(prefix="bench-app-") as work:
        for r in range(rounds):
            try:
                if r % 2 == 0:
                    head = headless_rate(batch, data, env, work, subset)
                    app, fps = app_rate(batch, frames, data, env, work, subset, size)
                else:           # the other order every other round, so a drifting machine favours neither
                    app, fps = app_rate(batch, frames, data, env, work, subset, size)
                    head = headless_rate(batch, data, env, work, subset)
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                print(f"error: round {r + 1}: {e}", file=sys.stderr)
                return 1
            ratios.append(app / head)
            fps_all.append(fps)
            rows.append([str(r + 1), f"{head:,.0f}", f"{app:,.0f}", f"{fps:.1f}", f"{app / head:.0%}"])
            print(f"round {r + 1}: headless {head:,.0f} img/s, app {app:,.0f} img/s at {fps:.1f} FPS "
                  f"({app / head:.0%})", flush=True)
    print()
    print(table(["round", "headless img/s", "app img/s", "app FPS", "app / headless"], rows))
    print(f"\nmedian: the app keeps {statistics.median(ratios):.0%} of headless throughput "
          f"at {statistics.median(fps_all):.1f} FPS (targets: ≥70%, ≥55 FPS)")
    return 0
