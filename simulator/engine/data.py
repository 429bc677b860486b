"""Datasets: MNIST-style IDX folders, folders of images (imagefolder.py), the generated colour
set `shapes` (shapes.py); normalisation.

    load_dataset(None)        the bundled MNIST (assets/mnist)
    load_dataset("shapes")    the generated colour shapes (written into the user cache on first use)
    load_dataset(DIR)         DIR's four IDX files if it has them, else DIR's images in class folders

An IDX file is a big-endian header — two zero bytes, a type byte (0x08 = uint8), the number
of dimensions — then one uint32 per dimension, then the data. Anything else is reported as a
DataError naming the file and what is wrong. An IDX folder is 1×28×28 in 10 classes (the
digits) and keeps MNIST's normalisation numbers, whatever it holds (Fashion-MNIST too).
"""
from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import paths
from ..errors import UserError
from .dataformat import MNIST, MNIST_MEAN, MNIST_STD, DataFormat

BUNDLED_DIR = paths.MNIST_DIR
SHAPES = "shapes"           # --data shapes: the generated colour set (a name, not a folder)
FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
# Mean and standard deviation of MNIST training pixels scaled to [0, 1].
MEAN, STD = MNIST_MEAN, MNIST_STD


class DataError(UserError):
    """A dataset file or folder that cannot be used."""


@dataclass(frozen=True)
class Dataset:
    """Images as uint8 [N, H, W] (grey) or [N, H, W, 3] (colour, as Pillow gives them), labels
    uint8 or int [N] in 0 … classes−1, and the format a network for it must have."""
    train_images: np.ndarray  # MNIST: uint8 [60000, 28, 28]
    train_labels: np.ndarray  # [60000]
    test_images: np.ndarray   # MNIST: uint8 [10000, 28, 28]
    test_labels: np.ndarray   # [10000]
    source: Path
    format: DataFormat = MNIST

    def subset(self, n_train: int, n_test: int) -> "Dataset":
        return Dataset(self.train_images[:n_train], self.train_labels[:n_train],
                       self.test_images[:n_test], self.test_labels[:n_test], self.source, self.format)


def read_idx(path: Path) -> np.ndarray:
    """Read one uint8 IDX file, gzip-compressed or plain (chosen by its first bytes)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except OSError as e:
        raise DataError(f"{path}: cannot read ({e.strerror})") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as e:
            raise DataError(f"{path}: corrupt or truncated gzip data ({e})") from None
    if len(raw) < 4:
        raise DataError(f"{path}: too short to be an IDX file ({len(raw)} bytes)")
    if raw[0] != 0 or raw[1] != 0:
        raise DataError(f"{path}: not an IDX file (bad magic number {raw[:4].hex()})")
    if raw[2] != 0x08:
        raise DataError(f"{path}: IDX data type 0x{raw[2]:02x} is not supported (expected 0x08, uint8)")
    ndim = raw[3]
    if ndim == 0 or len(raw) < 4 + 4 * ndim:
        raise DataError(f"{path}: truncated IDX header")
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", ndim, 4))
    expected = int(np.prod(shape))
    body = len(raw) - 4 - 4 * ndim
    if body != expected:
        what = "truncated" if body < expected else "has trailing bytes"
        raise DataError(f"{path}: {what}: header says {shape} = {expected} bytes of data, file has {body}")
    return np.frombuffer(raw, np.uint8, expected, 4 + 4 * ndim).reshape(shape)


def _find(folder: Path, stem: str) -> Path:
    for candidate in (folder / f"{stem}.gz", folder / stem):
        if candidate.is_file():
            return candidate
    raise DataError(f"{folder}: missing {stem}(.gz)")


def is_idx_folder(folder: Path) -> bool:
    """Does `folder` hold any of the four IDX files (then it is read as an IDX folder)?"""
    return any((folder / stem).is_file() or (folder / f"{stem}.gz").is_file() for stem in FILES.values())


def _refuse_resize(where, image_size) -> None:
    if image_size is not None and tuple(image_size) != (28, 28):
        raise DataError(f"{where}: an IDX folder holds 28×28 images; --image-size does not apply to it")


def load_dataset(folder: str | Path | None = None, image_size: tuple[int, int] | None = None,
                 log=None, progress: bool = False, accept=None) -> Dataset:
    """The bundled MNIST (folder None), the generated shapes (folder "shapes", unless a folder of
    that name exists here), an IDX folder, or a folder of images in class folders (imagefolder.py:
    resized to image_size (H, W) if given; `log` gets its one-line notes, `progress` shows bars).
    accept(format), if given, may refuse the data's format (raising a UserError, e.g. a network
    that does not fit it) before anything is cached or reported."""
    accept = accept or (lambda fmt: None)
    if folder is None:
        _refuse_resize("the bundled MNIST", image_size)
        return _accepted(load_idx(BUNDLED_DIR), accept)
    folder = Path(folder)
    if str(folder) == SHAPES and not folder.exists():
        from . import shapes
        accept(shapes.FORMAT)                      # a network that cannot take them: before making them
        folder = shapes.ensure(log=log, progress=progress)
    if not folder.is_dir():
        raise DataError(f"{folder}: data folder not found")
    if is_idx_folder(folder):
        _refuse_resize(folder, image_size)
        return _accepted(load_idx(folder), accept)
    from .imagefolder import load_image_folder
    return load_image_folder(folder, image_size, log=log, progress=progress, accept=accept)


def _accepted(dataset: Dataset, accept) -> Dataset:
    accept(dataset.format)
    return dataset


def load_idx(folder: Path) -> Dataset:
    """Load the four IDX files from `folder`."""
    if not folder.is_dir():
        raise DataError(f"{folder}: data folder not found")
    arrays = {key: read_idx(_find(folder, stem)) for key, stem in FILES.items()}
    for split in ("train", "test"):
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        path = _find(folder, FILES[f"{split}_images"])
        if images.ndim != 3:
            raise DataError(f"{path}: expected 3 dimensions (count, rows, cols), got shape {images.shape}")
        if labels.ndim != 1:
            raise DataError(f"{_find(folder, FILES[f'{split}_labels'])}: expected 1 dimension, got shape {labels.shape}")
        if len(images) != len(labels):
            raise DataError(f"{path}: {len(images)} images but {len(labels)} labels")
        if labels.size and labels.max() > 9:
            raise DataError(f"{_find(folder, FILES[f'{split}_labels'])}: label {labels.max()} is not a digit 0–9")
    if arrays["train_images"].shape[1:] != (28, 28) or arrays["test_images"].shape[1:] != (28, 28):
        raise DataError(f"{folder}: images must be 28×28, got {arrays['train_images'].shape[1:]}")
    return Dataset(**arrays, source=folder)


def normalise(images: np.ndarray, dtype=np.float32, fmt: DataFormat = MNIST) -> np.ndarray:
    """uint8 [N,H,W] (grey) or [N,H,W,C] (colour) → float [N,C,H,W], channel c: (x/255 − mean_c)/std_c
    with fmt's numbers (MNIST's by default)."""
    images = np.asarray(images)
    x = images[:, None, :, :] if images.ndim == 3 else images.transpose(0, 3, 1, 2)
    if x.shape[1] != len(fmt.mean):
        raise ValueError(f"normalise: images have {x.shape[1]} channels, the format {len(fmt.mean)}")
    x = np.ascontiguousarray(x, dtype=dtype)
    for c, (mean, std) in enumerate(zip(fmt.mean, fmt.std)):
        plane = x[:, c]
        plane *= dtype(1.0 / (255.0 * std))
        plane -= dtype(mean / std)
    return x


def pixels_of(x: np.ndarray, fmt: DataFormat = MNIST) -> np.ndarray:
    """normalise's inverse for one image, for showing it: float [C,H,W] → uint8 [H,W,C] (pixel
    = (x·std_c + mean_c)·255, rounded and clipped to 0…255; NaN shows as 0)."""
    x = np.nan_to_num(np.asarray(x, np.float64), nan=0.0, posinf=1e9, neginf=-1e9)
    out = np.empty(x.shape[1:] + (x.shape[0],), np.uint8)
    for c, (mean, std) in enumerate(zip(fmt.mean, fmt.std)):
        out[..., c] = np.clip(np.rint((x[c] * std + mean) * 255.0), 0, 255)
    return out


def background(fmt: DataFormat = MNIST, dtype=np.float32) -> np.ndarray:
    """A black pixel (0 in every channel) after normalisation: [C]."""
    return np.array([-m / s for m, s in zip(fmt.mean, fmt.std)], dtype)
