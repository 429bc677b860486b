"""Training on one thread while another thread calls the engine, as the app does (the worker
trains, the main thread predicts a drawn digit). Run in a child process with numba's
thread-unsafe 'workqueue' layer forced: if any engine kernel used parallel=True, numba would
kill that process ("Concurrent access has been detected"), and the test fails cleanly."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = textwrap.dedent("""
    import threading, time
    import numpy as np
    from simulator.engine import ops
    from simulator.engine.model import Network, NetConfig

    rng = np.random.default_rng(0)
    model = Network(NetConfig(seed=0))
    xb = rng.standard_normal((64, 1, 28, 28)).astype(np.float32)
    yb = rng.integers(0, 10, 64)
    digits = rng.standard_normal((5, 1, 28, 28)).astype(np.float32)
    big = rng.standard_normal((33, 1, 28, 28)).astype(np.float32)

    # references, computed with nothing else running
    ref_loss, ref_grads, _, _ = model.loss_and_grads(xb, yb)
    ref_digit = [model.predict(digits[i:i + 1]) for i in range(5)]
    ref_big = model.forward(big).outputs["logits"]

    errors, counts = [], {"train": 0, "screen": 0}
    start = threading.Barrier(2)
    deadline = time.perf_counter() + 3.0

    def train():
        start.wait()
        while time.perf_counter() < deadline:
            loss, grads, _, _ = model.loss_and_grads(xb, yb)
            if loss != ref_loss or any(not np.array_equal(grads[k], ref_grads[k]) for k in grads):
                errors.append("training step differs from the reference")
            counts["train"] += 1

    worker = threading.Thread(target=train)
    worker.start()
    start.wait()
    while time.perf_counter() < deadline:
        i = counts["screen"] % 5
        if not np.array_equal(model.predict(digits[i:i + 1]), ref_digit[i]):
            errors.append("single-digit prediction differs")
        if not np.array_equal(model.forward(big).outputs["logits"], ref_big):
            errors.append("batch-33 forward differs")
        counts["screen"] += 1
    worker.join()
    assert not errors, errors[:3]
    assert counts["train"] >= 3 and counts["screen"] >= 3, counts
    print("ok", counts)
""")


def test_training_and_screen_calls_run_concurrently():
    env = dict(os.environ, NUMBA_THREADING_LAYER="workqueue", PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", CHILD], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"child exited {proc.returncode}\n{proc.stdout}\n{proc.stderr[-3000:]}"
    assert proc.stdout.startswith("ok"), proc.stdout
