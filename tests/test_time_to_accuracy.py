"""The time-to-accuracy race: its bookkeeping on scripted sides, torch's evaluation against the
engine's on the same weights, and a tiny real run. Nothing here asserts on a timing."""
import numpy as np
import pytest

from benchmarks import run as bench
from benchmarks import time_to_accuracy as tta
from simulator.engine.model import Network, NetConfig, init_params


class Scripted:
    """A side whose test accuracy after each turn is read from a list."""

    def __init__(self, accs, epochs, batches_per_epoch=8):
        self.accs, self.epochs, self.batches_per_epoch = list(accs), epochs, batches_per_epoch
        self.trained, self.evals = 0, 0

    def train_batches(self, n):
        assert n >= 0
        self.trained += n

    def evaluate(self):
        self.evals += 1
        return self.accs[self.evals - 1]


def test_race_stops_each_side_at_the_target_or_its_last_epoch():
    fast = Scripted([0.9, 0.99, 0.995, 0.999], epochs=2)           # reaches 0.99 at the 2nd turn
    slow = Scripted([0.9, 0.95, 0.97, 0.98], epochs=2)             # never does
    curves = tta.race({"engine": fast, "torch": slow}, 0.99, 2, full=False, log=lambda *a, **k: None)
    assert [e for e, _, _ in curves["engine"]] == [0.5, 1.0]
    assert [e for e, _, _ in curves["torch"]] == [0.5, 1.0, 1.5, 2.0]
    assert (fast.trained, slow.trained) == (8, 16)                 # batches: whole turns, no more
    assert tta.first_reaching(curves["engine"], 0.99)[0] == 1.0
    assert tta.first_reaching(curves["torch"], 0.99) is None
    times = [s for _, s, _ in curves["torch"]]
    assert times == sorted(times)


def test_race_full_trains_the_engine_to_its_last_epoch():
    engine = Scripted([0.995] * 4, epochs=2)
    torch_side = Scripted([0.995] * 4, epochs=2)
    curves = tta.race({"engine": engine, "torch": torch_side}, 0.99, 2, full=True, log=lambda *a, **k: None)
    assert len(curves["engine"]) == 4 and len(curves["torch"]) == 1


def test_torch_side_evaluates_the_engines_weights_alike(mnist):
    import torch
    from simulator.engine.data import normalise
    params = init_params(NetConfig(seed=4))
    x, y = normalise(mnist.test_images[:300]), mnist.test_labels[:300].astype(np.int64)
    side = tta.TorchSide(torch, params, x, y, x, y, epochs=1, seed=0)
    preds = Network(NetConfig(seed=4), params={k: v.copy() for k, v in params.items()}).forward(x)
    engine_acc = float((preds.outputs["logits"].argmax(1) == y).mean())
    assert side.evaluate() == pytest.approx(engine_acc, abs=1 / 300)   # one borderline image at most
    side.train_batches(5)                                             # and it trains: the weights move
    assert side.step == 5
    assert not np.allclose(side.net.params["fc3_w"].detach().numpy(), params["fc3_w"])


def test_tiny_race_prints_both_sides_and_the_load(mnist_dir, capsys):
    argv = ["--time-to-accuracy", "--data", str(mnist_dir), "--subset", "600", "--threads", "1",
            "--target", "0.2", "--torch-epochs", "2", "--evals-per-epoch", "1"]
    assert bench.main(argv) == 0
    out = capsys.readouterr().out
    assert "engine: train's defaults: batch 128" in out and "torch:  plain SGD, batch 64" in out
    assert "load average" in out
    for name in ("engine", "torch"):
        assert any(line.startswith(f"{name:6s}: ") for line in out.splitlines())
    reached = {name: f"{name:6s}: never reached" not in out for name in ("engine", "torch")}
    if reached["engine"]:
        assert ("torch / engine = " if reached["torch"] else "torch / engine > ") in out


@pytest.mark.parametrize("argv", [["--target", "1.5"], ["--evals-per-epoch", "0"], ["--subset", "0"]])
def test_bad_race_arguments_end_in_one_line(argv, capsys):
    assert bench.main(["--time-to-accuracy", *argv]) == 2
    assert capsys.readouterr().err.startswith("error: ")


def test_torch_default_params_are_torch_layers_in_the_engine_layout():
    """--torch-init torch: PyTorch's own layer initialisation (uniform within 1/√fan_in), laid out
    as the engine's parameters so the same forward code runs on both."""
    import torch
    from simulator.engine.config import TrainConfig
    from simulator.engine.model import init_params
    ours = tta.torch_default_params(torch, seed=0)
    engine = init_params(TrainConfig().model_config())
    assert {k: v.shape for k, v in ours.items()} == {k: v.shape for k, v in engine.items()}
    for name, fan_in in (("conv1", 25), ("conv2", 150), ("fc1", 400), ("fc2", 120), ("fc3", 84)):
        bound = 1 / np.sqrt(fan_in)
        for part in ("w", "b"):
            v = ours[f"{name}_{part}"]
            assert v.dtype == np.float32 and np.abs(v).max() <= bound + 1e-7
            assert np.abs(v).max() > 0.5 * bound          # spread over the range, not zeros
    again = tta.torch_default_params(torch, seed=0)
    assert all(np.array_equal(ours[k], again[k]) for k in ours)          # seeded
