"""TrainingWorker: the app's training thread (a Background task).

It owns the Trainer: every change to it (pause, step, speed, learning rate, reset, the
selected channel) arrives as a command and is applied between steps, on this thread, so
training state never races the screen. At most PUBLISH_HZ times a second it publishes an
immutable Snapshot; `latest()` hands the newest one to whoever asks, without waiting;
`progress` labels the first JIT compile, `error` ends the app with one line.

A non-finite loss puts the worker in the "diverged" state: the trainer skipped that update,
training stops, and only a reset (or a smaller learning rate and resume) goes on.

The learning rate follows the trainer's schedule (the app's: warm-up, then halving every
epoch); [ and ] move the schedule's peak one step along LR_LADDER, so the warm-up and the decay
keep their shape at the new height (with a constant schedule the peak is the rate itself).

Test accuracy is measured two ways: every few seconds on the first eval_images test images,
within EVAL_BUDGET of the time (the curve's points), and on the whole test set at the end of
every epoch, with the dead ReLU maps (Snapshot.test, a health.HealthReport; reports() keeps them
all); final_report() measures the final weights once more after the thread has stopped (the
app's exit summary).
No pygame here.
"""
from __future__ import annotations

import math
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass

import numpy as np

from . import ops
from .background import Background
from .health import HealthReport, health_report
from .history import HistoryBuffer
from .trace import build_snapshot, weights_on_screen
from .trainer import Trainer

PUBLISH_HZ = 10          # snapshots per second, at most (the app asks for its refresh rate)
SMOOTHING = 0.05          # weight of the newest loss in the moving average
ACC_WINDOW = 50           # batches in the running training accuracy
EVAL_BUDGET = 0.02        # at most this fraction of training time goes to test evaluations
EVAL_IMAGES = 1000


@dataclass(frozen=True)
class Speed:
    name: str
    steps_per_sec: float | None   # None: as fast as the engine goes
    slide_per_sec: float          # convolution-window positions per second on screen


SPEEDS = (
    Speed("slow", 0.25, 4.0),
    Speed("1 step/s", 1.0, 16.0),
    Speed("10 steps/s", 10.0, 60.0),
    Speed("50 steps/s", 50.0, 150.0),
    Speed("max", None, 300.0),
)
# Learning rates that [ and ] step through (1-2-5 series).
LR_LADDER = tuple(m * 10.0 ** e for e in range(-5, 2) for m in (1, 2, 5))


def lr_neighbour(lr: float, direction: int) -> float:
    """The next learning rate on LR_LADDER above (direction=+1) or below (−1) lr."""
    if direction > 0:
        bigger = [v for v in LR_LADDER if v > lr * 1.0001]
        return bigger[0] if bigger else LR_LADDER[-1]
    smaller = [v for v in LR_LADDER if v < lr * 0.9999]
    return smaller[-1] if smaller else LR_LADDER[0]


class TrainingWorker(Background):
    def __init__(self, trainer: Trainer, *, speed: int = len(SPEEDS) - 1, threads: int | None = None,
                 eval_images: int = EVAL_IMAGES, publish_hz: float = PUBLISH_HZ, paused: bool = False):
        # Not a daemon: interpreter shutdown must never kill it inside a Numba compile.
        super().__init__(self._main, "training-worker", threads=threads, daemon=False)
        self.trainer = trainer
        self.publish_interval = 1.0 / publish_hz
        self.eval_images = min(eval_images, len(trainer.test_x))
        self._commands: queue.SimpleQueue = queue.SimpleQueue()
        self._wake = threading.Event()
        self._seq = 0
        self.report(0, 1, "starting")
        self.ready = False                # read by the screen: the warm-up is over
        # Owned by this thread:
        self._speed = speed
        self._paused = paused
        self._diverged = False
        self._selection = ("conv1", None)   # channel None: the trace picks a typical one
        self._history = HistoryBuffer()
        self._last = None               # (StepResult, weights used) of the newest step
        self._smooth = None
        self._recent_correct: deque[tuple[int, int]] = deque()   # (correct, images) of the last batches
        self._recent_sums = [0, 0]                                # their totals
        self._message = ""
        self._next_step = 0.0
        self._reports: list = []          # health.HealthReport of every whole-test-set evaluation
        self._tested_epoch = 0
        self._start_session()
        self._reset_counters()

    # --- the screen's side: non-blocking ------------------------------------------------
    def command(self, name: str, *args) -> None:
        self._commands.put((name, args))
        self._wake.set()

    def toggle_pause(self): self.command("toggle_pause")
    def pause(self): self.command("pause")
    def resume(self): self.command("resume")
    def step_once(self): self.command("step")
    def faster(self): self.command("speed", +1)
    def slower(self): self.command("speed", -1)
    def set_speed(self, level: int): self.command("set_speed", level)
    def lr_up(self): self.command("lr", +1)
    def lr_down(self): self.command("lr", -1)
    def set_lr(self, lr: float): self.command("set_lr", lr)      # the schedule's peak
    def reset(self): self.command("reset")
    def select(self, layer: str, channel: int): self.command("select", layer, channel)

    def stop(self, timeout: float | None = 120.0) -> None:
        """Ask the thread to end and wait for it. During the first JIT compile it ends after
        the kernel being compiled, which cannot be interrupted."""
        self.command("stop")
        super().stop(timeout)

    @property
    def speed(self) -> Speed:
        return SPEEDS[self._speed]

    def stats(self) -> dict:
        """Counters for the exit summary: steps and images trained since the warm-up, and the
        wall-clock seconds spent running them (steps, test evaluations, snapshots)."""
        busy = self._run_seconds
        return {"steps": self._steps_done, "images": self._images_done, "seconds": busy,
                "images_per_sec": self._images_done / busy if busy > 0 else 0.0}

    # --- the thread ------------------------------------------------------------------
    def _main(self, _task) -> None:
        np.seterr(all="ignore")   # per thread; a diverging loss is handled, not warned about
        try:
            if self._warm_up():
                self.ready = True
                self._loop()
        finally:
            self.ready = True         # an error too ends the loading screen (the app shows it)

    def _loop(self) -> None:
        self._next_step = time.perf_counter()
        while True:
            self._wake.clear()
            if not self._drain_commands():
                return
            if self._paused or self._diverged:
                self._wake.wait(0.25)
                continue
            rate = self.speed.steps_per_sec
            now = time.perf_counter()
            if rate is not None and now < self._next_step:
                self._wake.wait(self._next_step - now)
                continue
            self._train_one()
            if rate is not None:
                self._next_step = max(self._next_step + 1.0 / rate, now)
            self._maybe_evaluate()
            self._run_seconds += time.perf_counter() - now

    def _drain_commands(self) -> bool:
        """Apply queued commands; False when asked to stop."""
        republish = False
        while True:
            try:
                name, args = self._commands.get_nowait()
            except queue.Empty:
                break
            t = self.trainer
            if name == "stop":
                return False
            if name == "toggle_pause":
                if self._diverged:            # space after a divergence: try again from here
                    self._diverged = self._paused = False
                else:
                    self._paused = not self._paused
            elif name == "pause":
                self._paused = True
            elif name == "resume":
                self._paused = self._diverged = False
            elif name == "step":
                self._paused = True
                if not self._diverged:
                    self._train_one(force_publish=True)
                    continue
            elif name in ("speed", "set_speed"):
                level = self._speed + args[0] if name == "speed" else int(args[0])
                self._speed = min(len(SPEEDS) - 1, max(0, level))
                self._next_step = time.perf_counter()
            elif name == "lr":
                t.peak_override = lr_neighbour(t.peak, args[0])
            elif name == "set_lr":
                t.peak_override = float(args[0])
            elif name == "reset":
                t.reset()
                self._diverged = False
                self._reports, self._tested_epoch = [], 0
                self._history.clear()
                self._smooth = None
                self._recent_correct.clear()
                self._recent_sums = [0, 0]
                self._reset_counters()
                self._message = ""
                self._train_one(force_publish=True, count=False)
                continue
            elif name == "select":
                self._selection = (str(args[0]), None if args[1] is None else int(args[1]))
            republish = True
        if republish and self._last is not None:
            self._publish()
        return True

    # --- training --------------------------------------------------------------------
    def _train_one(self, force_publish: bool = False, count: bool = True) -> None:
        params = self.trainer.model.params
        used = {n: params[n].copy() for n in weights_on_screen(self.trainer.model.arch)}
        started = time.perf_counter()
        result = self.trainer.train_step()
        self._train_seconds += time.perf_counter() - started
        self._last = (result, used)
        if not math.isfinite(result.loss):
            self._diverged = True
            self._message = (f"loss became {result.loss} at step {self.trainer.step_count + 1} "
                             f"with learning rate {self.trainer.lr:g}")
            self._publish()
            return
        n = len(result.indices)
        if count:
            self._steps_done += 1
            self._images_done += n
        self._smooth = result.loss if self._smooth is None else \
            (1 - SMOOTHING) * self._smooth + SMOOTHING * result.loss
        recent = self._recent_correct
        recent.append((result.correct, n))
        self._recent_sums[0] += result.correct
        self._recent_sums[1] += n
        if len(recent) > ACC_WINDOW:
            c, m = recent.popleft()
            self._recent_sums[0] -= c
            self._recent_sums[1] -= m
        acc = self._recent_sums[0] / self._recent_sums[1]
        self._history.add(self.trainer.step_count, result.loss, self._smooth, acc)
        self._rate_images += n
        if force_publish or time.perf_counter() - self._published_at >= self.publish_interval:
            self._publish()

    def _maybe_evaluate(self) -> None:
        """At an epoch's end the whole test set; otherwise test accuracy on the first eval_images
        test images, using ≤ EVAL_BUDGET of the time."""
        if self.trainer.epoch > self._tested_epoch:
            self._tested_epoch = self.trainer.epoch
            self._reports.append(self._evaluate_all())
            return
        if self.eval_images <= 0 or self._train_seconds < self._next_eval_at:
            return
        started = time.perf_counter()
        t, correct = self.trainer, 0.0
        for start in range(0, self.eval_images, 100):   # in chunks, so commands are not kept waiting
            if not self._commands.empty():
                return
            stop = min(start + 100, self.eval_images)
            _, acc = t.evaluate(t.test_x[start:stop], t.test_y[start:stop])
            correct += acc * (stop - start)
        spent = time.perf_counter() - started
        self._history.add_test(t.step_count, correct / self.eval_images)
        self._next_eval_at = self._train_seconds + spent / EVAL_BUDGET

    def _evaluate_all(self) -> HealthReport:
        """Accuracy and dead maps on the whole test set with the current weights."""
        t = self.trainer
        return health_report(t.model, t.test_x, t.test_y, step=t.step_count, epoch=t.epoch)

    def reports(self) -> list[HealthReport]:
        """Every whole-test-set evaluation so far, oldest first (read after stop(), or a copy)."""
        return list(self._reports)

    def final_report(self) -> HealthReport | None:
        """The whole test set with the weights training ended with (accuracy, dead maps),
        measured now unless the last epoch's evaluation already is of these weights.
        Call after stop(): None while the thread still runs (it owns the trainer), or if training
        never got going (stopped during the warm-up, or failed). After a divergence these are the
        last finite weights (the trainer skips a non-finite update)."""
        if self.is_alive() or not self.ready or self.error is not None or self._last is None:
            return None
        if not self._reports or self._reports[-1].step != self.trainer.step_count:
            self._reports.append(self._evaluate_all())
        return self._reports[-1]

    def _start_session(self) -> None:
        """Zero the exit summary's counters (after the warm-up; a reset keeps them)."""
        self._steps_done = 0
        self._images_done = 0
        self._run_seconds = 0.0

    def _reset_counters(self) -> None:
        self._train_seconds = 0.0
        self._next_eval_at = 0.5
        self._published_at = 0.0
        self._rate_images = 0
        self._rate_since = time.perf_counter()
        self._rate = 0.0

    def _publish(self) -> None:
        result, used = self._last
        now = time.perf_counter()
        if now - self._rate_since >= 0.5:    # images/s over the last half second or more
            self._rate = self._rate_images / (now - self._rate_since)
            self._rate_images, self._rate_since = 0, now
        status = "diverged" if self._diverged else ("paused" if self._paused else "running")
        self._seq += 1
        self.publish(build_snapshot(
            seq=self._seq, status=status, trainer=self.trainer, result=result, weights_used=used,
            history=self._history.freeze(self.eval_images), speed=self.speed.name,
            images_per_sec=self._rate if status == "running" else 0.0, selection=self._selection,
            message=self._message, test=self._reports[-1] if self._reports else None))
        self._published_at = time.perf_counter()

    # --- first JIT compile, with progress the screen can show --------------------------
    def _warm_up(self) -> bool:
        """Run the network's ops once, forward and backward, on a batch of the training size
        (the same kernels), so the first compile (or cache load) happens stage by stage with
        a label, then the first real step. False when stopped before the end."""
        t = self.trainer
        n = min(t.config.batch_size, len(t.train_x))
        x, labels = t.train_x[:n], t.train_y[:n]
        state = {}

        def forward():
            state["f"] = t.model.forward_ops(x)

        def loss():
            state["l"], state["dl"] = ops.softmax_cross_entropy(state["f"].outputs["logits"], labels)

        def backward():
            t.model.backward(state["dl"], state["f"])

        stages = [("forward pass, layer by layer", forward), ("softmax cross-entropy", loss),
                  ("backward pass", backward),
                  ("first training step", lambda: self._train_one(force_publish=True, count=False)),
                  ("first test evaluation", self._first_eval)]
        for i, (label, fn) in enumerate(stages):
            if self.stopping.is_set():
                return False
            self.report(i, len(stages), label)
            fn()
        self.report(len(stages), len(stages), "ready")
        self._start_session()
        self._reset_counters()
        self._publish()
        return True

    def _first_eval(self) -> None:
        n = min(100, self.eval_images)
        if n > 0:
            self.trainer.evaluate(self.trainer.test_x[:n], self.trainer.test_y[:n])
