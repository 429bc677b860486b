"""The benchmark runs and prints its tables, and its NumPy baseline computes what the engine
computes (so the comparison is honest). Nothing here asserts on a timing."""
import os
import subprocess
import sys

import numpy as np
import pytest

from benchmarks import numpy_lenet as bench_numpy
from benchmarks import run as bench
from benchmarks import startup as bench_startup
from simulator.engine import ops
from simulator.engine.model import Network, NetConfig, init_params

# One thread: a quick run on a busy 2-core machine is then not at the mercy of spinning threads.
TINY = ["--quick", "--batches", "1,3", "--layer-batches", "2", "--rounds", "1", "--threads", "1"]


def close(a, b):
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)


@pytest.fixture
def t():
    """Every layer's inputs at batch 3, in float64 so the two implementations agree tightly."""
    rng = np.random.default_rng(7)
    return {k: v.astype(np.float64) if v.dtype.kind == "f" else v
            for k, v in bench_numpy.layer_inputs(3, rng).items()}


@pytest.mark.parametrize("x, w, b, pad", [("x1", "w1", "b1", 2), ("x2", "w2", "b2", 0)])
def test_numpy_conv_matches_engine(t, x, w, b, pad):
    y, c = ops.conv2d_forward(t[x], t[w], t[b], 1, pad)
    yn, cn = bench_numpy.conv2d_forward(t[x], t[w], t[b], 1, pad)
    close(yn, y)
    dy = np.random.default_rng(0).standard_normal(y.shape)
    for got, want in zip(bench_numpy.conv2d_backward(dy, cn), ops.conv2d_backward(dy, c)):
        close(got, want)


def test_numpy_strided_conv_matches_engine(t):
    y, c = ops.conv2d_forward(t["x2"], t["w2"], t["b2"], 2, 1)
    yn, cn = bench_numpy.conv2d_forward(t["x2"], t["w2"], t["b2"], 2, 1)
    close(yn, y)
    dy = np.random.default_rng(0).standard_normal(y.shape)
    for got, want in zip(bench_numpy.conv2d_backward(dy, cn), ops.conv2d_backward(dy, c)):
        close(got, want)


@pytest.mark.parametrize("a", ["a1", "a2"])
def test_numpy_pool_and_relu_match_engine(t, a):
    for fwd, bwd in (("maxpool2d_forward", "maxpool2d_backward"), ("relu_forward", "relu_backward")):
        args = (t[a], 2, 2) if "pool" in fwd else (t[a],)
        y, c = getattr(ops, fwd)(*args)
        yn, cn = getattr(bench_numpy, fwd)(*args)
        close(yn, y)
        dy = np.random.default_rng(0).standard_normal(y.shape)
        close(getattr(bench_numpy, bwd)(dy, cn), getattr(ops, bwd)(dy, c))


def test_numpy_maxpool_ties_go_to_first_maximum_like_engine():
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 2:, 2:] = [[1, 3], [3, 3]]
    dy = np.arange(1.0, 5.0).reshape(1, 1, 2, 2)
    close(bench_numpy.maxpool2d_backward(dy, bench_numpy.maxpool2d_forward(x)[1]),
          ops.maxpool2d_backward(dy, ops.maxpool2d_forward(x, 2, 2)[1]))


@pytest.mark.parametrize("i", [1, 2, 3])
def test_numpy_dense_and_loss_match_engine(t, i):
    args = (t[f"f{i}"], t[f"fc{i}_w"], t[f"fc{i}_b"])
    y, c = ops.dense_forward(*args)
    yn, cn = bench_numpy.dense_forward(*args)
    close(yn, y)
    for got, want in zip(bench_numpy.dense_backward(y, cn), ops.dense_backward(y, c)):
        close(got, want)
    loss, dz = ops.softmax_cross_entropy(t["logits"], t["labels"])
    loss_n, dz_n = bench_numpy.softmax_cross_entropy(t["logits"], t["labels"])
    close(loss_n, loss)
    close(dz_n, dz)


def test_numpy_lenet_matches_engine_model_and_sgd():
    """Whole network: the same loss and gradients as model.Network, and the same SGD update."""
    params = init_params(NetConfig(), np.float64)
    rng = np.random.default_rng(3)
    x, labels = rng.standard_normal((5, 1, 28, 28)), rng.integers(0, 10, 5)
    loss, grads, _, _ = Network(NetConfig(), {k: v.copy() for k, v in params.items()}).loss_and_grads(x, labels)
    net = bench_numpy.NumpyLeNet(params, lr=0.1, momentum=0.9)
    loss_n, grads_n = net.loss_and_grads(x, labels)
    close(loss_n, loss)
    for name, g in grads.items():
        close(grads_n[name], g)
    net.step(x, labels)
    net.step(x, labels)
    engine = bench_numpy.EngineLeNet(params, lr=0.1, momentum=0.9)
    engine.step(x, labels)
    engine.step(x, labels)
    for name, p in engine.model.params.items():
        np.testing.assert_allclose(net.params[name], p, rtol=1e-7, atol=1e-9)


def test_numpy_lenet_matches_torch():
    import torch
    params = init_params(NetConfig(), np.float64)
    rng = np.random.default_rng(4)
    x, labels = rng.standard_normal((4, 1, 28, 28)), rng.integers(0, 10, 4)
    net = bench_numpy.NumpyLeNet(params, lr=0.1, momentum=0.9)
    tnet = bench_numpy.TorchLeNet(torch, params, lr=0.1, momentum=0.9)
    for _ in range(2):
        loss_n = net.step(x, labels)
        loss_t = tnet.step(torch.from_numpy(x), torch.from_numpy(labels))
        np.testing.assert_allclose(loss_n, loss_t.item(), rtol=1e-9)
    for name, p in tnet.params.items():
        np.testing.assert_allclose(net.params[name], p.detach().numpy(), rtol=1e-7, atol=1e-9)


def test_quick_bench_prints_every_table(capsys):
    import numba
    threads, blas = numba.get_num_threads(), bench.openblas_threads()
    assert bench.main(TINY) == 0
    assert numba.get_num_threads() == threads          # restored after the run
    assert bench.openblas_threads()[:len(blas)] == blas
    out = capsys.readouterr().out
    assert "Per-layer time, batch 2" in out
    for layer in bench.LAYERS:
        assert layer in out
    assert "Training step" in out and "engine img/s" in out and "numpy img/s" in out
    assert "engine vs numpy" in out
    assert "engine GFLOP/s" in out and "% of matmul" in out and "CPU: " in out
    assert "Start-up: skipped (--quick)" in out
    colour = out.split("LeNet-5 on colour 3×32×32, 6 classes")[1]      # the colour network, engine vs torch
    assert "engine img/s" in colour and "torch img/s" in colour and "engine vs torch" in colour
    assert "fc6 on 3×32×32" in colour and "3.20 MFLOP per image" in colour


def test_markdown_tables(capsys):
    assert bench.main(TINY + ["--markdown", "--no-torch", "--networks", "mnist"]) == 0
    out = capsys.readouterr().out
    assert "PyTorch left out" in out and "torch img/s" not in out
    table_lines = [line for line in out.splitlines() if line.startswith("|")]
    assert any(line.startswith("| batch") for line in table_lines)
    assert any(set(line) <= set("|-: ") for line in table_lines)     # the header rule
    assert len({line.count("|") for line in table_lines if "img/s" in line or line.startswith("| 3 ")}) == 1


def test_runs_without_torch(monkeypatch, capsys):
    monkeypatch.setattr(bench, "torch_or_none", lambda: None)
    assert bench.main(TINY) == 0
    out = capsys.readouterr().out
    assert "PyTorch not installed" in out
    assert "torch" not in out.split("PyTorch not installed")[1]


@pytest.mark.parametrize("argv", [["--batches", "0"], ["--layer-batches", "x"], ["--threads", "999"]])
def test_bad_arguments_end_in_one_line_and_status_2(argv, capsys):
    assert bench.main(argv) == 2
    assert capsys.readouterr().err.startswith("error: ")


def test_startup_reports_a_failing_child_as_a_note(monkeypatch):
    monkeypatch.setattr(bench_startup, "CHILD", "import sys; sys.exit('boom')")
    rows, notes = bench_startup.bench_startup(threads=1, warm_runs=1)
    assert rows == [] and "boom" in notes[0]


def test_startup_rows_from_child(monkeypatch):
    monkeypatch.setattr(bench_startup, "CHILD", "import json; print(json.dumps("
                        "{'import': 0.1, 'step1': 0.2, 'step64': 0.3, 'eval': 0.4}))")
    monkeypatch.setattr(bench_startup, "bench_train_command", lambda threads: ([], ["skipped"]))
    rows, notes = bench_startup.bench_startup(threads=1, warm_runs=1)
    assert [r[1] for r in rows[:4]] == [0.1, 0.2, 0.3, 0.4]
    assert rows[-1][0].startswith("whole process") and notes[0] == "skipped"


def test_the_product_never_imports_torch_and_the_bench_only_when_it_runs():
    """Every module of the product, and the benchmark's modules, import without torch (and
    without onnx and onnxruntime, which only `export` and --tensorboard load)."""
    code = ("import importlib, pkgutil, sys, simulator, benchmarks.run\n"
            "for m in pkgutil.walk_packages(simulator.__path__, 'simulator.'):\n"
            "    importlib.import_module(m.name)\n"
            "print(len(sys.modules), any(m in sys.modules for m in ('torch', 'onnx', 'onnxruntime')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=bench.ROOT, env={**os.environ, "SDL_VIDEODRIVER": "dummy"})
    count, torch_loaded = out.stdout.split()
    assert int(count) > 100 and torch_loaded == "False"


def test_train_command_without_epochs_is_skipped_with_a_note(monkeypatch):
    monkeypatch.setattr(bench_startup, "_run_child", lambda *a, **k: (0.0, "usage: main.py train [--data DIR]"))
    assert bench_startup.bench_train_command(None) == (
        [], ["`main.py train` start-up not measured (it has no --epochs)"])


def test_app_bench_runs_both_commands_and_reports_the_ratio(mnist_dir, monkeypatch, capsys):
    """bench --app runs `train` and the app in fresh processes (here on SDL's dummy driver)
    and reads their outputs back: if either output format changes, this fails."""
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    monkeypatch.chdir(mnist_dir.parent)          # a relative --data must still reach the children
    argv = ["--app", "--rounds", "1", "--frames", "300", "--batch-size", "16", "--subset", "1600",
            "--data", mnist_dir.name]
    parser = __import__("argparse").ArgumentParser()
    bench.add_arguments(parser)
    assert bench.run(parser.parse_args(argv)) == 0
    out = capsys.readouterr().out
    assert "SDL_VIDEODRIVER=dummy" in out
    row = next(line for line in out.splitlines() if line.startswith("1 "))
    head, app, fps, ratio = row.split()[1:]
    head, app = float(head.replace(",", "")), float(app.replace(",", ""))
    assert head > 0 and app > 0 and float(fps) > 0
    assert float(ratio.rstrip("%")) == pytest.approx(100 * app / head, abs=1)   # table values are rounded
    assert "median: the app keeps" in out


@pytest.mark.parametrize("flag", ["--frames", "--rounds", "--batch-size", "--subset"])
def test_app_bench_rejects_nonsense_counts(flag):
    assert bench.main(["--app", flag, "0"]) == 2


def test_app_bench_names_a_bad_data_folder_before_starting(tmp_path, capsys):
    assert bench.main(["--app", "--data", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert "missing" in err and len(err.strip().splitlines()) == 1


def test_efficiency_flop_counts_and_cpu_line(tmp_path):
    """2.26 MFLOP a step (the figure the README's efficiency column divides by), and the
    vector width read from /proc/cpuinfo's flags."""
    from benchmarks import efficiency
    assert round(efficiency.STEP_FLOP / 1e4) == 226
    assert efficiency.layer_flop("conv2", "bwd", 3) == 2 * efficiency.layer_flop("conv2", "fwd", 3)
    assert efficiency.layer_flop("pool1", "fwd", 3) is None
    from simulator.engine.arch import LENET5, build, lenet5_spec
    assert efficiency.step_flop(LENET5) == efficiency.STEP_FLOP          # any network's count agrees
    colour = build(lenet5_spec((32, 32), 6), (3, 32, 32), 6)
    conv1 = 2 * 6 * 75 * 28 * 28                                       # on three planes, 28×28 outputs
    rest = 2 * (16 * 150 * 10 * 10 + 400 * 120 + 120 * 84 + 84 * 6)
    assert efficiency.step_flop(colour) == 2 * conv1 + 3 * rest
    info = tmp_path / "cpuinfo"
    info.write_text("model name\t: Test CPU 9000\nflags\t\t: fpu sse2 avx avx2 fma\n")
    assert efficiency.cpu_description(str(info)) == "Test CPU 9000, AVX2 (256-bit vectors)"
    info.write_text("model name\t: Xeon\nflags\t\t: avx2 avx512f\n")
    assert "512-bit" in efficiency.cpu_description(str(info))


def test_accuracy_race_uses_one_recipe_for_both(tmp_path, monkeypatch):
    """--accuracy: torch is stepped with the engine's weights, batches, shifts and learning rates,
    so in float64 the two would be one computation; in float32 after one small epoch their
    accuracies are close, and the table has one row per epoch."""
    import torch
    from benchmarks.folder_accuracy import race
    from simulator.engine.arch import lenet5_spec
    from simulator.engine.data import Dataset
    from simulator.engine.dataformat import DataFormat
    from simulator.engine.trainer import TrainConfig
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 240).astype(np.uint8)
    images = rng.integers(0, 60, (240, 32, 32, 3), dtype=np.uint8)
    images[np.arange(240), :, :, labels] += 150                          # the class is the brightest plane
    fmt = DataFormat(3, 32, 32, ("r", "g", "b"), (0.3, 0.3, 0.3), (0.3, 0.3, 0.3))
    data = Dataset(images[:200], labels[:200], images[200:], labels[200:], None, fmt)
    config = TrainConfig(arch=lenet5_spec((32, 32), 3), epochs=2, batch_size=20, lr=0.02)
    rows = race(data, config, torch, log=lambda *a, **k: None)
    assert [r[0] for r in rows] == [1, 2]
    assert rows[-1][1] > 0.9 and rows[-1][3] > 0.9 and abs(rows[-1][1] - rows[-1][3]) <= 0.05
