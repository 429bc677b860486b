"""The training loop on real MNIST: it learns, checkpoints round-trip, resume is exact,
Ctrl-C saves, divergence is caught with the last good checkpoint kept."""

import numpy as np
import pytest

from simulator.render.curves import save_curves

from simulator.engine.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from simulator.engine.config import scheduled_lr
from simulator.engine.train import RunOptions, run
from simulator.engine.trainer import BACKGROUND, TrainConfig, Trainer, random_shift


@pytest.fixture(scope="module")
def small(mnist):
    return mnist.subset(2000, 500)


def test_short_training_clearly_beats_chance(small):
    trainer = Trainer(TrainConfig(epochs=1, batch_size=32, lr=0.02), small)
    _, acc_before = trainer.evaluate()
    losses = [trainer.train_step().loss for _ in range(trainer.batches_per_epoch)]
    loss_after, acc_after = trainer.evaluate()
    assert trainer.epoch == 1 and trainer.batch_in_epoch == 0
    assert np.mean(losses[-10:]) < 0.5 * np.mean(losses[:10])
    assert acc_after > 0.75 > acc_before + 0.3, (acc_before, acc_after)


@pytest.mark.parametrize("kinds", [dict(activation="tanh", pool="max"), dict(activation="tanh", pool="avg"),
                                   dict(arch="conv6k5-sigmoid-avgpool2-fc10")], ids=str)
def test_other_architectures_learn(small, kinds):
    """Learning, not just losing the first steps' overconfidence: the loss halves from ~ln 10
    and the accuracy is far above chance after 60 steps. (LeNet-5 with four sigmoids sits on a
    plateau near ln 10 for ~2,000 steps at α = 0.3 before it learns, measured with the old
    initialisation and the new alike, so a sigmoid network here has one sigmoid layer.)"""
    trainer = Trainer(TrainConfig(batch_size=32, lr=0.1, **kinds), small)
    first = np.mean([trainer.train_step().loss for _ in range(5)])
    for _ in range(50):
        trainer.train_step()
    last = np.mean([trainer.train_step().loss for _ in range(5)])
    assert first > 2.0 and last < 0.5 * first
    assert trainer.evaluate()[1] > 0.5


def test_checkpoint_round_trip(tmp_path, small):
    trainer = Trainer(TrainConfig(batch_size=50), small)
    for _ in range(3):
        trainer.train_step()
    save_checkpoint(tmp_path / "c.npz", trainer.state())
    loaded = load_checkpoint(tmp_path / "c.npz")
    state = trainer.state()
    assert loaded["config"] == state["config"]
    assert (loaded["step_count"], loaded["epoch"], loaded["batch_in_epoch"]) == (3, 0, 3)
    for name, value in state["params"].items():
        np.testing.assert_array_equal(loaded["params"][name], value)
        np.testing.assert_array_equal(loaded["velocity"][name], state["velocity"][name])
    assert not list(tmp_path.glob(".*tmp")), "temp file left behind"


def test_resume_continues_exactly(small):
    config = TrainConfig(batch_size=100, epochs=2)
    straight = Trainer(config, small)
    for _ in range(30):
        straight.train_step()
    first = Trainer(config, small)
    for _ in range(13):
        first.train_step()
    resumed = Trainer(config, small)
    resumed.load_state(first.state())
    for _ in range(17):
        resumed.train_step()
    assert (resumed.epoch, resumed.batch_in_epoch) == (straight.epoch, straight.batch_in_epoch) == (1, 10)
    for name, value in straight.model.params.items():
        np.testing.assert_allclose(resumed.model.params[name], value, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("payload, message", [
    (b"", "corrupt"),
    (b"PK\x03\x04 this is not really a zip", "corrupt"),
    (None, "not a CNN Simulator checkpoint"),
])
def test_bad_checkpoints_are_named(tmp_path, payload, message):
    path = tmp_path / "bad.npz"
    if payload is None:
        np.savez(path, something=np.zeros(3))
    else:
        path.write_bytes(payload)
    with pytest.raises(CheckpointError, match=message):
        load_checkpoint(path)


def test_truncated_and_wrong_shape_checkpoints(tmp_path, small):
    trainer = Trainer(TrainConfig(), small)
    good = tmp_path / "good.npz"
    save_checkpoint(good, trainer.state())
    data = good.read_bytes()
    (tmp_path / "trunc.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="trunc.npz"):
        load_checkpoint(tmp_path / "trunc.npz")
    state = trainer.state()
    state["params"]["fc1_w"] = np.zeros((10, 10), np.float32)
    save_checkpoint(tmp_path / "shape.npz", state)
    with pytest.raises(CheckpointError, match="fc1_w has shape"):
        load_checkpoint(tmp_path / "shape.npz")


def test_run_writes_outputs_and_interrupt_then_resume(tmp_path, small, monkeypatch):
    out = tmp_path / "run"
    calls = {"n": 0}
    real_step = Trainer.train_step

    def interrupting_step(self):
        calls["n"] += 1
        if calls["n"] == 8:
            raise KeyboardInterrupt
        return real_step(self)

    monkeypatch.setattr(Trainer, "train_step", interrupting_step)
    config = TrainConfig(epochs=1, batch_size=32, lr=0.02, schedule="constant")
    result = run(config, RunOptions(out_dir=out, subset=(2000, 500), data_dir=None, quiet=True))
    assert result.status == "interrupted"
    saved = load_checkpoint(out / "checkpoint.npz")
    assert (saved["step_count"], saved["batch_in_epoch"]) == (7, 7)

    monkeypatch.setattr(Trainer, "train_step", real_step)
    result = run(config, RunOptions(out_dir=out, subset=(2000, 500), resume=out / "checkpoint.npz", quiet=True,
                                    curves=save_curves))
    assert result.status == "finished" and result.test_acc > 0.5  # chance is 0.1
    assert load_checkpoint(out / "checkpoint.npz")["step_count"] == 63
    header, *rows = (out / "metrics.csv").read_text().splitlines()
    assert header == "step,epoch,loss,train_acc,test_acc,images_per_sec"
    assert rows[-1].split(",")[4] == f"{result.test_acc:.4f}"
    png = (out / "curves.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


def test_divergence_stops_and_keeps_last_good_checkpoint(tmp_path):
    out = tmp_path / "run"
    ok = run(TrainConfig(epochs=1, batch_size=100), RunOptions(out_dir=out, subset=(1000, 200), quiet=True))
    assert ok.status == "finished"
    before = (out / "checkpoint.npz").read_bytes()
    bad = run(TrainConfig(epochs=3, batch_size=100, lr=1e6, schedule="constant"),
              RunOptions(out_dir=out, subset=(1000, 200), resume=out / "checkpoint.npz", quiet=True))
    assert bad.status == "diverged"
    assert (out / "checkpoint.npz").read_bytes() == before


# ----------------------------------------------------------------------------- learning-rate schedule

@pytest.mark.parametrize("schedule", ["cosine", "linear"])
def test_schedule_warms_up_then_decays_to_zero(schedule):
    total, warmup, peak = 1000, 100.0, 0.3
    lrs = [scheduled_lr(schedule, peak, s, total, warmup) for s in range(total)]
    rise, fall = lrs[:100], lrs[99:]
    assert 0 < rise[0] <= peak / 50                          # starts near 0, but the first step moves
    assert all(a < b for a, b in zip(rise, rise[1:]))         # strictly rising
    assert max(lrs) == pytest.approx(peak) and lrs[99] == pytest.approx(peak)
    assert all(a >= b for a, b in zip(fall, fall[1:]))        # never rising after the warm-up
    assert lrs[-1] < peak / 500                               # the last step is (almost) 0
    assert scheduled_lr(schedule, peak, total, total, warmup) == pytest.approx(0.0, abs=1e-12)
    middle = lrs[100 + 450]                                   # half-way through the decay
    assert middle == pytest.approx(peak / 2, rel=0.01)


def test_schedule_shapes_differ_and_constant_stays():
    total, peak = 400, 1.0
    quarter = 100                                             # a quarter into the decay (no warm-up)
    assert scheduled_lr("cosine", peak, quarter, total, 0) == pytest.approx((1 + np.cos(np.pi / 4)) / 2)
    assert scheduled_lr("linear", peak, quarter, total, 0) == pytest.approx(0.75)
    assert {scheduled_lr("constant", peak, s, total, 50) for s in range(total)} == {peak}
    with pytest.raises(ValueError, match="schedule"):
        scheduled_lr("step", peak, 0, total, 0)


def test_the_exp_schedule_warms_up_then_halves_every_epoch_and_needs_no_end():
    from simulator.engine.config import EXP_DECAY
    spe, warm, peak = 50.0, 25.0, 0.08
    lrs = [scheduled_lr("exp", peak, s, 0, warm, spe) for s in range(1000)]
    assert lrs[0] == pytest.approx(peak / warm) and lrs[24] == pytest.approx(peak)
    assert all(a < b for a, b in zip(lrs[:25], lrs[1:25]))
    assert lrs[25] == pytest.approx(peak) and lrs[75] == pytest.approx(peak * EXP_DECAY)
    assert lrs[125] == pytest.approx(peak * EXP_DECAY ** 2)
    assert all(a > b > 0 for a, b in zip(lrs[25:], lrs[26:]))         # always falling, never 0
    assert lrs == [scheduled_lr("exp", peak, s, 10**6, warm, spe) for s in range(1000)]   # the total is not used


def test_the_app_preset_is_one_place_and_the_command_line_reads_it():
    """config.APP_CONFIG is the app's recipe; `app`'s flags default to it and AppOptions holds it."""
    from simulator.cli import app_options
    from simulator.cli_args import build_parser
    from simulator.engine.config import APP_CONFIG
    args = build_parser().parse_args(["app"])
    options = app_options(args)
    assert options.config == APP_CONFIG
    assert (args.batch_size, args.lr) == (APP_CONFIG.batch_size, APP_CONFIG.lr)
    assert APP_CONFIG.schedule == "exp" and APP_CONFIG.warmup > 0
    changed = app_options(build_parser().parse_args(["app", "--lr", "0.02", "--batch-size", "64"])).config
    assert (changed.lr, changed.batch_size, changed.schedule) == (0.02, 64, "exp")


def test_trainer_follows_the_schedule(small):
    config = TrainConfig(epochs=2, batch_size=100, lr=0.05, warmup=0.5)   # 20 steps an epoch
    trainer = Trainer(config, small)
    seen = []
    for _ in range(40):
        seen.append(trainer.lr)
        trainer.train_step()
        assert trainer.optimizer.lr == seen[-1]               # the step used the scheduled rate
    expected = [scheduled_lr("cosine", 0.05, s, 40, 10) for s in range(40)]
    np.testing.assert_allclose(seen, expected)
    assert seen[9] == pytest.approx(0.05) and seen[0] == pytest.approx(0.005)


def test_train_defaults_learn(mnist):
    """train's own defaults (batch 128, warm-up, cosine, shifts), squeezed into 1 epoch of 6,000
    images (47 steps): far from 99%, but clearly learning."""
    trainer = Trainer(TrainConfig(epochs=1), mnist.subset(6000, 1000))
    _, acc_before = trainer.evaluate()
    while trainer.epoch < 1:
        trainer.train_step()
    _, acc_after = trainer.evaluate()
    assert acc_after > 0.5 > acc_before + 0.3, (acc_before, acc_after)


def test_random_shift_moves_each_image_within_range():
    x = np.random.default_rng(3).standard_normal((12, 1, 28, 28)).astype(np.float32)
    out = random_shift(x, 2, np.random.default_rng(7))
    assert out.shape == x.shape and out.dtype == x.dtype and out.flags.c_contiguous

    def moved(img, dy, dx):      # img moved down dy, right dx; the uncovered strip is background
        ref = np.full((28 + 8, 28 + 8), BACKGROUND, np.float32)
        ref[4 + dy:4 + dy + 28, 4 + dx:4 + dx + 28] = img
        return ref[4:32, 4:32]
    shifts = set()
    for i in range(len(x)):
        found = [(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)
                 if np.array_equal(out[i, 0], moved(x[i, 0], dy, dx))]
        assert len(found) == 1, f"image {i} is not x moved by at most 2 pixels"
        shifts.add(found[0])
    assert len(shifts) > 3                                    # images are moved independently
    np.testing.assert_array_equal(random_shift(x, 2, np.random.default_rng(7)), out)  # seeded
