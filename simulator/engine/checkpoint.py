"""checkpoint.npz: a Trainer's state, written atomically (temp file + os.replace).

The config holds the network's canonical spec ("arch"), so a checkpoint loads back into the
network it trained; one written before specs existed has none and is LeNet-5 with its
activation and pool. meta "data" is the format of the data it was trained on (dataformat.py:
channels, height, width, class names, normalisation); one written before formats existed has
none and is MNIST's (1×28×28, the digits). Members: "meta" (JSON bytes), "param/NAME" and
"velocity/NAME" for every parameter of that network (Arch.param_shapes).
"""
from __future__ import annotations

import dataclasses
import json
import math
import os
import tempfile
from pathlib import Path

import numpy as np

from ..errors import UserError
from .config import SCHEDULES, TrainConfig
from .arch import ACTIVATIONS, POOLS, ArchError
from .dataformat import MNIST, DataFormat, FormatError

FORMAT_VERSION = 1


class CheckpointError(UserError):
    """A checkpoint file that cannot be read or does not hold the network its spec describes."""


def atomic_write(path: Path, write) -> None:
    """Call write(file_object) on a temp file beside `path`, then rename it over `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.fchmod(fd, 0o666 & ~umask)   # mkstemp makes 0600; outputs get the usual permissions
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_checkpoint(path: Path, state: dict) -> None:
    meta = {k: state[k] for k in ("config", "step_count", "epoch", "batch_in_epoch")}
    meta["format"] = FORMAT_VERSION
    meta["data"] = state.get("format", MNIST).as_dict()
    arrays = {f"param/{k}": v for k, v in state["params"].items()}
    arrays.update({f"velocity/{k}": v for k, v in state["velocity"].items()})
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    atomic_write(path, lambda f: np.savez(f, **arrays))


# The settings a checkpoint's config may hold, with the command line's ranges. A field of
# TrainConfig missing here is still checked against the type of its default.
CONFIG_RANGES = {"epochs": (0, 1000), "batch_size": (1, 60000), "lr": (0.0, 10.0), "momentum": (0.0, 0.999),
                 "weight_decay": (0.0, 1.0), "seed": (0, 2**32 - 1), "warmup": (0.0, 1000.0), "shift": (0, 8)}
CONFIG_CHOICES = {"schedule": SCHEDULES, "activation": ACTIVATIONS, "pool": POOLS}
OPTIONAL = ("activation", "pool")          # None: the spec's own kinds
MAX_SPEC = 1000                            # characters of a stored spec
COUNTERS = ("step_count", "epoch", "batch_in_epoch")
MAX_COUNT = 10**12
# |weights| a trained network never comes near (LeNet-5's largest are ~3); beyond it a forward
# pass of float32 can overflow to inf, so such a file is damaged rather than trained
MAX_ABS_WEIGHT = 1e4


def load_checkpoint(path: Path) -> dict:
    """Read and validate a checkpoint; any problem is a CheckpointError naming the file.

    Returns {"config": dict of every TrainConfig field ("arch" the canonical spec), "format": the
    DataFormat it was trained on, "params"/"velocity": {name: float32 C array of the arch's
    param_shapes[name]}, "step_count", "epoch", "batch_in_epoch": ints ≥ 0}."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: checkpoint not found")
    meta, config, fmt, shapes, params, velocity = _read(path)
    for name, shape in shapes.items():
        for kind, arrays in (("parameter", params), ("momentum", velocity)):
            arrays[name] = _check_array(path, kind, name, arrays[name], shape)
    return {"config": config, "format": fmt, "params": params, "velocity": velocity,
            **{k: meta[k] for k in COUNTERS}}


def network_of(state: dict):
    """The Arch a loaded checkpoint's network is (its config's spec on its data's format)."""
    return TrainConfig(**state["config"]).network(state["format"])


def _read(path: Path):
    """The raw members: meta (parsed JSON), the checked config, the data format, the network's
    parameter shapes, and its parameters and momenta (arrays as stored)."""
    try:
        with open(path, "rb") as f:
            magic = f.read(6)
    except OSError as e:
        raise CheckpointError(f"{path}: cannot read the checkpoint ({e.strerror})") from None
    if magic[:4] != b"PK\x03\x04" and magic != b"\x93NUMPY":
        raise CheckpointError(f"{path}: corrupt, or not a CNN Simulator checkpoint (not an .npz archive)")
    try:
        z = np.load(path, allow_pickle=False)
        if not isinstance(z, np.lib.npyio.NpzFile):
            raise CheckpointError(f"{path}: not a CNN Simulator checkpoint (a single array, not an .npz archive)")
        with z:
            raw = z["meta"] if "meta" in z.files else None
            if raw is None:
                raise CheckpointError(f"{path}: not a CNN Simulator checkpoint (missing meta)")
            if raw.dtype != np.uint8 or raw.ndim != 1:
                raise CheckpointError(f"{path}: meta is a {raw.dtype} array of shape {raw.shape}, expected JSON bytes")
            meta = json.loads(raw.tobytes().decode("utf-8"))
            config, fmt = _check_meta(path, meta)
            shapes = TrainConfig(**config).network(fmt).param_shapes
            expected = {"meta"} | {f"{kind}/{n}" for kind in ("param", "velocity") for n in shapes}
            missing, extra = sorted(expected - set(z.files)), sorted(set(z.files) - expected)
            if missing:
                raise CheckpointError(f"{path}: not a CNN Simulator checkpoint (missing {', '.join(missing[:3])}"
                                      f"{' …' if len(missing) > 3 else ''})")
            if extra:
                raise CheckpointError(f"{path}: unexpected member {extra[0]!r} in the checkpoint "
                                      f"(its network is {config['arch']})")
            params = {n: z[f"param/{n}"] for n in shapes}
            velocity = {n: z[f"velocity/{n}"] for n in shapes}
    except CheckpointError:
        raise
    except RecursionError:
        raise CheckpointError(f"{path}: corrupt checkpoint (meta is nested too deeply)") from None
    except Exception as e:      # zip, npy header, JSON, UTF-8, CRC, zlib …: a damaged file, whatever the layer
        raise CheckpointError(f"{path}: corrupt or truncated checkpoint "
                              f"({e.__class__.__name__}: {_one_line(e)})") from None
    return meta, config, fmt, shapes, params, velocity


def _check_meta(path: Path, meta) -> tuple[dict, DataFormat]:
    """meta must be {"format": 1, "config": {...}, "step_count"/"epoch"/"batch_in_epoch": int ≥ 0,
    and optionally "data": a data format}. Returns (the complete config, the format)."""
    if not isinstance(meta, dict):
        raise CheckpointError(f"{path}: meta is a JSON {_json_type(meta)}, expected an object")
    if meta.get("format") != FORMAT_VERSION or isinstance(meta.get("format"), bool):
        raise CheckpointError(f"{path}: unsupported checkpoint format {_short(meta.get('format'))}")
    unknown = sorted(set(meta) - {"format", "config", "data", *COUNTERS})
    if unknown:
        raise CheckpointError(f"{path}: unexpected field {_short(unknown[0])} in meta")
    for key in COUNTERS:
        value = meta.get(key)
        if type(value) is not int or not 0 <= value <= MAX_COUNT:
            raise CheckpointError(f"{path}: meta {key} is {_short(value)}, expected a whole number "
                                  f"from 0 to {MAX_COUNT:.0e}")
    config = meta.get("config")
    if not isinstance(config, dict):
        raise CheckpointError(f"{path}: meta config is a JSON {_json_type(config)}, expected an object")
    fields = {f.name: f for f in dataclasses.fields(TrainConfig)}
    for key, value in config.items():
        if key not in fields:
            raise CheckpointError(f"{path}: unknown setting {_short(key)} in the checkpoint's config")
        problem = _bad_setting(key, value, type(fields[key].default))
        if problem:
            raise CheckpointError(f"{path}: config {key} is {_short(value)}, expected {problem}")
    try:
        fmt = DataFormat.from_dict(meta["data"]) if "data" in meta else MNIST
    except FormatError as e:
        raise CheckpointError(f"{path}: bad data format in the checkpoint ({_one_line(e)})") from None
    try:
        complete = TrainConfig(**config)          # a setting left out takes its default (no arch: LeNet-5)
        complete.network(fmt)
    except ArchError as e:
        raise CheckpointError(f"{path}: the checkpoint's network does not work: "
                              f"{_one_line(e).removeprefix('--arch: ')}") from None
    except (TypeError, ValueError) as e:
        raise CheckpointError(f"{path}: bad settings in checkpoint ({_one_line(e)})") from None
    return complete.as_dict(), fmt


def _bad_setting(key: str, value, kind: type) -> str | None:
    """What a config value should have been, or None if it is fine."""
    if key in OPTIONAL and value is None:
        return None
    if key == "arch":
        return None if isinstance(value, str) and len(value) <= MAX_SPEC else f"a spec of at most {MAX_SPEC} characters"
    if key in CONFIG_CHOICES:
        return None if value in CONFIG_CHOICES[key] and isinstance(value, str) else " or ".join(CONFIG_CHOICES[key])
    if kind is int:
        low, high = CONFIG_RANGES.get(key, (0, MAX_COUNT))
        return None if type(value) is int and low <= value <= high else f"a whole number from {low} to {high}"
    if kind is float:
        low, high = CONFIG_RANGES.get(key, (-1e9, 1e9))
        ok = type(value) in (int, float) and math.isfinite(value) and low <= value <= high
        return None if ok else f"a number from {low:g} to {high:g}"
    return None if isinstance(value, kind) else f"a {kind.__name__}"


def _check_array(path: Path, kind: str, name: str, arr: np.ndarray, shape: tuple) -> np.ndarray:
    """A stored parameter (or its momentum) as a native float32 C array, if it is one of the right shape."""
    if arr.shape != shape or arr.dtype.kind != "f":
        raise CheckpointError(f"{path}: {kind} {name} has shape {arr.shape} {arr.dtype}, "
                              f"expected {shape} float")
    if not np.all(np.isfinite(arr)):
        raise CheckpointError(f"{path}: {kind} {name} holds NaN or inf")
    biggest = float(np.abs(arr).max()) if arr.size else 0.0
    if biggest > MAX_ABS_WEIGHT:
        raise CheckpointError(f"{path}: {kind} {name} holds {biggest:.3g}, far beyond any trained network "
                              f"(limit {MAX_ABS_WEIGHT:g}): the file is damaged")
    return np.ascontiguousarray(arr, dtype=np.float32)


def _json_type(value) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number")


def _short(value) -> str:
    """A value as JSON, cut to 40 characters."""
    try:
        text = json.dumps(value)
    except (ValueError, RecursionError):
        text = f"a JSON {_json_type(value)}"
    return text if len(text) <= 40 else text[:37] + "…"


def _one_line(e: BaseException) -> str:
    return " ".join(str(e).split())[:200]
