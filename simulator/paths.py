"""Where the program's files are: the bundled assets beside the code, and the user's cache.
Every path to a file the product reads or writes by default is built here, and only here."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]          # the repository (holds main.py and assets/)
ASSETS = ROOT / "assets"
MNIST_DIR = ASSETS / "mnist"                        # the four MNIST idx files (+ attribution)
BUNDLED_MODEL = ASSETS / "model" / "lenet5-mnist.npz"
FONT_DIR = ASSETS / "fonts"
FONT = FONT_DIR / "DejaVuSans.ttf"
SHAPES_IMAGE = ASSETS / "images" / "shapes.png"     # the rgb lesson's default picture


def cache_dir() -> Path:
    """$CNN_SIMULATOR_CACHE, else $XDG_CACHE_HOME/cnn-simulator, else ~/.cache/cnn-simulator."""
    if os.environ.get("CNN_SIMULATOR_CACHE"):
        return Path(os.environ["CNN_SIMULATOR_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "cnn-simulator"


def data_cache_dir() -> Path:
    """Where decoded image folders are cached (imagefolder.py): cache_dir()/datasets."""
    return cache_dir() / "datasets"


def shapes_dir() -> Path:
    """Where `--data shapes` writes its generated images on first use: cache_dir()/shapes."""
    return cache_dir() / "shapes"
