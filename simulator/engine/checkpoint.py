"""checkpoint.npz: a Trainer's state, written atomically (temp file + os.replace)."""
from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from ..errors import UserError
from .model import PARAM_NAMES, PARAM_SHAPES

FORMAT_VERSION = 1


class CheckpointError(UserError):
    """A checkpoint file that cannot be read or does not hold a LeNet-5."""


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
    arrays = {f"param/{k}": v for k, v in state["params"].items()}
    arrays.update({f"velocity/{k}": v for k, v in state["velocity"].items()})
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    atomic_write(path, lambda f: np.savez(f, **arrays))


def load_checkpoint(path: Path) -> dict:
    """Read and validate a checkpoint; any problem is a CheckpointError naming the file."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: checkpoint not found")
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(bytes(z["meta"]).decode())
            params = {n: z[f"param/{n}"] for n in PARAM_NAMES}
            velocity = {n: z[f"velocity/{n}"] for n in PARAM_NAMES}
    except KeyError as e:
        raise CheckpointError(f"{path}: not a CNN Simulator checkpoint (missing {e})") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, UnicodeDecodeError) as e:
        raise CheckpointError(f"{path}: corrupt or truncated checkpoint ({e.__class__.__name__}: {e})") from None
    if meta.get("format") != FORMAT_VERSION:
        raise CheckpointError(f"{path}: unsupported checkpoint format {meta.get('format')!r}")
    for name in PARAM_NAMES:
        for kind, arr in (("parameter", params[name]), ("momentum", velocity[name])):
            if arr.shape != PARAM_SHAPES[name] or arr.dtype.kind != "f":
                raise CheckpointError(f"{path}: {kind} {name} has shape {arr.shape} {arr.dtype}, "
                                      f"expected {PARAM_SHAPES[name]} float")
            if not np.all(np.isfinite(arr)):
                raise CheckpointError(f"{path}: {kind} {name} holds NaN or inf")
    try:
        from .trainer import TrainConfig
        TrainConfig(**meta["config"]).model_config()
    except (TypeError, ValueError, KeyError) as e:
        raise CheckpointError(f"{path}: bad settings in checkpoint ({e})") from None
    return {"config": meta["config"], "params": params, "velocity": velocity,
            "step_count": int(meta["step_count"]), "epoch": int(meta["epoch"]),
            "batch_in_epoch": int(meta["batch_in_epoch"])}
