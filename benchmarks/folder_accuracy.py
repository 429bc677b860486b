"""Accuracy on any data, engine and PyTorch side by side with one recipe:

    python -m benchmarks --accuracy shapes [--epochs 5] [--seed 0] [--threads T] [--image-size N]
    python -m benchmarks --accuracy DIR          (a folder of pictures, or of IDX files)
    python -m benchmarks --write-pngs IDXDIR OUT [--names a,b,…]   (an IDX set as PNGs in named folders)
    python -m benchmarks --write-grey DIR OUT    (a folder of pictures as grey PNGs, same layout)

engine: the product's Trainer with `train`'s defaults on the data (what `python main.py train
        --data DATA` runs: the default LeNet-5 for the data's size and classes, batch 128,
        warm-up + cosine, momentum 0.9, weight decay 5e-4, random shifts ±2 px, seed 0);
torch:  the same LeNet-5 in torch.nn.functional with the same recipe to the last detail: the
        engine's initial weights, the same batches in the same order with the same shifts (the
        Trainer's own permutation and random_shift), the same learning rate at every step
        (config.scheduled_lr), torch.optim.SGD with the same momentum and weight decay.

Both are evaluated on the whole test set after every epoch, with the clock stopped; the times
are training seconds. They train in turns of one epoch, so a change in the machine's load hits
both alike. --write-pngs and --write-grey make the folders the README's checks use (Fashion-MNIST
as PNGs against its IDX files; the shapes' grey copy, which no network can learn the colours of).
"""
from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np

from simulator.errors import UserError


class TorchTwin:
    """LeNet-5 (any input channels, size and classes) in torch, stepped with the Trainer's batches."""

    def __init__(self, torch, arch, params: dict, config):
        from simulator.engine.arch import Act, Conv, Dense, Flatten, Pool, by_kind
        self.torch, self.arch, self.config = torch, arch, config
        self.params = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
        self.opt = torch.optim.SGD(self.params.values(), lr=config.lr, momentum=config.momentum,
                                   weight_decay=config.weight_decay)
        import torch.nn.functional as F
        act = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}
        pool = {"max": F.max_pool2d, "avg": F.avg_pool2d}
        p = self.params
        self.layers = [by_kind({
            Conv: lambda L: lambda h: F.conv2d(h, p[f"{L.name}_w"], p[f"{L.name}_b"], L.stride, L.padding),
            Act: lambda L: act[L.kind],
            Pool: lambda L: lambda h: pool[L.kind](h, L.size, L.stride),
            Flatten: lambda L: lambda h: h.flatten(1),
            Dense: lambda L: lambda h, key=arch.param_prefix(L): torch.addmm(p[f"{key}_b"], h, p[f"{key}_w"]),
        }, layer)(layer) for layer in arch.layers]

    def logits(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def step(self, x: np.ndarray, y: np.ndarray, lr: float) -> float:
        import torch.nn.functional as F
        for group in self.opt.param_groups:
            group["lr"] = lr
        self.opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(self.logits(self.torch.from_numpy(x)), self.torch.from_numpy(y))
        loss.backward()
        self.opt.step()
        return loss.item()

    def accuracy(self, x: np.ndarray, y: np.ndarray) -> float:
        with self.torch.no_grad():
            correct = sum(int((self.logits(self.torch.from_numpy(x[s:s + 1000])).argmax(1)
                               == self.torch.from_numpy(y[s:s + 1000])).sum()) for s in range(0, len(x), 1000))
        return correct / len(x)


def race(data, config, torch, log=print) -> list[tuple[int, float, float, float, float]]:
    """[(epoch, engine accuracy, engine seconds, torch accuracy, torch seconds)], epoch by epoch."""
    from simulator.engine.trainer import Trainer, random_shift
    engine = Trainer(config, data)
    engine.warm_up()
    arch = config.network(data.format)
    twin = TorchTwin(torch, arch, {k: v.copy() for k, v in engine.model.params.items()}, config)
    shadow = Trainer(config, data)                 # walks the same batches and shifts for torch
    for _ in range(3):                             # warm torch up on throwaway copies
        TorchTwin(torch, arch, {k: v.copy() for k, v in engine.model.params.items()}, config).step(
            engine.train_x[:config.batch_size], engine.train_y[:config.batch_size], 0.0)
    rows, clock = [], {"engine": 0.0, "torch": 0.0}
    for epoch in range(config.epochs):
        t = time.perf_counter()
        while engine.epoch == epoch:
            if not math.isfinite(engine.train_step().loss):
                raise RuntimeError("engine: the loss diverged")
        clock["engine"] += time.perf_counter() - t
        t = time.perf_counter()
        while shadow.epoch == epoch:
            idx, lr = shadow.next_indices(), shadow.lr
            x, y = shadow.train_x[idx], shadow.train_y[idx]
            if config.shift:
                rng = np.random.default_rng((config.seed, shadow.epoch, shadow.batch_in_epoch, 1))
                x = random_shift(x, config.shift, rng, shadow.fill)
            if not math.isfinite(twin.step(x, y, lr)):
                raise RuntimeError("torch: the loss diverged")
            shadow.step_count += 1                  # the shadow only counts: its model never trains
            shadow.batch_in_epoch += 1
            if shadow.batch_in_epoch >= shadow.batches_per_epoch:
                shadow.epoch += 1
                shadow.batch_in_epoch = 0
                shadow._order = shadow._epoch_order(shadow.epoch)
        clock["torch"] += time.perf_counter() - t
        row = (epoch + 1, engine.evaluate()[1], clock["engine"], twin.accuracy(engine.test_x, engine.test_y),
               clock["torch"])
        log(f"  epoch {row[0]}: engine {row[1]:.2%} ({row[2]:.1f} s)   torch {row[3]:.2%} ({row[4]:.1f} s)", flush=True)
        rows.append(row)
    return rows


def run(args) -> int:
    from simulator.engine.arch import lenet5_spec
    from simulator.engine.config import TrainConfig
    from simulator.engine.data import load_dataset

    from .run import race_threads, table, torch_or_none
    from .time_to_accuracy import load_line
    from .efficiency import cpu_description
    torch = torch_or_none()
    if torch is None:
        raise UserError("--accuracy needs PyTorch: pip install -e '.[test]'")
    threads = race_threads(torch, args.threads)
    size = (args.image_size, args.image_size) if args.image_size else None
    data = load_dataset(args.accuracy, size, log=print, progress=True)
    fmt = data.format
    config = TrainConfig(arch=lenet5_spec((fmt.height, fmt.width), fmt.n_classes), seed=args.seed,
                         **({"epochs": args.epochs} if args.epochs else {}))
    print(f"== Accuracy on {args.accuracy}: {fmt.describe()}, {len(data.train_labels):,} training and "
          f"{len(data.test_labels):,} test images; {threads} threads each, torch {torch.__version__}")
    print(f"CPU: {cpu_description()}")
    print(f"network: {config.arch}; train's defaults: batch {config.batch_size}, {config.schedule} schedule, "
          f"peak lr {config.lr:g}, warm-up {config.warmup:g} epoch, momentum {config.momentum:g}, weight decay "
          f"{config.weight_decay:g}, shifts ±{config.shift} px, seed {config.seed}, {config.epochs} epochs; "
          "torch: the same weights, batches, shifts and learning rates")
    print(f"before: {load_line()}\n", flush=True)
    rows = race(data, config, torch)
    print(f"\nafter: {load_line()}\n")
    print(table(["epoch", "engine test acc", "engine s", "torch test acc", "torch s", "engine − torch"],
                [[str(e), f"{a:.2%}", f"{s:.1f}", f"{b:.2%}", f"{t:.1f}", f"{100 * (a - b):+.2f} pt"]
                 for e, a, s, b, t in rows], args.markdown))
    return 0


# ----------------------------------------------------------------------------- folders for the checks

def write_pngs(idx_dir: Path, out: Path, names: list[str] | None) -> int:
    """An IDX set (4 files) as OUT/train/<name>/NNNNN.png and OUT/test/<name>/…, grey, exact."""
    from PIL import Image

    from simulator.engine.data import load_idx
    data = load_idx(Path(idx_dir))
    names = names or [str(d) for d in range(10)]
    if len(names) != 10 or len(set(names)) != 10:
        raise UserError("--names: give 10 different names, separated by commas")
    for split, images, labels in (("train", data.train_images, data.train_labels),
                                  ("test", data.test_images, data.test_labels)):
        for name in names:
            (out / split / name).mkdir(parents=True, exist_ok=True)
        for i, (image, label) in enumerate(zip(images, labels)):
            Image.fromarray(image, "L").save(out / split / names[label] / f"{i:05d}.png", compress_level=1)
    print(f"wrote {len(data.train_labels) + len(data.test_labels):,} PNGs into {out}")
    return 0


def write_grey(source: Path, out: Path) -> int:
    """Every picture of a folder (any layout) as a grey PNG at the same place under OUT
    (Pillow's grey: L = 0.299 R + 0.587 G + 0.114 B)."""
    from PIL import Image

    from simulator.engine.imagefolder import EXTENSIONS
    source = Path(source)
    count = 0
    for path in sorted(source.rglob("*")):
        if path.suffix.lower() in EXTENSIONS:
            target = (out / path.relative_to(source)).with_suffix(".png")
            target.parent.mkdir(parents=True, exist_ok=True)
            with Image.open(path) as image:
                image.convert("L").save(target, compress_level=1)
            count += 1
    print(f"wrote {count:,} grey PNGs into {out}")
    return 0


def main(args) -> int:
    """--accuracy, --write-pngs or --write-grey, whichever was given."""
    if args.write_pngs:
        return write_pngs(Path(args.write_pngs[0]), Path(args.write_pngs[1]), args.names.split(",") if args.names else None)
    if args.write_grey:
        return write_grey(Path(args.write_grey[0]), Path(args.write_grey[1]))
    return run(args)


def add_arguments(parser) -> None:
    g = parser.add_argument_group("--accuracy, --write-pngs, --write-grey")
    g.add_argument("--accuracy", metavar="DATA", help="instead: engine and torch accuracy per epoch on DATA "
                                                      "(shapes, a folder of pictures or of IDX files)")
    g.add_argument("--epochs", type=int, metavar="N", help="--accuracy: epochs (default: train's, 5)")
    g.add_argument("--image-size", type=int, metavar="N", help="--accuracy: resize a folder's pictures to N×N")
    g.add_argument("--write-pngs", nargs=2, metavar=("IDXDIR", "OUT"), help="instead: write an IDX set as PNGs")
    g.add_argument("--names", help="--write-pngs: the 10 class names, comma-separated (default 0 … 9)")
    g.add_argument("--write-grey", nargs=2, metavar=("DIR", "OUT"), help="instead: a grey copy of a picture folder")
