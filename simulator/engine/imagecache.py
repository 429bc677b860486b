"""The decoded pictures of a folder, kept in the user cache (paths.data_cache_dir()) so that a
second start does not decode them again. The key is every file's path, size and modification
time, the layout, the size asked for, this reader's and Pillow's versions; the file is written
atomically, and an older copy of the same folder is removed. A damaged copy is decoded again
and replaced; a cache that cannot be written is a note, not an error.
"""
from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import numpy as np

from .. import paths
from .data import Dataset
from .dataformat import DataFormat
from .imagedecode import one_line

CACHE_VERSION = 2                    # 2: each split in one shuffled order


def key_of(listing, image_size) -> tuple[str, str]:
    """(key of these files and options, stem naming the folder): every file's path, size and
    modification time, the layout, the size asked for, this reader's and Pillow's versions."""
    import PIL
    h = hashlib.sha256()
    h.update(json.dumps([CACHE_VERSION, PIL.__version__, list(image_size) if image_size else None,
                         listing.classes, listing.test is None]).encode())
    start = len(str(listing.root)) + 1                  # paths relative to the folder: a moved folder keeps its key
    for split in (listing.train, listing.test or ()):
        h.update(b"|split|")
        h.update("".join(f"{path[start:]}\0{label}\0{size}\0{mtime}\n" for path, label, size, mtime in split)
                 .encode("utf-8", "surrogateescape"))
    stem = hashlib.sha256(str(listing.root.resolve()).encode()).hexdigest()[:12]
    return h.hexdigest()[:32], stem


def _path(key: str, stem: str) -> Path:
    return paths.data_cache_dir() / f"{stem}-{key}.npz"


def read(key: str, stem: str, listing, log) -> Dataset | None:
    path = _path(key, stem)
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
        log(f"note: the cached copy {path} is damaged ({one_line(e)}); decoding the images again")
        return None
    return Dataset(arrays["train_images"], arrays["train_labels"], arrays["test_images"],
                   arrays["test_labels"], listing.root, fmt)


def write(key: str, stem: str, dataset: Dataset, log) -> None:
    """The decoded arrays into the cache (atomically), replacing older copies of the folder; a
    cache that cannot be written is a note, not an error."""
    from .checkpoint import atomic_write
    path = _path(key, stem)
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
