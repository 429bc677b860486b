"""Background: the one way the engine runs work on a thread of its own.

    task = Background(fn, "name").start()     # fn(task) runs on a daemon thread
    fn reads task.stopping (an Event) and returns early when it is set; it may call
    task.report(done, total, label) and task.publish(value) as it goes.
    The screen polls, never waits: task.progress, task.fraction, task.latest() (the
    newest published value), task.finished (an Event), task.result, task.error.
    task.stop() sets the flag and joins the thread.

Everything the screen reads is a single attribute assignment on the thread, so a read is
always one whole value. The app's TrainingWorker, the 3D lesson's LiveTraining and the
lessons' short training runs are all built on it. No pygame here.
"""
from __future__ import annotations

import threading

from ..errors import UserError


def set_threads(n: int) -> None:
    """Numba threads for the kernels called from the calling thread (numba's setting is per
    thread); more than the machine allows is one clear UserError."""
    import numba
    if n > numba.config.NUMBA_NUM_THREADS:
        raise UserError(f"--threads {n}: this machine allows at most {numba.config.NUMBA_NUM_THREADS}")
    numba.set_num_threads(n)


class Background:
    """fn(self) -> result, run on a thread each time start() is called while it is not running."""

    def __init__(self, fn, name: str = "background", *, threads: int | None = None, daemon: bool = True):
        self._fn = fn
        self.name = name
        self.threads = threads            # numba threads for fn's kernels (None: the default)
        self.daemon = daemon
        self.stopping = threading.Event()
        self.finished = threading.Event()
        self.result = None
        self.error: BaseException | None = None
        self._latest = None
        self._progress: tuple[int, int, str] = (0, 1, "")
        self._thread: threading.Thread | None = None

    @classmethod
    def done(cls, result) -> "Background":
        """A finished task holding a result that is already there (e.g. loaded from a cache)."""
        task = cls(lambda _: result, "done")
        task.result = result
        task._progress = (1, 1, "done")
        task.finished.set()
        return task

    # --- the caller's side: never waits, except stop() ------------------------------------
    def start(self) -> "Background":
        if not self.is_alive():
            self.stopping.clear()
            self.finished.clear()
            self.result, self.error = None, None
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=self.daemon)
            self._thread.start()
        return self

    def stop(self, wait: float | None = 5.0) -> None:
        """Ask fn to return and wait up to `wait` seconds for the thread to end."""
        self.stopping.set()
        thread = self._thread
        if thread is not None and thread.is_alive() and thread is not threading.current_thread():
            thread.join(wait)

    def is_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def running(self) -> bool:
        return self.is_alive()

    def latest(self):
        """The newest value fn (or anyone) published; None before the first."""
        return self._latest

    @property
    def progress(self) -> tuple[int, int, str]:
        """(done, total, label) as last reported."""
        return self._progress

    @property
    def fraction(self) -> float:
        done, total, _ = self._progress
        return min(1.0, done / total)

    # --- fn's side --------------------------------------------------------------------------
    def report(self, done: int, total: int, label: str = "") -> None:
        self._progress = (done, max(1, total), label)

    def publish(self, value) -> None:
        self._latest = value

    def _run(self) -> None:
        try:
            if self.threads:
                set_threads(self.threads)          # per thread: must be called on this one
            self.result = self._fn(self)
        except BaseException as e:       # shown by whoever polls the task, as one line
            self.error = e
        finally:
            self.finished.set()
