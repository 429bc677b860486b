"""Background work for the lessons (a short training run), and the user cache it fills.

A Job runs fn(progress, stop) on a daemon thread: fn calls progress(done, total) as it goes
and returns early when stop is set. A screen polls `fraction`, `result` and `error`; it never
waits on the job. Results the lessons reuse live in the user cache folder, written atomically,
so a lesson opens instantly after its first run.
"""
from __future__ import annotations

import threading


class Job:
    """fn(progress, stop) -> result, run once on a daemon thread."""

    def __init__(self, fn, name: str = "lesson-job"):
        self._fn = fn
        self._lock = threading.Lock()
        self._done, self._total = 0, 1
        self.stop = threading.Event()
        self.result = None
        self.error: BaseException | None = None
        self.finished = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> "Job":
        self._thread.start()
        return self

    def _progress(self, done: int, total: int) -> None:
        with self._lock:
            self._done, self._total = done, max(1, total)

    def _run(self) -> None:
        try:
            self.result = self._fn(self._progress, self.stop)
        except BaseException as e:      # reported on screen by whoever polls the job
            self.error = e
        finally:
            self.finished.set()

    @property
    def fraction(self) -> float:
        with self._lock:
            return min(1.0, self._done / self._total)

    @property
    def progress(self) -> tuple[int, int]:
        with self._lock:
            return self._done, self._total

    def cancel(self, wait: float = 5.0) -> None:
        self.stop.set()
        if self._thread.is_alive():
            self._thread.join(wait)


class Finished:
    """A Job-shaped object for a result that is already there (loaded from the cache)."""

    def __init__(self, result):
        self.result, self.error = result, None
        self.finished = threading.Event()
        self.finished.set()
        self.fraction, self.progress = 1.0, (1, 1)

    def cancel(self, wait: float = 0.0) -> None:
        pass
