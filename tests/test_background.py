"""Background, the engine's one thread primitive: stop flag, progress, the newest published
value, result and error, restart, and the --threads check."""
import threading
import time

import pytest

from simulator.engine.background import Background, set_threads
from simulator.errors import UserError


def wait_until(condition, seconds=10.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_publishes_until_asked_to_stop_and_can_start_again():
    gate = threading.Event()

    def count(task):
        n = 0
        while not task.stopping.is_set():
            n += 1
            task.publish(n)
            task.report(n, 100, "counting")
            if n == 3:
                gate.set()
            time.sleep(0.001)
        return n

    task = Background(count, "counter")
    assert task.latest() is None and not task.running
    assert task.start() is task and task.running and task.daemon
    assert gate.wait(10)
    task.stop()
    assert not task.running and task.finished.is_set() and task.error is None
    assert task.result == task.latest() >= 3
    assert task.progress == (task.result, 100, "counting") and task.fraction == task.result / 100
    first = task.result
    task.start()                                     # a second run goes on from where fn's state is
    wait_until(lambda: task.latest() is not None and task.latest() < first)   # fn restarted from 1
    task.stop()
    assert task.finished.is_set()


def test_error_is_kept_and_done_holds_a_ready_result():
    task = Background(lambda t: [][1]).start()
    assert task.finished.wait(10)
    assert isinstance(task.error, IndexError) and task.result is None and not task.running
    ready = Background.done(("model", 0.9))
    assert ready.finished.is_set() and ready.result == ("model", 0.9) and ready.fraction == 1.0
    ready.stop()                                      # nothing to stop: no error


def test_threads_beyond_the_machine_are_one_clear_error():
    import numba
    with pytest.raises(UserError, match="--threads"):
        set_threads(numba.config.NUMBA_NUM_THREADS + 1)
    task = Background(lambda t: None, threads=numba.config.NUMBA_NUM_THREADS + 1).start()
    assert task.finished.wait(10) and isinstance(task.error, UserError)


def test_the_thread_uses_its_own_thread_count():
    import numba
    seen = Background(lambda t: numba.get_num_threads(), threads=1).start()
    assert seen.finished.wait(10) and seen.result == 1
