"""IDX reading on good and broken files, and dataset folder resolution."""
import gzip
import struct

import numpy as np
import pytest

from simulator.engine.data import DataError, FILES, load_dataset, normalise, read_idx


def idx_bytes(array: np.ndarray) -> bytes:
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_dataset(folder, n_train=12, n_test=5, gz=True, seed=0):
    rng = np.random.default_rng(seed)
    arrays = {
        "train_images": rng.integers(0, 256, (n_train, 28, 28)),
        "train_labels": rng.integers(0, 10, n_train),
        "test_images": rng.integers(0, 256, (n_test, 28, 28)),
        "test_labels": rng.integers(0, 10, n_test),
    }
    for key, stem in FILES.items():
        data = idx_bytes(arrays[key])
        if gz:
            (folder / f"{stem}.gz").write_bytes(gzip.compress(data))
        else:
            (folder / stem).write_bytes(data)
    return arrays


@pytest.mark.parametrize("gz", [True, False])
def test_round_trip_gzip_and_plain(tmp_path, gz):
    arrays = write_dataset(tmp_path, gz=gz)
    ds = load_dataset(tmp_path)
    for key in FILES:
        np.testing.assert_array_equal(getattr(ds, key), arrays[key])


def test_shared_mnist_matches_raw_bytes(mnist_dir):
    raw = gzip.decompress((mnist_dir / "t10k-images-idx3-ubyte.gz").read_bytes())
    images = read_idx(mnist_dir / "t10k-images-idx3-ubyte.gz")
    assert images.shape == (10000, 28, 28)
    np.testing.assert_array_equal(images.reshape(-1), np.frombuffer(raw, np.uint8, offset=16))
    labels = read_idx(mnist_dir / "t10k-labels-idx1-ubyte.gz")
    np.testing.assert_array_equal(labels, np.frombuffer(gzip.decompress(
        (mnist_dir / "t10k-labels-idx1-ubyte.gz").read_bytes()), np.uint8, offset=8))


def _corrupt(tmp_path, stem, data: bytes):
    write_dataset(tmp_path)
    (tmp_path / f"{stem}.gz").write_bytes(data)


@pytest.mark.parametrize("make, message", [
    (lambda good: good[: len(good) // 2], "truncated"),
    (lambda good: good + b"\x00" * 7, "trailing bytes"),
    (lambda good: b"\x12\x34" + good[2:], "bad magic"),
    (lambda good: good[:2] + b"\x0d" + good[3:], "not supported"),
    (lambda good: good[:6], "truncated IDX header"),
    (lambda good: b"", "too short"),
])
def test_broken_idx_files_name_file_and_problem(tmp_path, make, message):
    stem = FILES["train_labels"]
    good = idx_bytes(np.arange(12) % 10)
    _corrupt(tmp_path, stem, gzip.compress(make(good)))
    with pytest.raises(DataError) as err:
        load_dataset(tmp_path)
    assert message in str(err.value) and stem in str(err.value)
    assert "\n" not in str(err.value)


def test_truncated_gzip_stream(tmp_path):
    stem = FILES["test_images"]
    data = gzip.compress(idx_bytes(np.zeros((5, 28, 28))))
    _corrupt(tmp_path, stem, data[: len(data) - 20])
    with pytest.raises(DataError, match="gzip"):
        load_dataset(tmp_path)


def test_missing_folder_and_missing_file(tmp_path):
    with pytest.raises(DataError, match="not found"):
        load_dataset(tmp_path / "nope")
    write_dataset(tmp_path)
    (tmp_path / f"{FILES['test_labels']}.gz").unlink()
    with pytest.raises(DataError, match="missing t10k-labels"):
        load_dataset(tmp_path)


def test_count_mismatch_and_bad_labels(tmp_path):
    write_dataset(tmp_path)
    (tmp_path / f"{FILES['train_labels']}.gz").write_bytes(gzip.compress(idx_bytes(np.zeros(11))))
    with pytest.raises(DataError, match="12 images but 11 labels"):
        load_dataset(tmp_path)
    (tmp_path / f"{FILES['train_labels']}.gz").write_bytes(gzip.compress(idx_bytes(np.full(12, 42))))
    with pytest.raises(DataError, match="not a digit"):
        load_dataset(tmp_path)


def test_normalise_formula():
    images = np.random.default_rng(1).integers(0, 256, (3, 28, 28)).astype(np.uint8)
    x = normalise(images, np.float64)
    assert x.shape == (3, 1, 28, 28) and x.dtype == np.float64
    np.testing.assert_allclose(x[:, 0], (images / 255.0 - 0.1307) / 0.3081, rtol=1e-12)

