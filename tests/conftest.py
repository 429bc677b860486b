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
