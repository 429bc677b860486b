"""lessons/overfit.py on a tiny setting: both networks train through the engine on the same
images, every epoch's train and test accuracy is the engine's evaluation, the gap is train −
test, the finished result is cached (atomically) and opens from the cache, and stop works."""
import json

import numpy as np
import pytest

from simulator.engine.lessons import overfit
from simulator.engine.trainer import Trainer

TINY = overfit.OverfitSettings(networks=(("dense", "fc32-relu-fc10"), ("conv", "conv4k5-relu-maxpool2-fc10")),
                               n_train=96, n_test=64, epochs=3, batch_size=32)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CNN_SIMULATOR_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_runs_both_networks_epoch_by_epoch_and_caches_the_result(mnist, cache):
    task = overfit.start(TINY, mnist)
    task.finished.wait(120)
    assert task.error is None, task.error
    result = task.result
    assert result.done and not result.from_cache and task.latest() is result
    assert [c.name for c in result.curves] == ["dense", "conv"]
    for curve, (_, spec) in zip(result.curves, TINY.networks):
        assert curve.epochs == 3 and curve.params == overfit.parameter_count(spec)
        assert curve.gap == tuple(a - b for a, b in zip(curve.train_acc, curve.test_acc))
        # the last epoch's numbers are the engine's: the same run again, evaluated the same way
        t = Trainer(TINY.config(spec), mnist.subset(TINY.n_train, TINY.n_test))
        for _ in range(3 * t.batches_per_epoch):
            t.train_step()
        assert curve.train_acc[-1] == t.evaluate(t.train_x, t.train_y)[1]
        assert curve.test_acc[-1] == t.evaluate()[1]
    assert overfit.parameter_count("fc32-relu-fc10") == 784 * 32 + 32 + 32 * 10 + 10
    path = overfit.cache_path(TINY, mnist)
    assert path.is_file() and not list(path.parent.glob("*.tmp*"))
    again = overfit.start(TINY, mnist)                        # instant: from the cache, already finished
    assert again.finished.is_set() and again.result.from_cache
    assert again.result.curves == result.curves
    assert overfit.load_cached(overfit.OverfitSettings(epochs=4, n_train=96, n_test=64,
                                                       networks=TINY.networks), mnist) is None


def test_a_damaged_cache_file_is_run_again(mnist, cache):
    path = overfit.cache_path(TINY, mnist)
    path.parent.mkdir(parents=True, exist_ok=True)
    for junk in ("{", json.dumps({"settings": {}, "curves": []}), "[]"):
        path.write_text(junk)
        assert overfit.load_cached(TINY, mnist) is None


def test_the_verdict_names_a_winner_only_when_done_and_clearly_apart():
    s = overfit.OverfitSettings(epochs=2)
    a = overfit.Curve("dense", "fc32-relu-fc10", 1, (1.0, 1.0), (0.8, 0.8))
    b = overfit.Curve("LeNet-5", "x", 1, (1.0, 1.0), (0.9, 0.9))
    assert overfit.OverfitResult(s, (a, b), done=True).verdict() == \
        {"gaps": {"dense": pytest.approx(0.2), "LeNet-5": pytest.approx(0.1)}, "least": "LeNet-5", "most": "dense"}
    assert overfit.OverfitResult(s, (a, b), done=False).verdict()["least"] is None
    close = overfit.Curve("LeNet-5", "x", 1, (1.0, 1.0), (0.805, 0.805))
    assert overfit.OverfitResult(s, (a, close), done=True).verdict()["most"] is None


def test_stopping_returns_none_and_caches_nothing(mnist, cache):
    settings = overfit.OverfitSettings(networks=TINY.networks, n_train=96, n_test=64, epochs=200, batch_size=32)
    task = overfit.start(settings, mnist)
    task.stop(60)
    assert task.finished.is_set() and task.result is None and task.error is None
    assert not overfit.cache_path(settings, mnist).exists()
    assert np.all(np.isfinite([a for c in task.latest().curves for a in c.test_acc]))
