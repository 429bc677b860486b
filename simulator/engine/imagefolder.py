"""A folder of images as a Dataset, in the layout torchvision's ImageFolder reads:

    DIR/train/<class>/*.png|jpg|…  and  DIR/test/<class>/…   (or DIR/val/ for the test set)
    DIR/<class>/…                  then 1/6 of each class is held out as the test set
                                   (chosen by seed SPLIT_SEED, the same in every run)

The classes are the folder names, sorted; images may sit in sub-folders of a class folder. Each
split's images are kept in one shuffled order (seed SPLIT_SEED), the classes mixed as in MNIST's
files, so the first N (--subset N) hold every class. Every
image is decoded with Pillow and made the dataset's mode: colour (3 channels) if any image has
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
in the user cache (paths.data_cache_dir()), keyed by every file's path, size and modification time
and the options; the cache file is written atomically, and an older one of the same folder is
removed. The second start reads the cache.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import sys
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import paths
from .data import DataError, Dataset
from .dataformat import MAX_CLASSES, MAX_SIZE, MIN_CLASSES, MIN_SIZE, DataFormat, FormatError

EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".ppm", ".pgm", ".pbm", ".tif", ".tiff", ".webp")
TEST_FOLDERS = ("test", "val")       # DIR/train's partner, in order of preference
HELD_OUT = 6                         # DIR/<class>/ layout: 1 in HELD_OUT images of each class is a test image
SPLIT_SEED = 0
MAX_IMAGE_PIXELS = 50_000_000        # one picture (as the rgb lesson): beyond it a file is refused, not decoded
MAX_VALUES = 200_000_000             # all images' values at the dataset's size (4 bytes each once normalised)
PROGRESS_FROM = 200                  # images: a progress bar from this many
CACHE_VERSION = 1


@dataclass(frozen=True)
class Listing:
    """What the folder holds: the classes, each split's (path, label) in order, and notes."""
    root: Path
    classes: tuple[str, ...]
    train: tuple[tuple[Path, int], ...]
    test: tuple[tuple[Path, int], ...] | None      # None: held out from train
    ignored: int                                   # files without an image extension


def load_image_folder(folder: Path, image_size: tuple[int, int] | None = None, log=None,
                      progress: bool = False, accept=None) -> Dataset:
    """The Dataset in `folder` (layout above), at image_size (H, W) if given. accept(format) may
    refuse it (raising) before it is cached or described in the log."""
    log = log or (lambda message: None)
    accept = accept or (lambda fmt: None)
    listing = scan(Path(folder))
    key, stem = _cache_key(listing, image_size)
    cached = _read_cache(key, stem, listing, log)
    if cached is not None:
        accept(cached.format)
        _describe(cached, listing, log, cached=True)
        return cached
    files = listing.train + (listing.test or ())
    size = image_size or _common_size(files, listing.root)
    h, w = size
    if len(files) * 3 * h * w > MAX_VALUES:
        raise DataError(f"{listing.root}: {len(files):,} images of {h}×{w} are too many to hold "
                        f"({len(files) * 3 * h * w:,} values; at most {MAX_VALUES:,}): use a smaller --image-size "
                        "or fewer images")
    images = _decode_all(files, listing.root, (h, w), progress)
    grey = all(_is_grey(image) for image in images)
    stack = np.stack([image[..., 0] if grey else image for image in images])
    labels = np.array([label for _, label in files], np.uint8)
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
    _write_cache(key, stem, dataset, log)
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
    counts = Counter(label for _, label in train)
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
    """(class names, ((path, label), …), files ignored) of one split folder."""
    names = _subfolders(folder)
    loose = [p for p in _files(folder, recursive=False) if p.suffix.lower() in EXTENSIONS]
    if not names:
        what = f"{len(loose)} images but" if loose else "no images and"
        raise DataError(f"{folder}: {what} no class folders; put each class's images in a folder of its own "
                        f"({folder}/<class>/…, or {folder}/train/<class>/… and {folder}/test/<class>/…)")
    if len(names) > MAX_CLASSES:
        raise DataError(f"{folder}: {len(names)} class folders; at most {MAX_CLASSES} classes")
    files, ignored = [], 0
    for label, name in enumerate(names):
        found = _files(folder / name, recursive=True)
        images = sorted((p for p in found if p.suffix.lower() in EXTENSIONS), key=lambda p: str(p))
        ignored += len(found) - len(images)
        if not images:
            raise DataError(f"{folder / name}: no images in this class folder (looked for "
                            f"{', '.join(EXTENSIONS)})")
        files += [(p, label) for p in images]
    if len(names) < MIN_CLASSES:
        raise DataError(f"{folder}: only one class ({names[0]}); a network needs at least {MIN_CLASSES} "
                        f"classes to tell apart, each in a folder of its own")
    if loose:
        ignored += len(loose)
    return tuple(names), tuple(files), ignored


def _files(folder: Path, recursive: bool) -> list[Path]:
    """The visible files in folder (and its visible sub-folders if recursive)."""
    out = []
    try:
        if not recursive:
            return [Path(e.path) for e in os.scandir(folder) if e.is_file() and not e.name.startswith(".")]
        for top, dirs, names in os.walk(folder, followlinks=True):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            out += [Path(top) / n for n in names if not n.startswith(".")]
    except OSError as e:
        raise DataError(f"{folder}: cannot read the folder ({e.strerror})") from None
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


# ----------------------------------------------------------------------------- decoding

def _open(path: Path):
    """Pillow's lazy image (header read, pixels not yet), or a DataError naming the file."""
    from PIL import Image
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image = Image.open(path)
    except Exception as e:                       # a file Pillow cannot identify, or cannot read
        raise DataError(f"{path}: not an image Pillow can read ({_one_line(e)})") from None
    w, h = image.size
    if w * h > MAX_IMAGE_PIXELS or w < 1 or h < 1:
        image.close()
        raise DataError(f"{path}: {w}×{h} pixels; a picture may have at most {MAX_IMAGE_PIXELS:,}")
    return image


def _common_size(files, root: Path) -> tuple[int, int]:
    """The most common (H, W) among the images (read from their headers), shrunk to fit
    MAX_SIZE×MAX_SIZE keeping its shape; a file that does not open stops here."""
    sizes, bad = Counter(), []
    for path, _ in files:
        try:
            with _open(path) as image:
                sizes[image.size[::-1]] += 1
        except DataError as e:
            bad.append(str(e))
    _refuse(bad)
    (h, w), _ = max(sizes.items(), key=lambda item: (item[1], item[0][0] * item[0][1]))
    scale = min(1.0, MAX_SIZE / max(h, w))
    h, w = max(1, round(h * scale)), max(1, round(w * scale))
    if min(h, w) < MIN_SIZE:
        raise DataError(f"{root}: the images are mostly {h}×{w}; at least {MIN_SIZE}×{MIN_SIZE} is needed "
                        f"(or give --image-size)")
    return h, w


def _decode_all(files, root: Path, size: tuple[int, int], progress: bool) -> list[np.ndarray]:
    from tqdm import tqdm
    out, bad = [], []
    bar = tqdm(files, desc=f"decoding {root.name or root}", unit="image", file=sys.stderr, leave=False,
               disable=not progress or len(files) < PROGRESS_FROM, dynamic_ncols=True)
    for path, _ in bar:
        try:
            out.append(decode(path, size))
        except DataError as e:
            bad.append(str(e))
    bar.close()
    _refuse(bad)
    return out


def decode(path: Path, size: tuple[int, int]) -> np.ndarray:
    """One file → uint8 [H, W, 3] at size (H, W): Pillow decodes it (a truncated or damaged file
    is a DataError naming it), converts it to RGB (16-bit grey scaled to 8 bits, transparency
    over white) and resizes it (bilinear, antialiased when shrinking)."""
    from PIL import Image
    h, w = size
    image = _open(path)
    try:
        with image, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if image.format == "JPEG":
                image.draft("RGB", (w, h))          # JPEG can decode at 1/2, 1/4, 1/8 scale: faster
            image.load()
            rgb = _to_rgb(image)
            if rgb.size != (w, h):
                rgb = rgb.resize((w, h), Image.Resampling.BILINEAR)
            return np.asarray(rgb, np.uint8).copy()
    except DataError:
        raise
    except Exception as e:                          # truncated, damaged, an unsupported variant …
        raise DataError(f"{path}: cannot decode this image ({_one_line(e)})") from None


def _to_rgb(image):
    from PIL import Image
    mode = image.mode
    if mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        a = np.asarray(image, np.float64)
        a = a / 257.0 if mode != "F" and a.max(initial=0) > 255 else a
        image = Image.fromarray(np.clip(np.rint(a), 0, 255).astype(np.uint8), "L")
        mode = "L"
    if mode == "P" and "transparency" in image.info or mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def _is_grey(image: np.ndarray) -> bool:
    return bool((image[..., 0] == image[..., 1]).all() and (image[..., 1] == image[..., 2]).all())


def _refuse(bad: list[str]) -> None:
    if bad:
        more = f" (and {len(bad) - 1} more file{'s' if len(bad) > 2 else ''} like it: fix or delete them)" \
            if len(bad) > 1 else " (fix or delete it)"
        raise DataError(bad[0] + more)


def channel_stats(images: np.ndarray) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Per channel, the mean and standard deviation of images/255 (uint8 [N,H,W] or [N,H,W,C])."""
    x = images[..., None] if images.ndim == 3 else images
    c = x.shape[-1]
    flat = x.reshape(-1, c)
    sums = np.zeros(c, np.float64)
    squares = np.zeros(c, np.float64)
    for start in range(0, len(flat), 1 << 22):          # in blocks: no float copy of the whole set
        block = flat[start:start + (1 << 22)].astype(np.float64)
        sums += block.sum(axis=0)
        squares += (block * block).sum(axis=0)
    n = max(1, len(flat))
    mean = sums / n
    std = np.sqrt(np.maximum(squares / n - mean * mean, 0.0))
    return (tuple(round(float(m) / 255.0, 6) for m in mean),
            tuple(max(0.001, round(float(s) / 255.0, 6)) for s in std))


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split()) or e.__class__.__name__
    return text[:160]


# ----------------------------------------------------------------------------- the cache

def _cache_key(listing: Listing, image_size) -> tuple[str, str]:
    """(key of these files and options, stem naming the folder): every file's path, size and
    modification time, the layout, the size asked for, this reader's and Pillow's versions."""
    import PIL
    h = hashlib.sha256()
    h.update(json.dumps([CACHE_VERSION, PIL.__version__, list(image_size) if image_size else None,
                         listing.classes, listing.test is None]).encode())
    for split in (listing.train, listing.test or ()):
        h.update(b"|split|")
        for path, label in split:
            try:
                st = path.stat()
            except OSError as e:
                raise DataError(f"{path}: cannot read the file ({e.strerror})") from None
            h.update(f"{path.relative_to(listing.root)}\0{label}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    stem = hashlib.sha256(str(listing.root.resolve()).encode()).hexdigest()[:12]
    return h.hexdigest()[:32], stem


def _cache_path(key: str, stem: str) -> Path:
    return paths.data_cache_dir() / f"{stem}-{key}.npz"


def _read_cache(key: str, stem: str, listing: Listing, log) -> Dataset | None:
    path = _cache_path(key, stem)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(z["meta"].tobytes().decode())
            fmt = DataFormat.from_dict(meta["format"])
            arrays = {k: z[k] for k in ("train_images", "train_labels", "test_images", "test_labels")}
        shape = (fmt.height, fmt.width) + ((3,) if fmt.colour else ())
        ok = all(arrays[f"{s}_images"].shape[1:] == shape and arrays[f"{s}_images"].dtype == np.uint8
                 and len(arrays[f"{s}_images"]) == len(arrays[f"{s}_labels"]) for s in ("train", "test"))
        ok = ok and fmt.classes == listing.classes and all(
            int(arrays[f"{s}_labels"].max(initial=0)) < fmt.n_classes for s in ("train", "test"))
        if not ok:
            raise ValueError("shapes do not match")
    except Exception as e:                 # a damaged cache file is decoded again, and replaced
        log(f"note: the cached copy {path} is damaged ({_one_line(e)}); decoding the images again")
        return None
    return Dataset(arrays["train_images"], arrays["train_labels"], arrays["test_images"],
                   arrays["test_labels"], listing.root, fmt)


def _write_cache(key: str, stem: str, dataset: Dataset, log) -> None:
    """The decoded arrays into the cache (atomically), replacing older copies of the folder; a
    cache that cannot be written is a note, not an error."""
    from .checkpoint import atomic_write
    path = _cache_path(key, stem)
    meta = np.frombuffer(json.dumps({"format": dataset.format.as_dict()}).encode(), np.uint8)
    arrays = {"train_images": dataset.train_images, "train_labels": dataset.train_labels,
              "test_images": dataset.test_images, "test_labels": dataset.test_labels, "meta": meta}
    try:
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        atomic_write(path, lambda f: f.write(buf.getbuffer()))
        for old in path.parent.glob(f"{stem}-*.npz"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as e:
        log(f"note: could not cache the decoded images in {path.parent} ({e.strerror or e}); "
            "the next start decodes them again")


def _describe(dataset: Dataset, listing: Listing, log, cached: bool) -> None:
    fmt = dataset.format
    split = ("its test set is test/" if listing.test is not None and (listing.root / "test").is_dir()
             else "its test set is val/" if listing.test is not None
             else f"1 in {HELD_OUT} images of each class held out as the test set (split by seed {SPLIT_SEED})")
    log(f"data: {listing.root}: {len(dataset.train_labels):,} training and {len(dataset.test_labels):,} test "
        f"images, {fmt.describe()} ({', '.join(fmt.classes[:8])}{', …' if fmt.n_classes > 8 else ''}); {split}"
        + (f"; {listing.ignored} files without an image extension left out" if listing.ignored else "")
        + ("; decoded images read from the cache" if cached else ""))
