"""Shared test fixtures. Tests may read ../shared/mnist; the product never does."""
import os
from pathlib import Path

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

ROOT = Path(__file__).resolve().parents[1]
SHARED_MNIST = ROOT.parent / "shared" / "mnist"


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    if not SHARED_MNIST.is_dir():
        pytest.fail(f"tests need the shared MNIST copy at {SHARED_MNIST}")
    return SHARED_MNIST


@pytest.fixture(scope="session")
def mnist(mnist_dir):
    from simulator.engine.data import load_dataset
    return load_dataset(mnist_dir)


def fast_lessons(tmp_path, monkeypatch):
    """An empty user cache and a tiny activations comparison and draw model, so no lesson trains
    for long in a test. Returns the cache folder."""
    from simulator.engine.lessons import activations as lessons_activations, draw as lessons_draw
    from simulator.render.lessons import activations
    monkeypatch.setenv("CNN_SIMULATOR_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(activations, "DEFAULT_CONFIG", lessons_activations.ComparisonConfig(
        steps=3, batch_size=4, n_train=64, n_test=16, seeds=(0, 1)))
    monkeypatch.setattr(lessons_draw, "QUICK_STEPS", 2)
    from simulator.engine.lessons import overfit as lessons_overfit
    from simulator.render.lessons import overfit
    monkeypatch.setattr(overfit, "SETTINGS", lessons_overfit.OverfitSettings(n_train=64, n_test=32, epochs=2,
                                                                             batch_size=16))
    return tmp_path / "cache"
