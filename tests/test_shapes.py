"""The generated colour set (`--data shapes`): its grey copy cannot tell the colours apart (pixel
for pixel the same grey picture whatever the colour), it is written once into the user cache as
a normal image folder, and read back exactly."""
import os

import numpy as np
import pytest
from PIL import Image

from simulator.engine import shapes
from simulator.engine.data import load_dataset


@pytest.fixture
def small(tmp_path, monkeypatch):
    """A small generated set in an empty cache."""
    monkeypatch.setenv("CNN_SIMULATOR_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(shapes, "COUNTS", {"train": 5, "test": 2})
    return tmp_path / "cache" / "shapes"


@pytest.mark.parametrize("shape", shapes.SHAPES)
def test_the_grey_copy_is_the_same_whatever_the_colour(shape):
    for seed in range(60):
        rgbs = {c: shapes.render(np.random.default_rng(seed), shape, c) for c in shapes.COLOURS}
        greys = {c: np.asarray(Image.fromarray(rgb).convert("L")) for c, (rgb, _) in rgbs.items()}
        first = greys[shapes.COLOURS[0]]
        for colour, (rgb, grey) in rgbs.items():
            np.testing.assert_array_equal(greys[colour], first, err_msg=f"{shape} {colour} seed {seed}")
            np.testing.assert_array_equal(greys[colour], grey)       # Pillow's grey is the one it was made from
            np.testing.assert_array_equal(shapes.grey_of(rgb), grey)
        # while in colour they differ, and most where the shape is
        red, green = rgbs["red"][0].astype(int), rgbs["green"][0].astype(int)
        assert (red[..., 0] - green[..., 0]).max() > 100


def test_the_colours_have_equal_brightness_and_distinct_hues():
    for name, tint in shapes.TINTS.items():
        assert abs(tint @ np.array([0.299, 0.587, 0.114])) < 1e-9, name
    assert np.argmax(shapes.TINTS["red"]) == 0 and np.argmax(shapes.TINTS["green"]) == 1
    assert np.argmax(shapes.TINTS["blue"]) == 2


def test_pictures_are_reproducible_and_differ():
    a, b = shapes.picture("train", 3, 7), shapes.picture("train", 3, 7)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (shapes.SIZE, shapes.SIZE, 3) and a.dtype == np.uint8
    assert not np.array_equal(a, shapes.picture("train", 3, 8))
    assert not np.array_equal(a, shapes.picture("test", 3, 7))


def test_written_once_as_an_image_folder_and_read_back_exactly(small):
    notes = []
    ds = load_dataset("shapes", log=notes.append)
    assert any("making the colour shapes dataset" in n for n in notes)
    assert ds.format.input_shape == (3, shapes.SIZE, shapes.SIZE) and ds.format.classes == shapes.CLASSES
    assert sorted(os.listdir(small)) == ["VERSION", "test", "train"]
    assert sorted(os.listdir(small / "train")) == list(shapes.CLASSES)
    assert len(ds.train_labels) == 5 * 6 and len(ds.test_labels) == 2 * 6
    for label in range(6):                                            # every picture, exactly
        got = sorted(im.tobytes() for im in ds.train_images[ds.train_labels == label])
        assert got == sorted(shapes.picture("train", label, i).tobytes() for i in range(5))
    assert not [p for p in small.parent.iterdir() if p.name.startswith(".shapes")]    # no temp folders left
    stamp = (small / "train" / shapes.CLASSES[0] / "0000.png").stat().st_mtime_ns
    notes.clear()
    load_dataset("shapes", log=notes.append)
    assert not any("making" in n for n in notes)                       # made once
    assert (small / "train" / shapes.CLASSES[0] / "0000.png").stat().st_mtime_ns == stamp


def test_an_incomplete_or_older_set_is_made_again(small):
    load_dataset("shapes")
    (small / "test" / shapes.CLASSES[2] / "0001.png").unlink()
    notes = []
    ds = load_dataset("shapes", log=notes.append)
    assert any("making" in n for n in notes) and len(ds.test_labels) == 12
    (small / "VERSION").write_text("0\n")
    notes.clear()
    load_dataset("shapes", log=notes.append)
    assert any("making" in n for n in notes) and (small / "VERSION").read_text().strip() == shapes.VERSION


def test_a_folder_named_shapes_here_wins(tmp_path, monkeypatch, small):
    from test_imagefolder import rng_images, write
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "shapes", {"x": rng_images(0, 3, (8, 8)), "y": rng_images(1, 3, (8, 8))})
    assert load_dataset("shapes").format.classes == ("x", "y")
    assert not small.exists()
