"""A folder of images as a Dataset, in the layout torchvision's ImageFolder reads:

    DIR/train/<class>/*.png|jpg|…  and  DIR/test/<class>/…   (or DIR/val/ for the test set)
    DIR/<class>/…                  then 1/6 of each class is held out as the test set
                                   (chosen by seed SPLIT_SEED, the same in every run)

The classes are the folder names, sorted; images may sit in sub-folders of a class folder. Each
split's images are kept in one shuffled order (seed SPLIT_SEED), the classes mixed as in MNIST's
files, so the first N (--subset N) hold every class. Every image is decoded with Pillow
(imagedecode.py) and made the dataset's mode: colour (3 channels) if any image has
colour, grey (1) if none does (an RGB file whose three channels are equal is grey); a transparent
pixel becomes white (as image viewers show it). All are resized to one size: the size asked for,
else the most common size among the images, shrunk to fit 64×64 if larger. Normalisation: each
channel's mean and standard deviation over the training images.

Files whose names do not end in an image extension (README.txt, .DS_Store) are left out, and
counted in the log. A file with an image extension that Pillow cannot read, or that is truncated,
stops the load: one line naming it (and how many more there are). Skipping it instead would
quietly change what the network learns (a class's size, the test set); deleting a named file
is one command. Every other problem (no images, one class, an empty class folder, over 100
classes, test classes that differ from the training ones, too many pixels) is one line too.

Decoding a big folder takes a while (a progress bar shows it), so the decoded arrays are cached
in the user cache (imagecache.py), keyed by every file's path, size and modification time and
the options: the second start reads the cache.
"""
from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import imagecache
from .data import DataError, Dataset
from .dataformat import MAX_CLASSES, MIN_CLASSES, DataFormat, FormatError
from .imagedecode import channel_stats, common_size, decode_all, is_grey

EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".ppm", ".pgm", ".pbm", ".tif", ".tiff", ".webp")
TEST_FOLDERS = ("test", "val")       # DIR/train's partner, in order of preference
HELD_OUT = 6                         # DIR/<class>/ layout: 1 in HELD_OUT images of each class is a test image
SPLIT_SEED = 0
MAX_VALUES = 200_000_000             # all images' values at the dataset's size (4 bytes each once normalised)


@dataclass(frozen=True)
class Listing:
    """What the folder holds: the classes, each split's files in order as (path, label, size,
    modification time in ns), and how many files were left out."""
    root: Path
    classes: tuple[str, ...]
    train: tuple[tuple[str, int, int, int], ...]
    test: tuple[tuple[str, int, int, int], ...] | None      # None: held out from train
    ignored: int                                            # files without an image extension


def load_image_folder(folder: Path, image_size: tuple[int, int] | None = None, log=None,
                      progress: bool = False, accept=None) -> Dataset:
    """The Dataset in `folder` (layout above), at image_size (H, W) if given. accept(format) may
    refuse it (raising) before it is cached or described in the log."""
    log = log or (lambda message: None)
    accept = accept or (lambda fmt: None)
    listing = scan(Path(folder))
    key, stem = imagecache.key_of(listing, image_size)
    cached = imagecache.read(key, stem, listing, log)
    if cached is not None:
        accept(cached.format)
        _describe(cached, listing, log, cached=True)
        return cached
    files = listing.train + (listing.test or ())
    size = image_size or common_size(files, listing.root)
    h, w = size
    if len(files) * 3 * h * w > MAX_VALUES:
        raise DataError(f"{listing.root}: {len(files):,} images of {h}×{w} are too many to hold "
                        f"({len(files) * 3 * h * w:,} values; at most {MAX_VALUES:,}): use a smaller --image-size "
                        "or fewer images")
    images = decode_all(files, listing.root, (h, w), progress)
    grey = all(is_grey(image) for image in images)
    stack = np.stack([image[..., 0] if grey else image for image in images])
    labels = np.array([label for _, label, *_ in files], np.uint8)
    n_train = len(listing.train)
    if listing.test is None:
        train_idx, test_idx = held_out(labels, len(listing.classes))
    else:
        train_idx, test_idx = np.arange(n_train), np.arange(n_train, len(files))
    rng = np.random.default_rng(SPLIT_SEED)          # classes mixed, as in MNIST's files: --subset N
    train_idx, test_idx = rng.permutation(train_idx), rng.permutation(test_idx)      # takes all classes
    train, test = stack[train_idx], stack[test_idx]
    try:
        fmt = DataFormat(1 if grey else 3, h, w, listing.classes, *channel_stats(train))
    except FormatError as e:            # a class folder's name that cannot be a class name, …
        raise DataError(f"{listing.root}: {e}") from None
    dataset = Dataset(train, labels[train_idx], test, labels[test_idx], listing.root, fmt)
    accept(fmt)
    imagecache.write(key, stem, dataset, log)
    _describe(dataset, listing, log, cached=False)
    return dataset


# ----------------------------------------------------------------------------- the folder

def scan(folder: Path) -> Listing:
    """The classes and files of `folder`, or a DataError saying what is wrong with its layout."""
    if not folder.is_dir():
        raise DataError(f"{folder}: data folder not found")
    train_dir = folder / "train"
    if train_dir.is_dir():
        test_dir = next((folder / name for name in TEST_FOLDERS if (folder / name).is_dir()), None)
        classes, train, ignored = _classes_and_files(train_dir)
        test = None
        if test_dir is not None:
            test_classes, test, more = _classes_and_files(test_dir)
            ignored += more
            if test_classes != classes:
                raise DataError(_class_difference(train_dir, classes, test_dir, test_classes))
        return Listing(folder, classes, train, test, ignored)
    classes, train, ignored = _classes_and_files(folder)
    counts = Counter(label for _, label, *_ in train)
    few = [c for label, c in enumerate(classes) if counts[label] < 2]
    if few:
        raise DataError(f"{folder / few[0]}: one image; a class needs at least 2 here (1 in {HELD_OUT} of each "
                        f"class is held out as the test set), or give {folder}/train/ and {folder}/test/")
    return Listing(folder, classes, train, None, ignored)


def _subfolders(folder: Path) -> list[str]:
    try:
        return sorted(e.name for e in os.scandir(folder) if e.is_dir() and not e.name.startswith("."))
    except OSError as e:
        raise DataError(f"{folder}: cannot read the folder ({e.strerror})") from None


def _classes_and_files(folder: Path):
    """(class names, ((path, label, size, mtime), …), files ignored) of one split folder."""
    names = _subfolders(folder)
    loose = [f for f in _files(str(folder), recursive=False) if _is_image(f[0])]
    if not names:
        what = f"{len(loose)} images but" if loose else "no images and"
        raise DataError(f"{folder}: {what} no class folders; put each class's images in a folder of its own "
                        f"({folder}/<class>/…, or {folder}/train/<class>/… and {folder}/test/<class>/…)")
    if len(names) > MAX_CLASSES:
        raise DataError(f"{folder}: {len(names)} class folders; at most {MAX_CLASSES} classes")
    files, ignored = [], 0
    for label, name in enumerate(names):
        found = _files(str(folder / name), recursive=True)
        images = sorted(f for f in found if _is_image(f[0]))
        ignored += len(found) - len(images)
        if not images:
            raise DataError(f"{folder / name}: no images in this class folder (looked for "
                            f"{', '.join(EXTENSIONS)})")
        files += [(path, label, size, mtime) for path, size, mtime in images]
    if len(names) < MIN_CLASSES:
        raise DataError(f"{folder}: only one class ({names[0]}); a network needs at least {MIN_CLASSES} "
                        f"classes to tell apart, each in a folder of its own")
    if loose:
        ignored += len(loose)
    return tuple(names), tuple(files), ignored


def _is_image(path: str) -> bool:
    return os.path.splitext(path)[1].lower() in EXTENSIONS


def _files(folder: str, recursive: bool) -> list[tuple[str, int, int]]:
    """(path, size, modification time in ns) of the visible files in folder (and, if recursive,
    its visible sub-folders, links followed): plain strings and scandir, quick on 100,000 files."""
    out, todo = [], [folder]
    try:
        while todo:
            with os.scandir(todo.pop()) as entries:
                for e in entries:
                    if e.name.startswith("."):
                        continue
                    if e.is_dir():
                        if recursive:
                            todo.append(e.path)
                    elif e.is_file():
                        st = e.stat()
                        out.append((e.path, st.st_size, st.st_mtime_ns))
    except OSError as e:
        raise DataError(f"{e.filename or folder}: cannot read the folder ({e.strerror})") from None
    return out


def _class_difference(train_dir: Path, train: tuple, test_dir: Path, test: tuple) -> str:
    only_train = [c for c in train if c not in test]
    only_test = [c for c in test if c not in train]
    parts = ([f"{test_dir} has no {_few(only_train)}"] if only_train else []) + \
            ([f"{train_dir} has no {_few(only_test)}"] if only_test else [])
    return "the test classes differ from the training classes: " + "; ".join(parts)


def _few(names: list[str]) -> str:
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def held_out(labels: np.ndarray, classes: int) -> tuple[np.ndarray, np.ndarray]:
    """(train indices, test indices): 1 in HELD_OUT of each class (at least one) to the test set,
    drawn by SPLIT_SEED; both sorted. A class of one image cannot be split (DataError)."""
    rng = np.random.default_rng(SPLIT_SEED)
    train, test = [], []
    for c in range(classes):
        idx = np.flatnonzero(labels == c)
        idx = idx[rng.permutation(len(idx))]
        k = max(1, round(len(idx) / HELD_OUT))
        test.append(idx[:k])
        train.append(idx[k:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def _describe(dataset: Dataset, listing: Listing, log, cached: bool) -> None:
    fmt = dataset.format
    split = ("its test set is test/" if listing.test is not None and (listing.root / "test").is_dir()
             else "its test set is val/" if listing.test is not None
             else f"1 in {HELD_OUT} images of each class held out as the test set (split by seed {SPLIT_SEED})")
    log(f"data: {listing.root}: {len(dataset.train_labels):,} training and {len(dataset.test_labels):,} test "
        f"images, {fmt.describe()} ({', '.join(fmt.classes[:8])}{', …' if fmt.n_classes > 8 else ''}); {split}"
        + (f"; {listing.ignored} files without an image extension left out" if listing.ignored else "")
        + ("; decoded images read from the cache" if cached else ""))
