"""The colour network of the bench: LeNet-5 on 3×32×32 pictures in 6 classes (conv1 on three
planes without padding, fc3 of 6 outputs), its training step against PyTorch's on pictures of
the generated colour set. `python -m benchmarks` prints it after MNIST's (--networks)."""
from __future__ import annotations

import numpy as np

from . import efficiency
from .numpy_lenet import EngineLeNet, TorchLeNet
from .run import bench_training, training_table


def colour_images(count: int, rng: np.random.Generator):
    """(x[count,3,32,32] float32, labels int64, source): pictures of the generated colour set
    (`--data shapes`, made here in memory), normalised with their own channel statistics."""
    from simulator.engine import shapes
    from simulator.engine.data import normalise
    from simulator.engine.dataformat import DataFormat
    from simulator.engine.imagedecode import channel_stats
    labels = rng.integers(0, len(shapes.CLASSES), count)
    images = np.stack([shapes.picture("train", int(c), i) for i, c in enumerate(labels)])
    fmt = DataFormat(3, shapes.SIZE, shapes.SIZE, shapes.CLASSES, *channel_stats(images))
    return normalise(images, fmt=fmt), labels.astype(np.int64), "the colour shapes (3×32×32, 6 classes)"


def colour_section(torch, batches: list[int], rounds: int, step_s: float, matmul: float, md: bool, h: str) -> None:
    """The training step of LeNet-5 on colour 32×32 pictures in 6 classes (conv1 on three planes,
    no padding, fc3 of 6 outputs): the engine against PyTorch (the NumPy baseline is MNIST's only)."""
    from simulator.engine.arch import build, lenet5_spec
    from simulator.engine.model import NetConfig, init_params
    arch = build(lenet5_spec((32, 32), 6), (3, 32, 32), 6)
    params = init_params(NetConfig(arch))
    trainers = {"engine": (lambda: EngineLeNet(params, arch=arch), lambda x, y: (x, y))}
    if torch is not None:
        trainers["torch"] = (lambda: TorchLeNet(torch, params, padding=0),
                             lambda x, y: (torch.from_numpy(x), torch.from_numpy(y)))
    ips, source = bench_training(trainers, batches, rounds, step_s, colour_images)
    flop = efficiency.step_flop(arch)
    print(f"{h}Training step: forward + backward + SGD (images/s), LeNet-5 on colour 3×32×32, 6 classes\n")
    print(f"network: {arch.spec} on 3×32×32; data: {source}; both skip the input's gradient; "
          f"{flop / 1e6:.2f} MFLOP per image\n")
    print(training_table(ips, list(trainers), batches, matmul, md, flop) + "\n", flush=True)
