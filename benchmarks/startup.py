"""Start-up timings for the bench, each in a fresh process: cold (empty Numba cache) and warm."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


CHILD = r"""
import json, sys, time
from numba.core import event
compiles, depth = {}, [0]
class Timer(event.Listener):            # compile seconds of each kernel called from Python
    def on_start(self, ev):
        depth[0] += 1
        if depth[0] == 1:
            self.t = time.perf_counter()
    def on_end(self, ev):
        depth[0] -= 1
        if depth[0] == 0:
            name = ev.data["dispatcher"].py_func
            key = name.__module__.rsplit(".", 1)[-1] + "." + name.__name__
            compiles[key] = compiles.get(key, 0) + time.perf_counter() - self.t
event.register("numba:compile", Timer())
t0 = time.perf_counter()
import numpy as np
from simulator.engine.model import Network, NetConfig
from simulator.engine.optim import SGD
out = {"import": time.perf_counter() - t0}
model = Network(NetConfig())
opt = SGD(model.params, lr=0.01, momentum=0.9)
rng = np.random.default_rng(0)
for n in (1, 64):
    x = rng.standard_normal((n, 1, 28, 28), dtype=np.float32)
    t = time.perf_counter()
    loss, grads, _, _ = model.loss_and_grads(x, rng.integers(0, 10, n))
    opt.step(grads)
    out[f"step{n}"] = time.perf_counter() - t
t = time.perf_counter()
model.predict(rng.standard_normal((1000, 1, 28, 28), dtype=np.float32))
out["eval"] = time.perf_counter() - t
out["compiles"] = compiles
print(json.dumps(out))
"""


def child_env(**extra: str) -> dict:
    """This process's environment, the repository first on PYTHONPATH, plus `extra`."""
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return dict(os.environ, PYTHONPATH=path, **extra)


def run_child(cmd: list[str], env: dict, cwd, label: str = "", timeout: float = 600) -> str:
    """cmd's stdout; a non-zero exit raises RuntimeError with its last line of output."""
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines() or ["(no output)"]
        raise RuntimeError(f"{label + ' ' if label else ''}exit {proc.returncode}: {lines[-1]}")
    return proc.stdout


def _run_child(cmd: list[str], cache_dir: str, threads: int | None, cwd=ROOT):
    """(wall seconds, stdout) of cmd with its own Numba cache."""
    env = child_env(NUMBA_CACHE_DIR=cache_dir, **({"NUMBA_NUM_THREADS": str(threads)} if threads else {}))
    t = time.perf_counter()
    out = run_child(cmd, env, cwd)
    return time.perf_counter() - t, out


def bench_startup(threads: int | None, warm_runs: int = 2) -> tuple[list, list[str]]:
    """Rows (what, cold s, warm s) timed in fresh processes, plus notes on what was skipped."""
    sources = _engine_sources_mtime()
    with tempfile.TemporaryDirectory(prefix="bench-numba-") as cache:
        cmd = [sys.executable, "-c", CHILD]
        try:
            cold_wall, cold_out = _run_child(cmd, cache, threads)
            warm_wall, warm_out = min(_run_child(cmd, cache, threads) for _ in range(warm_runs))
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            return [], [f"engine start-up not measured: {e}"]
        cold, warm = (json.loads(out.strip().splitlines()[-1]) for out in (cold_out, warm_out))
        labels = {"import": "import engine", "step1": "1st train step, batch 1",
                  "step64": "1st train step, batch 64", "eval": "eval, 1000 images"}
        rows = [(label, cold[k], warm[k]) for k, label in labels.items()]
        rows.append(("whole process (python -c ...)", cold_wall, warm_wall))
        train_rows, notes = bench_train_command(threads)
        compiles = sorted(cold.get("compiles", {}).items(), key=lambda kv: -kv[1])
        if compiles:
            notes.append("cold compile by kernel (s, in this process; the conv and dense weight gradients "
                         "compile in a child process meanwhile): "
                         + ", ".join(f"{k} {v:.2f}" for k, v in compiles))
    if _engine_sources_mtime() != sources:
        notes.append("engine sources changed during the measurement: warm runs may have recompiled")
    return rows + train_rows, notes


def _engine_sources_mtime() -> float:
    return max(p.stat().st_mtime for p in (ROOT / "simulator" / "engine").glob("*.py"))


def bench_train_command(threads: int | None) -> tuple[list, list[str]]:
    """`python main.py train --epochs 0`, if that command exists: first with an empty Numba
    cache of its own (the first launch a learner sees), then warm."""
    main_py = ROOT / "main.py"
    with tempfile.TemporaryDirectory(prefix="bench-run-") as work:
        cache = os.path.join(work, "numba-cache")
        try:
            _, help_text = _run_child([sys.executable, str(main_py), "train", "--help"], cache, threads)
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            return [], [f"`main.py train` start-up not measured ({e})"]
        if "--epochs" not in help_text:
            return [], ["`main.py train` start-up not measured (it has no --epochs)"]
        cmd = [sys.executable, str(main_py), "train", "--epochs", "0"]
        if threads and "--threads" in help_text:
            cmd += ["--threads", str(threads)]
        if "--out" in help_text:
            cmd += ["--out", os.path.join(work, "run")]
        try:
            cold = _run_child(cmd, cache, threads, cwd=work)[0]
            warm = _run_child(cmd, cache, threads, cwd=work)[0]
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            return [], [f"`main.py train --epochs 0` start-up not measured ({e})"]
    return [("main.py train --epochs 0 (tests 10k)", cold, warm)], []
