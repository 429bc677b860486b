"""How close to the machine's limit: the CPU, FLOP counts, and a large matmul's rate.

A LeNet-5 training step does, per image (multiply-adds count 2):

    forward  conv1 235,200 + conv2 480,000 + fc1 96,000 + fc2 20,160 + fc3 1,680 = 833,040
    backward every weight gradient (833,040) and every input gradient but conv1's (597,840)

about 2.26 MFLOP. The reference rate is a large float32 matrix product on the same threads,
timed in the same run (NumPy's BLAS, and PyTorch's when it is there; the faster counts).
"""
from __future__ import annotations

import time

import numpy as np

# FLOP of one image's forward through each layer with weights (the per-layer tables' names)
LAYER_FLOP = {"conv1": 2 * 6 * 25 * 28 * 28, "conv2": 2 * 16 * 150 * 10 * 10,
              "fc1": 2 * 400 * 120, "fc2": 2 * 120 * 84, "fc3": 2 * 84 * 10}
STEP_FLOP = 3 * sum(LAYER_FLOP.values()) - LAYER_FLOP["conv1"]     # ≈ 2.26 MFLOP per image


def step_flop(arch) -> int:
    """FLOP of one image's training step through any network (an arch.Arch): the forward of every
    layer with weights, its weight gradient, and its input gradient except the first's (training
    skips the image's gradient). step_flop(LeNet-5) == STEP_FLOP."""
    from simulator.engine.arch import Conv
    total, first = 0, True
    for layer, shape in zip(arch.layers, arch.shapes):
        params = [n for n in arch.param_shapes if n.startswith(arch.param_prefix(layer) + "_w")]
        if not params:
            continue
        w = arch.param_shapes[params[0]]
        per_output = int(np.prod(w[1:])) if isinstance(layer, Conv) else w[0]
        outputs = int(np.prod(shape))
        forward = 2 * per_output * outputs
        total += forward * (2 if first else 3)
        first = False
    return total


def layer_flop(layer: str, direction: str, batch: int) -> int | None:
    """FLOP of one call in the per-layer table: forward; backward = input and weight gradients."""
    if layer not in LAYER_FLOP:
        return None
    return batch * LAYER_FLOP[layer] * (1 if direction == "fwd" else 2)


def cpu_description(path: str = "/proc/cpuinfo") -> str:
    """'Intel(R) Xeon(R) Processor, AVX-512 (512-bit vectors)' from /proc/cpuinfo, or what is known."""
    model, flags = None, set()
    try:
        with open(path) as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "model name" and model is None:
                    model = value.strip()
                elif key == "flags" and not flags:
                    flags = set(value.split())
    except OSError:
        pass
    if "avx512f" in flags:
        width = "AVX-512 (512-bit vectors)"
    elif "avx2" in flags:
        width = "AVX2 (256-bit vectors)"
    elif "avx" in flags:
        width = "AVX (256-bit vectors)"
    elif flags:
        width = "SSE (128-bit vectors)"
    else:
        width = "vector width unknown"
    import platform
    return f"{model or platform.processor() or platform.machine()}, {width}"


def matmul_gflops(torch=None, n: int = 2048, seconds: float = 0.6) -> dict:
    """{'numpy': GFLOP/s, 'torch': GFLOP/s}: best rate of an n×n float32 product, each library
    on the threads it was given."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    out = np.empty_like(a)
    cases = {"numpy": lambda: np.matmul(a, b, out=out)}
    if torch is not None:
        ta, tb, tout = torch.from_numpy(a), torch.from_numpy(b), torch.from_numpy(out)
        cases["torch"] = lambda: torch.mm(ta, tb, out=tout)
    rates = {}
    for name, fn in cases.items():
        fn()
        best, end = float("inf"), time.perf_counter() + seconds
        while time.perf_counter() < end:
            t = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - t)
        rates[name] = 2 * n ** 3 / best / 1e9
    return rates
