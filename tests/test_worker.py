"""The training worker thread: commands act on the trainer, snapshots flow, divergence stops it."""
import threading
import time

import numpy as np
import pytest

from simulator.engine import ops, trace
from simulator.engine.trainer import TrainConfig, Trainer
from simulator.engine.worker import LR_LADDER, SPEEDS, TrainingWorker, lr_neighbour


def wait_for(predicate, timeout=20.0, what="condition"):
    end = time.perf_counter() + timeout
    while time.perf_counter() < end:
        if predicate():
            return
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def worker(mnist):
    trainer = Trainer(TrainConfig(batch_size=8, schedule="constant", lr=0.02), mnist.subset(1024, 100))
    w = TrainingWorker(trainer, eval_images=100)
    w.start()
    wait_for(lambda: w.ready, 120, "warm-up")
    assert w.error is None
    yield w
    w.stop()
    assert not w.is_alive()


def latest_step(w):
    s = w.latest()
    return -1 if s is None else s.step


def test_trains_and_publishes(worker):
    first = worker.latest()
    assert first is not None
    wait_for(lambda: latest_step(worker) >= first.step + 3, what="training steps")
    snap = worker.latest()
    assert snap.status == "running" and snap.seq > first.seq
    assert len(snap.history.steps) >= 1 and np.isfinite(snap.loss)
    assert worker.stats()["steps"] >= 3


def test_pause_step_and_resume(worker):
    worker.pause()
    wait_for(lambda: worker.latest().status == "paused", what="pause")
    time.sleep(0.1)
    before = worker.trainer.step_count
    time.sleep(0.3)
    assert worker.trainer.step_count == before            # paused: no training
    worker.step_once()
    wait_for(lambda: worker.trainer.step_count == before + 1, what="one step")
    time.sleep(0.2)
    assert worker.trainer.step_count == before + 1        # exactly one
    assert worker.latest().step == before + 1
    worker.toggle_pause()
    wait_for(lambda: worker.trainer.step_count > before + 2, what="resume")


def test_reset_speed_lr_and_selection(worker):
    wait_for(lambda: latest_step(worker) >= 4, what="a few steps")
    worker.pause()
    wait_for(lambda: worker.latest().status == "paused", what="pause")
    seq = worker.latest().seq
    worker.reset()
    wait_for(lambda: worker.latest().seq > seq and worker.latest().step == 1, what="reset")
    assert worker.trainer.step_count == 1                 # the reset's own first step
    assert list(worker.latest().history.steps) == [1.0]   # the old run's curve is gone
    lr = worker.trainer.lr
    worker.lr_up()
    wait_for(lambda: worker.latest().lr == lr_neighbour(lr, +1), what="lr up")
    worker.lr_down()
    worker.lr_down()
    wait_for(lambda: worker.latest().lr == lr_neighbour(lr, -1), what="lr down")
    worker.select("conv2", 7)
    wait_for(lambda: (worker.latest().conv.layer, worker.latest().conv.channel) == ("conv2", 7), what="select")
    assert worker.latest().pool_trace.layer == "pool2" and worker.latest().pool_trace.channel == 7
    worker.slower()
    wait_for(lambda: worker.latest().speed == SPEEDS[-2].name, what="slower")
    worker.set_speed(0)
    wait_for(lambda: worker.latest().speed == "slow", what="slow")


def test_lr_ladder():
    assert lr_neighbour(0.02, +1) == pytest.approx(0.05)
    assert lr_neighbour(0.02, -1) == pytest.approx(0.01)
    assert lr_neighbour(0.03, -1) == pytest.approx(0.02)
    assert lr_neighbour(LR_LADDER[-1], +1) == LR_LADDER[-1]


def test_divergence_stops_training_until_reset(worker):
    worker.set_lr(50.0)
    wait_for(lambda: worker.latest().diverged, 30, "divergence")
    snap = worker.latest()
    assert snap.status == "diverged" and "learning rate 50" in snap.message
    steps = worker.trainer.step_count
    time.sleep(0.3)
    assert worker.trainer.step_count == steps             # stopped
    worker.reset()
    wait_for(lambda: not worker.latest().diverged, what="reset after divergence")
    assert worker.trainer.lr == pytest.approx(0.02)       # back to the configured rate
    wait_for(lambda: worker.trainer.step_count > 3, what="training again")


def test_training_and_screen_engine_calls_at_the_same_time(worker):
    """The screen thread reads snapshots and may call the trace's engine functions while the
    worker trains with the Numba kernels: nothing crashes and the numbers stay right."""
    errors = []
    stop = threading.Event()

    def screen():
        try:
            while not stop.is_set():
                snap = worker.latest()
                layer, k = snap.conv.layer, snap.conv.channel
                src, wn, bn, _, _, stride, padding = trace.conv_layers(snap.arch)[layer]
                terms = trace.conv_terms(snap.acts[src], snap.weights[wn], snap.weights[bn], k, stride, padding)
                np.testing.assert_allclose(terms.results, snap.acts[layer][k], rtol=1e-4, atol=1e-4)
                trace.pool_crop(snap.pool_trace.dy, snap.pool_trace.y, 3)
                # the small, serial engine calls a lesson screen makes on its own thread
                y, cache = ops.conv2d_forward(snap.acts["input"][None], snap.weights["conv1_w"],
                                              snap.weights["conv1_b"], 1, 2)
                np.testing.assert_allclose(y[0], snap.acts["conv1"], rtol=1e-4, atol=1e-4)
                p, pc = ops.maxpool2d_forward(snap.acts["act1"][None], 2, 2)
                ops.maxpool2d_backward(np.ones_like(p), pc)
        except BaseException as e:   # reported below
            errors.append(e)

    threads = [threading.Thread(target=screen) for _ in range(2)]
    start = worker.trainer.step_count
    for t in threads:
        t.start()
    wait_for(lambda: worker.trainer.step_count >= start + 5, what="training alongside the screen")
    stop.set()
    for t in threads:
        t.join(10)
    assert not errors, errors[0]


@pytest.mark.parametrize("spec", ["conv4k3s2p1-tanh-avgpool3s2-conv6k3-relu-fc16-relu-fc10", "fc32-relu-fc10"])
def test_another_network_warms_up_trains_and_publishes_its_snapshots(mnist, spec):
    """The worker's warm-up runs the network's own layers; snapshots carry that network, the
    selection falls back to a conv it has (or to none)."""
    trainer = Trainer(TrainConfig(arch=spec, batch_size=8, schedule="constant", lr=0.02), mnist.subset(256, 50))
    w = TrainingWorker(trainer, eval_images=50)
    w.start()
    try:
        wait_for(lambda: w.ready, 120, "warm-up")
        assert w.error is None
        w.select("conv2", 5)
        wait_for(lambda: latest_step(w) >= 3, what="training steps")
        snap = w.latest()
        assert snap.arch.spec == spec and set(snap.acts) == set(snap.arch.tensor_names)
        if spec.startswith("conv"):
            wait_for(lambda: w.latest().conv.layer == "conv2", what="selection")
            assert w.latest().conv.channel == 5 and w.latest().pool_trace is None
        else:
            assert snap.conv is None and snap.pool_trace is None
    finally:
        w.stop()
    assert not w.is_alive()


def test_the_app_schedule_warms_up_then_decays_and_the_lr_keys_move_its_peak(mnist):
    """With the app's schedule (warm-up, then × EXP_DECAY per epoch) [ and ] move the peak one
    step along the ladder: the rate the next step uses is the schedule at that step times the
    new peak; R goes back to the configured peak and to the warm-up."""
    from simulator.engine.config import scheduled_lr
    data = mnist.subset(256, 100)
    trainer = Trainer(TrainConfig(batch_size=16, lr=0.05, schedule="exp", warmup=0.5), data)   # 16 steps an epoch
    w = TrainingWorker(trainer, eval_images=20, paused=True)
    w.start()
    try:
        wait_for(lambda: w.ready, 120, "warm-up")
        for _ in range(20):
            w.step_once()
        wait_for(lambda: w.latest().step >= 21, what="steps")
        spe = trainer.batches_per_epoch
        snap = w.latest()               # its lr is the rate of the step after the one it shows
        assert snap.lr == pytest.approx(scheduled_lr("exp", 0.05, snap.step, 0, 0.5 * spe, spe))
        assert snap.lr < 0.05 and snap.lr_peak == 0.05 and snap.schedule == "exp"
        w.lr_up()
        wait_for(lambda: w.latest().lr_peak == pytest.approx(0.1), what="] moves the peak")
        assert trainer.lr == pytest.approx(scheduled_lr("exp", 0.1, trainer.step_count, 0, 0.5 * spe, spe))
        w.lr_down()
        w.lr_down()
        wait_for(lambda: w.latest().lr_peak == pytest.approx(0.02), what="[ moves it down")
        w.reset()
        wait_for(lambda: trainer.step_count == 1 and w.latest().lr_peak == 0.05, what="reset")
        assert trainer.lr == pytest.approx(0.05 * 2 / (0.5 * spe))          # warming up again
    finally:
        w.stop()


def test_every_epoch_ends_with_a_whole_test_set_report_and_exit_measures_the_final_weights(mnist):
    """The snapshot carries the last epoch-end evaluation of the whole test set (accuracy and
    dead maps, health.health_report); after stop() final_report() is of the weights training ended with."""
    from simulator.engine.health import health_report
    data = mnist.subset(128, 60)
    trainer = Trainer(TrainConfig(batch_size=32, lr=0.02, schedule="constant"), data)   # 4 steps an epoch
    w = TrainingWorker(trainer, eval_images=20)
    assert w.final_report() is None                               # not started
    w.start()
    try:
        wait_for(lambda: w.latest() is not None and w.latest().test is not None and w.latest().test.epoch >= 2,
                 120, "two epochs")
        snap = w.latest()
        assert snap.test.images == 60 and snap.test.step == 4 * snap.test.epoch
        assert set(snap.test.dead_mean) == {"conv1", "conv2"} and snap.test.maps == {"conv1": 6, "conv2": 16}
    finally:
        w.stop()
    final = w.final_report()
    assert final is not None and final.step == trainer.step_count
    again = health_report(trainer.model, trainer.test_x, trainer.test_y)
    assert final.accuracy == again.accuracy and final.dead_mean == again.dead_mean
    assert w.reports()[-1] is final and [r.epoch for r in w.reports()[:2]] == [1, 2]


def test_the_default_channel_is_the_typical_one_until_a_click_chooses(worker):
    wait_for(lambda: latest_step(worker) >= 2, what="steps")
    snap = worker.latest()
    assert snap.channel_auto and snap.conv.layer == "conv1"
    assert snap.conv.channel == trace.typical_channel(snap.acts["act1"], 2, 2)
    worker.select("conv1", 5)
    wait_for(lambda: not worker.latest().channel_auto and worker.latest().conv.channel == 5, what="a click")
