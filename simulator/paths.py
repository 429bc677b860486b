"""Where the program's files are: the bundled assets inside the package, and the user's cache.
Every path to a file the product reads or writes by default is built here, and only here.

The assets live in the package (simulator/assets/), so a clone, an editable install and an
installed wheel find them the same way. pip and pipx unpack a wheel into plain directories,
and pygame, Pillow and numpy want real file paths, so a path beside this file is all that
importlib.resources would give here (a zipped install is not supported).

Nothing the program does writes into the package: it may be read-only (a system install)
or shared (pipx). What it writes goes to the user's cache (cache_dir(): Numba's compiled
kernels, the lessons' trained models, the app's "legend shown" marker) or to the working
directory (run folders under runs/, screenshots under pictures/)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent           # the installed (or cloned) simulator/
ASSETS = PACKAGE / "assets"
MNIST_DIR = ASSETS / "mnist"                        # the four MNIST idx files (+ attribution)
BUNDLED_MODEL = ASSETS / "model" / "lenet5-mnist.npz"
FONT_DIR = ASSETS / "fonts"
FONT = FONT_DIR / "DejaVuSans.ttf"
SHAPES_IMAGE = ASSETS / "images" / "shapes.png"     # the rgb lesson's default picture
RUNS_DIR = Path("runs")                             # train's run folders, in the working directory
PICTURES_DIR = Path("pictures")                     # the S key's screenshots, in the working directory


def cache_dir() -> Path:
    """$CNN_SIMULATOR_CACHE, else $XDG_CACHE_HOME/cnn-simulator, else ~/.cache/cnn-simulator."""
    if os.environ.get("CNN_SIMULATOR_CACHE"):
        return Path(os.environ["CNN_SIMULATOR_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "cnn-simulator"


def use_user_numba_cache() -> None:
    """Point Numba's cache (cache=True kernels) at cache_dir()/numba unless NUMBA_CACHE_DIR is
    set. Numba's default is __pycache__ beside the source, i.e. inside the installed package
    (falling back to its own ~/.cache/numba only when that is read-only). Set in the
    environment, so child processes (kernels/precompile.py) use the same cache; called by
    simulator/__init__.py before any kernel module is imported."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    os.environ["NUMBA_CACHE_DIR"] = str(cache_dir() / "numba")
    config = sys.modules.get("numba.core.config")
    if config is not None:       # numba imported first: its config read the environment already
        config.CACHE_DIR = os.environ["NUMBA_CACHE_DIR"]


def data_cache_dir() -> Path:
    """Where decoded image folders are cached (imagefolder.py): cache_dir()/datasets."""
    return cache_dir() / "datasets"


def shapes_dir() -> Path:
    """Where `--data shapes` writes its generated images on first use: cache_dir()/shapes."""
    return cache_dir() / "shapes"
