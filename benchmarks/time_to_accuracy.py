"""Time to 99%: `train`'s defaults against PyTorch with plain SGD, in one interleaved run.

    python -m benchmarks --time-to-accuracy [--threads T] [--target 0.99] [--evals-per-epoch K]
                                            [--torch-epochs N] [--seed S] [--full] [--subset N]

engine: the product's Trainer with TrainConfig's defaults (what `python main.py train` runs:
        batch, learning-rate schedule with warm-up, momentum, weight decay, seed 0);
torch:  the same LeNet-5 in torch.nn.functional, torch.optim.SGD with lr 0.01, momentum 0.9,
        batch 64, constant learning rate, no weight decay; its initial weights are PyTorch's own
        nn.Conv2d/nn.Linear defaults (--torch-init torch, what a PyTorch user gets) or the
        engine's He initialisation (--torch-init engine: both start from the same weights).

Both see the normalised MNIST training set, reshuffled every epoch. They train in turns of
1/K epoch (engine, torch, engine, …) so a change in the machine's load hits both alike; after
every turn the whole 10,000-image test set is evaluated with the clock stopped. The time to
the target is the training time (evaluations excluded, for both) at the first evaluation at or
above it. A side stops at the target or at its last epoch (engine: the config's epochs; torch:
--torch-epochs), unless --full, which trains the engine to the end of its schedule.

On a busy machine give PyTorch OMP_WAIT_POLICY=PASSIVE: its OpenMP threads otherwise spin for
partners that lost their core (measured at load 11 on 2 cores: 85 s instead of 12 s for a
quarter epoch at 2 threads). The engine's threads are plain Python threads: unaffected.
"""
from __future__ import annotations

import math
import os
import time

import numpy as np

TORCH_BATCH, TORCH_LR, TORCH_MOMENTUM = 64, 0.01, 0.9
EVAL_BATCH = 1000


class EngineSide:
    """The product's own training loop: Trainer.train_step and Trainer.evaluate."""

    def __init__(self, config, data):
        from simulator.engine.trainer import Trainer
        self.trainer = Trainer(config, data)
        self.trainer.warm_up()
        self.epochs = config.epochs
        self.batches_per_epoch = self.trainer.batches_per_epoch

    def train_batches(self, n: int) -> None:
        for _ in range(n):
            if not math.isfinite(self.trainer.train_step().loss):
                raise RuntimeError("engine: the loss diverged")

    def evaluate(self) -> float:
        return self.trainer.evaluate(batch_size=EVAL_BATCH)[1]


class TorchSide:
    """LeNet-5 in torch (benchmarks.numpy_lenet.TorchLeNet) with plain SGD at batch 64."""

    def __init__(self, torch, params, train_x, train_y, test_x, test_y, epochs: int, seed: int):
        from .numpy_lenet import TorchLeNet
        self.torch = torch
        self.net = TorchLeNet(torch, params, lr=TORCH_LR, momentum=TORCH_MOMENTUM)
        self.x, self.y = torch.from_numpy(train_x), torch.from_numpy(train_y)
        self.test_x, self.test_y = torch.from_numpy(test_x), torch.from_numpy(test_y)
        self.epochs, self.seed = epochs, seed
        self.batches_per_epoch = math.ceil(len(train_x) / TORCH_BATCH)
        self.step, self.order = 0, None
        warm = TorchLeNet(torch, params, lr=0.0)          # warm torch up on a throwaway copy
        for _ in range(3):
            warm.step(self.x[:TORCH_BATCH], self.y[:TORCH_BATCH])

    def train_batches(self, n: int) -> None:
        for _ in range(n):
            epoch, b = divmod(self.step, self.batches_per_epoch)
            if b == 0:
                perm = np.random.default_rng((self.seed, epoch)).permutation(len(self.x))
                self.order = self.torch.from_numpy(perm)
            idx = self.order[b * TORCH_BATCH:(b + 1) * TORCH_BATCH]
            loss = self.net.step(self.x[idx], self.y[idx])
            if not math.isfinite(loss.item()):
                raise RuntimeError("torch: the loss diverged")
            self.step += 1

    def evaluate(self) -> float:
        correct = 0
        with self.torch.no_grad():
            for s in range(0, len(self.test_x), EVAL_BATCH):
                logits = self.net.logits(self.test_x[s:s + EVAL_BATCH])
                correct += int((logits.argmax(1) == self.test_y[s:s + EVAL_BATCH]).sum())
        return correct / len(self.test_x)


def race(sides: dict, target: float, evals_per_epoch: int, full: bool, log=print) -> dict:
    """Train the sides in turns of 1/evals_per_epoch epoch, evaluating after each turn.
    Returns {name: [(epochs, train seconds, test accuracy), ...]}."""
    curves = {name: [] for name in sides}
    clock = {name: 0.0 for name in sides}
    done = {name: 0 for name in sides}          # batches trained
    turn = 0
    active = set(sides)
    while active:
        turn += 1
        for name in list(sides):
            if name not in active:
                continue
            side = sides[name]
            total = side.epochs * side.batches_per_epoch
            upto = min(total, round(turn * side.batches_per_epoch / evals_per_epoch))
            t = time.perf_counter()
            side.train_batches(upto - done[name])
            clock[name] += time.perf_counter() - t
            done[name] = upto
            acc = side.evaluate()
            epochs = upto / side.batches_per_epoch
            curves[name].append((epochs, clock[name], acc))
            log(f"  {name:6s} epoch {epochs:5.2f}  {clock[name]:7.1f} s  test {acc:.2%}", flush=True)
            if upto >= total or (acc >= target and not (full and name == "engine")):
                active.discard(name)
    return curves


def load_line() -> str:
    """The machine's load, printed next to timings taken on it (other processes slow both sides,
    and a multi-threaded side most: a thread that loses its core stalls its partners)."""
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "load average unknown"
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} CPUs"


def first_reaching(curve: list, target: float):
    return next(((e, s, a) for e, s, a in curve if a >= target), None)


def run(args) -> int:
    from simulator.engine.config import TrainConfig
    from simulator.engine.data import load_dataset
    from simulator.errors import UserError

    from .run import race_threads, torch_or_none
    torch = torch_or_none()
    if torch is None:
        raise UserError("--time-to-accuracy needs PyTorch: pip install -e '.[test]'")
    if not 0 < args.target < 1 or args.evals_per_epoch < 1 or args.torch_epochs < 1 \
            or (args.subset is not None and args.subset < 1):
        raise UserError("bench: --target must be in (0, 1); --evals-per-epoch, --torch-epochs, --subset ≥ 1")
    threads = race_threads(torch, args.threads)

    config = TrainConfig(seed=args.seed)
    data = load_dataset(args.data)
    if getattr(args, "subset", None):                   # quick runs and the test
        data = data.subset(args.subset, max(1, args.subset // 6))
    engine = EngineSide(config, data)
    from simulator.engine.model import init_params
    params = (init_params(config.model_config()) if args.torch_init == "engine"
              else torch_default_params(torch, args.seed))
    tx, ty = engine.trainer.train_x, engine.trainer.train_y
    torch_side = TorchSide(torch, params, tx, ty, engine.trainer.test_x, engine.trainer.test_y,
                           args.torch_epochs, args.seed)
    print(f"== Time to {args.target:.1%} test accuracy (MNIST, {len(tx):,} training images, "
          f"{len(engine.trainer.test_x):,} test images), {threads} threads each, torch {torch.__version__}")
    print(f"engine: train's defaults: batch {config.batch_size}, {config.schedule} schedule, peak lr "
          f"{config.lr:g}, warm-up {config.warmup:g} epoch, momentum {config.momentum:g}, "
          f"weight decay {config.weight_decay:g}, random shifts ±{config.shift} px, {config.epochs} epochs")
    print(f"torch:  plain SGD, batch {TORCH_BATCH}, lr {TORCH_LR:g} constant, momentum {TORCH_MOMENTUM:g}, "
          f"up to {args.torch_epochs} epochs, {args.torch_init}'s initial weights")
    print(f"turns of 1/{args.evals_per_epoch} epoch, interleaved; test evaluation after each turn, "
          "clock stopped; times are training seconds")
    print(f"before: {load_line()}; OMP_WAIT_POLICY {os.environ.get('OMP_WAIT_POLICY', 'unset')} "
          "(PASSIVE keeps torch's OpenMP threads from spinning on a busy machine)\n", flush=True)
    curves = race({"engine": engine, "torch": torch_side}, args.target, args.evals_per_epoch, args.full)

    print(f"\nafter: {load_line()}")
    hits = {name: first_reaching(curve, args.target) for name, curve in curves.items()}
    for name, hit in hits.items():
        e, s, a = curves[name][-1]
        print(f"{name:6s}: " + (f"{args.target:.1%} after {hit[0]:.2f} epochs, {hit[1]:.1f} s ({hit[2]:.2%})"
                                if hit else f"never reached {args.target:.1%}")
              + f"; last: {a:.2%} after {e:.2f} epochs, {s:.1f} s")
    if hits["engine"] and hits["torch"]:
        print(f"time to {args.target:.1%}: torch / engine = {hits['torch'][1] / hits['engine'][1]:.2f}× "
              "(above 1× the engine is there first)")
    elif hits["engine"]:
        print(f"time to {args.target:.1%}: torch / engine > {curves['torch'][-1][1] / hits['engine'][1]:.2f}× "
              "(torch's training time so far, and it is not there yet)")
    return 0


def torch_default_params(torch, seed: int) -> dict:
    """LeNet-5's weights as PyTorch's own layers initialise them (seeded), in the engine's layout
    (dense weights [in, out])."""
    nn = torch.nn
    torch.manual_seed(seed)
    layers = {"conv1": nn.Conv2d(1, 6, 5, padding=2), "conv2": nn.Conv2d(6, 16, 5),
              "fc1": nn.Linear(400, 120), "fc2": nn.Linear(120, 84), "fc3": nn.Linear(84, 10)}
    params = {}
    for name, layer in layers.items():
        w = layer.weight.detach().numpy()
        params[f"{name}_w"] = np.ascontiguousarray(w.T if name.startswith("fc") else w, dtype=np.float32)
        params[f"{name}_b"] = layer.bias.detach().numpy().astype(np.float32)
    return params


def add_arguments(parser) -> None:
    g = parser.add_argument_group("--time-to-accuracy")
    g.add_argument("--target", type=float, default=0.99, help="test accuracy to reach (default 0.99)")
    g.add_argument("--evals-per-epoch", type=int, default=4, metavar="K",
                   help="test evaluations per epoch, for both sides (default 4)")
    g.add_argument("--torch-epochs", type=int, default=8, metavar="N",
                   help="PyTorch's epoch limit (default 8)")
    g.add_argument("--seed", type=int, default=0, help="seed of both sides' initial weights and shuffles (default 0)")
    g.add_argument("--torch-init", choices=("torch", "engine"), default="torch",
                   help="PyTorch's initial weights: its own layer defaults (default) or the engine's")
    g.add_argument("--full", action="store_true", help="train the engine to the end of its schedule")
