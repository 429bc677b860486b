"""Folders of images (imagefolder.py), built on the fly: colour, grey, mixed modes, sizes and
layouts; the cache; and every refusal, each one line naming the folder or file."""
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from simulator.engine import imagefolder
from simulator.engine.data import DataError, load_dataset, normalise
from simulator.engine.dataformat import MAX_CLASSES


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    """Every test gets an empty user cache of its own (hidden: a folder read as data skips it)."""
    monkeypatch.setenv("CNN_SIMULATOR_CACHE", str(tmp_path / ".cache"))
    return tmp_path / ".cache"


def write(folder: Path, pictures: dict, fmt="png") -> dict:
    """{class: [uint8 array HxW or HxWx3 (or a PIL image)]} → folder/class/NNN.fmt; returns the arrays."""
    for name, images in pictures.items():
        (folder / name).mkdir(parents=True, exist_ok=True)
        for i, image in enumerate(images):
            picture = image if isinstance(image, Image.Image) else Image.fromarray(image)
            picture.save(folder / name / f"{i:03d}.{fmt}")
    return pictures


def rng_images(seed, n, shape):
    return list(np.random.default_rng(seed).integers(0, 256, (n, *shape), dtype=np.uint8))


def test_colour_train_and_test_folders_read_exactly(tmp_path):
    train = write(tmp_path / "d" / "train", {"dog": rng_images(0, 4, (12, 10, 3)), "cat": rng_images(1, 3, (12, 10, 3))})
    test = write(tmp_path / "d" / "test", {"dog": rng_images(2, 2, (12, 10, 3)), "cat": rng_images(3, 1, (12, 10, 3))})
    notes = []
    ds = load_dataset(tmp_path / "d", log=notes.append)
    fmt = ds.format
    assert (fmt.channels, fmt.height, fmt.width, fmt.classes) == (3, 12, 10, ("cat", "dog"))   # sorted names
    assert ds.train_images.shape == (7, 12, 10, 3) and ds.test_images.shape == (3, 12, 10, 3)
    for images, labels, written in ((ds.train_images, ds.train_labels, train), (ds.test_images, ds.test_labels, test)):
        got = sorted((int(label), image.tobytes()) for image, label in zip(images, labels))
        want = sorted((label, image.tobytes()) for label, name in enumerate(("cat", "dog")) for image in written[name])
        assert got == want                                            # every picture exactly (PNG is lossless)
    assert ds.train_labels.tolist() != sorted(ds.train_labels.tolist())       # classes mixed, not one after another
    x = ds.train_images.reshape(-1, 3) / 255.0                       # per-channel statistics of the training set
    np.testing.assert_allclose(fmt.mean, x.mean(axis=0), atol=1e-6)
    np.testing.assert_allclose(fmt.std, x.std(axis=0), atol=1e-6)
    assert len(notes) == 1 and "test/" in notes[0] and "3×12×10 colour images in 2 classes" in notes[0]
    z = normalise(ds.train_images, fmt=fmt)                          # NCHW, each channel centred and scaled
    assert z.shape == (7, 3, 12, 10)
    np.testing.assert_allclose(z.mean(axis=(0, 2, 3)), 0, atol=1e-4)
    np.testing.assert_allclose(z.std(axis=(0, 2, 3)), 1, atol=1e-4)


def test_grey_class_folders_hold_out_one_in_six_by_seed(tmp_path):
    write(tmp_path, {c: rng_images(i, 12, (8, 8)) for i, c in enumerate("abc")})
    notes = []
    ds = load_dataset(tmp_path, log=notes.append)
    assert ds.format.channels == 1 and ds.train_images.shape[1:] == (8, 8)
    assert np.bincount(ds.test_labels).tolist() == [2, 2, 2] and np.bincount(ds.train_labels).tolist() == [10, 10, 10]
    assert "held out" in notes[0] and f"seed {imagefolder.SPLIT_SEED}" in notes[0]
    everything = {bytes(im) for im in np.concatenate([ds.train_images, ds.test_images])}
    assert len(everything) == 36                                      # every image once, in one split
    again = imagefolder.held_out(np.repeat(np.arange(3), 12).astype(np.uint8), 3)
    assert all(np.array_equal(a, b) for a, b in zip(again, imagefolder.held_out(np.repeat(np.arange(3), 12), 3)))


def test_mixed_modes_make_a_colour_set_and_grey_rgb_a_grey_one(tmp_path):
    grey = rng_images(0, 2, (6, 6))
    colour = rng_images(1, 1, (6, 6, 3))
    rgba = np.zeros((6, 6, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[:3, :, 3] = 255                                              # top half opaque red, bottom transparent
    palette = Image.fromarray(colour[0]).convert("P")
    write(tmp_path / "mixed", {"a": [grey[0], Image.fromarray(grey[1]).convert("1")],
                               "b": [colour[0], Image.fromarray(rgba, "RGBA"), palette]})
    ds = load_dataset(tmp_path / "mixed")
    assert ds.format.channels == 3
    images = np.concatenate([ds.train_images, ds.test_images])
    labels = np.concatenate([ds.train_labels, ds.test_labels])
    # the grey picture became three equal planes; transparency is white; the opaque half is red
    assert any(np.array_equal(im, np.repeat(grey[0][..., None], 3, axis=2)) for im in images[labels == 0])
    assert any((im[:3] == (200, 0, 0)).all() and (im[3:] == 255).all() for im in images[labels == 1])
    write(tmp_path / "greyrgb", {"a": [np.repeat(g[..., None], 3, axis=2) for g in grey],
                                 "b": [Image.fromarray(g).convert("RGB") for g in rng_images(2, 2, (6, 6))]})
    assert load_dataset(tmp_path / "greyrgb").format.channels == 1     # RGB files with equal planes are grey


def test_sizes_most_common_wins_or_the_one_asked_for(tmp_path):
    write(tmp_path, {"a": rng_images(0, 3, (10, 14, 3)) + rng_images(1, 1, (20, 20, 3)),
                     "b": rng_images(2, 2, (10, 14, 3))})
    ds = load_dataset(tmp_path)
    assert ds.format.input_shape == (3, 10, 14)
    assert ds.train_images.shape[1:] == (10, 14, 3)
    assert load_dataset(tmp_path, image_size=(16, 8)).format.input_shape == (3, 16, 8)
    big = tmp_path / "big"
    write(big, {"a": rng_images(0, 2, (200, 100)), "b": rng_images(1, 2, (200, 100))})
    assert load_dataset(big).format.input_shape == (1, 64, 32)          # shrunk to fit 64×64, shape kept


def test_jpeg_and_other_extensions_and_ignored_files(tmp_path):
    write(tmp_path, {"a": rng_images(0, 2, (16, 16, 3))}, fmt="jpg")
    write(tmp_path, {"b": rng_images(1, 2, (16, 16, 3))}, fmt="bmp")
    (tmp_path / "a" / "README.txt").write_text("not a picture")
    (tmp_path / "b" / ".DS_Store").write_bytes(b"\0\1")
    notes = []
    ds = load_dataset(tmp_path, log=notes.append)
    assert ds.format.classes == ("a", "b") and len(ds.train_labels) + len(ds.test_labels) == 4
    assert "1 files without an image extension left out" in notes[0]


def test_second_load_reads_the_cache_and_a_changed_file_is_read_again(tmp_path, cache, monkeypatch):
    write(tmp_path / "d", {"a": rng_images(0, 3, (8, 8, 3)), "b": rng_images(1, 3, (8, 8, 3))})
    first = load_dataset(tmp_path / "d")
    files = list((cache / "datasets").iterdir())
    assert len(files) == 1 and files[0].suffix == ".npz"             # one file, no temp files left
    from simulator.engine import imagedecode
    monkeypatch.setattr(imagedecode, "decode", lambda *a: pytest.fail("decoded although cached"))
    notes = []
    second = load_dataset(tmp_path / "d", log=notes.append)
    assert "from the cache" in notes[0] and second.format == first.format
    for key in ("train_images", "train_labels", "test_images", "test_labels"):
        np.testing.assert_array_equal(getattr(second, key), getattr(first, key))
    monkeypatch.undo()
    monkeypatch.setenv("CNN_SIMULATOR_CACHE", str(cache))
    new = np.full((8, 8, 3), 7, np.uint8)
    Image.fromarray(new).save(tmp_path / "d" / "a" / "000.png")
    os.utime(tmp_path / "d" / "a" / "000.png", ns=(1, 1))             # another mtime (and here other bytes)
    third = load_dataset(tmp_path / "d")
    assert any(np.array_equal(im, new) for im in np.concatenate([third.train_images, third.test_images]))
    assert len(list((cache / "datasets").iterdir())) == 1             # the old copy of this folder was replaced


def test_a_damaged_or_unwritable_cache_is_a_note_not_an_error(tmp_path, cache):
    write(tmp_path / "d", {"a": rng_images(0, 2, (8, 8)), "b": rng_images(1, 2, (8, 8))})
    good = load_dataset(tmp_path / "d")
    (entry,) = (cache / "datasets").iterdir()
    entry.write_bytes(entry.read_bytes()[:100])
    notes = []
    again = load_dataset(tmp_path / "d", log=notes.append)
    assert "damaged" in notes[0]
    np.testing.assert_array_equal(again.train_images, good.train_images)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    os.environ["CNN_SIMULATOR_CACHE"] = str(blocker / "cache")      # a cache that cannot be made (even as root)
    notes = []
    third = load_dataset(tmp_path / "d", log=notes.append)
    assert any("could not cache" in n for n in notes)
    np.testing.assert_array_equal(third.train_images, good.train_images)


def _refused(path, *words, **kwargs):
    with pytest.raises(DataError) as err:
        load_dataset(path, **kwargs)
    message = str(err.value)
    assert "\n" not in message, message
    for word in words:
        assert str(word) in message, (word, message)
    return message


def test_every_bad_folder_is_one_line(tmp_path, cache):
    (tmp_path / "empty").mkdir()
    _refused(tmp_path / "empty", "no images and no class folders")
    loose = tmp_path / "loose"
    loose.mkdir()
    Image.fromarray(rng_images(0, 1, (8, 8))[0]).save(loose / "x.png")
    _refused(loose, "1 images but no class folders")
    write(tmp_path / "one", {"only": rng_images(0, 3, (8, 8))})
    _refused(tmp_path / "one", "only one class (only)")
    write(tmp_path / "hollow", {"a": rng_images(0, 3, (8, 8))})
    (tmp_path / "hollow" / "b").mkdir()
    _refused(tmp_path / "hollow", tmp_path / "hollow" / "b", "no images in this class folder")
    write(tmp_path / "single", {"a": rng_images(0, 3, (8, 8)), "b": rng_images(1, 1, (8, 8))})
    _refused(tmp_path / "single", tmp_path / "single" / "b", "at least 2")
    many = tmp_path / "many"
    for i in range(MAX_CLASSES + 1):
        (many / f"c{i:03d}").mkdir(parents=True)
    _refused(many, f"{MAX_CLASSES + 1} class folders", f"at most {MAX_CLASSES}")
    write(tmp_path / "split" / "train", {"a": rng_images(0, 2, (8, 8)), "b": rng_images(1, 2, (8, 8))})
    write(tmp_path / "split" / "test", {"a": rng_images(2, 1, (8, 8)), "c": rng_images(3, 1, (8, 8))})
    _refused(tmp_path / "split", "test classes differ", "has no b", "has no c")
    assert not cache.exists()                                        # nothing was written for any of them


def test_a_file_that_is_not_an_image_or_is_truncated_is_named(tmp_path, cache):
    write(tmp_path / "d", {"a": rng_images(0, 3, (16, 16, 3)), "b": rng_images(1, 3, (16, 16, 3))})
    fake = tmp_path / "d" / "a" / "zz.png"
    fake.write_text("this is text, not a PNG")
    _refused(tmp_path / "d", fake, "not an image", "fix or delete it")
    fake.unlink()
    victim = tmp_path / "d" / "b" / "001.png"
    victim.write_bytes(victim.read_bytes()[:60])
    other = tmp_path / "d" / "b" / "002.png"
    other.write_bytes(other.read_bytes()[:70])
    _refused(tmp_path / "d", victim, "and 1 more file like it")
    assert not cache.exists()


def test_class_names_that_cannot_be_names_are_refused(tmp_path):
    write(tmp_path, {"a" * 101: rng_images(0, 2, (8, 8)), "b": rng_images(1, 2, (8, 8))})
    _refused(tmp_path, "class names")


def test_mnist_written_as_pngs_in_named_folders_reads_back_as_the_idx_files(tmp_path):
    """The Fashion-MNIST check in small (benchmarks --write-pngs): IDX digits as grey PNGs in 10
    named folders read back as the same pictures with the same labels, 1×28×28 in 10 classes."""
    from benchmarks.folder_accuracy import write_pngs
    from test_data import write_dataset
    idx = tmp_path / "idx"
    idx.mkdir()
    arrays = write_dataset(idx, n_train=60, n_test=20, seed=3)
    names = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    write_pngs(idx, tmp_path / "png", names)
    ds = load_dataset(tmp_path / "png")
    assert ds.format.input_shape == (1, 28, 28) and ds.format.classes == tuple(sorted(names))
    for split in ("train", "test"):
        images, labels = getattr(ds, f"{split}_images"), getattr(ds, f"{split}_labels")
        got = sorted((ds.format.classes[label], im.tobytes()) for im, label in zip(images, labels))
        want = sorted((names[label], im.astype(np.uint8).tobytes())
                      for im, label in zip(arrays[f"{split}_images"], arrays[f"{split}_labels"]))
        assert got == want
