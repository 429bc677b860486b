"""A NaN or an infinity in any input of any op (x, w, b, dy) reaches the same outputs as in
PyTorch: the same positions are NaN, and the same are ±inf. The kernels are compiled with
fast-math flags that keep IEEE semantics (flags.py), and their fast paths for finite data
hand over to exact ones otherwise; divergence detection relies on NaN reaching the loss."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from simulator.engine import ops
from simulator.engine.arch import LENET5
from simulator.engine.model import Network, NetConfig

BAD = [np.nan, np.inf, -np.inf]
DTYPES = [np.float64, np.float32]


def _spoil(a, bad, seed):
    """a copy of a with `bad` at its first element and at one random element."""
    a = a.copy()
    a.reshape(-1)[0] = bad
    a.reshape(-1)[np.random.default_rng(seed).integers(a.size)] = bad
    return a


def _same_nonfinite(got, want, what):
    want = want.detach().numpy() if torch.is_tensor(want) else want
    assert got.shape == want.shape, what
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=f"{what}: NaN positions")
    np.testing.assert_array_equal(np.isposinf(got), np.isposinf(want), err_msg=f"{what}: +inf positions")
    np.testing.assert_array_equal(np.isneginf(got), np.isneginf(want), err_msg=f"{what}: -inf positions")
    assert not np.isfinite(got).all() or np.isfinite(want).all(), what


def _t(a):
    return torch.tensor(a.astype(np.float64), requires_grad=True)


# LeNet's two layers (direct kernels), a strided one and a 3-wide one (im2col kernels)
CONV = [(3, 1, 28, 28, 6, 5, 1, 2), (3, 6, 14, 14, 16, 5, 1, 0), (2, 3, 9, 9, 4, 3, 2, 1), (2, 2, 8, 8, 3, 3, 1, 1)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bad", BAD, ids=str)
@pytest.mark.parametrize("where", ["x", "w", "b", "dy"])
@pytest.mark.parametrize("case", CONV, ids=str)
def test_conv2d_nonfinite_like_torch(case, where, bad, dtype):
    N, C, H, W, K, F_, stride, pad = case
    rng = np.random.default_rng(7)
    x = rng.standard_normal((N, C, H, W)).astype(dtype)
    w = rng.standard_normal((K, C, F_, F_)).astype(dtype)
    b = rng.standard_normal(K).astype(dtype)
    OH = (H + 2 * pad - F_) // stride + 1
    dy = rng.standard_normal((N, K, OH, (W + 2 * pad - F_) // stride + 1)).astype(dtype)
    vals = {"x": x, "w": w, "b": b, "dy": dy}
    vals[where] = _spoil(vals[where], bad, 1)
    y, cache = ops.conv2d_forward(vals["x"], vals["w"], vals["b"], stride, pad)
    dx, dw, db = ops.conv2d_backward(vals["dy"], cache)
    xt, wt, bt = _t(vals["x"]), _t(vals["w"]), _t(vals["b"])
    yt = F.conv2d(xt, wt, bt, stride=stride, padding=pad)
    yt.backward(torch.tensor(vals["dy"].astype(np.float64)))
    for name, got, want in (("y", y, yt), ("dx", dx, xt.grad), ("dw", dw, wt.grad), ("db", db, bt.grad)):
        _same_nonfinite(got, want, f"{name} with {bad} in {where}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bad", BAD, ids=str)
@pytest.mark.parametrize("where", ["x", "w", "b", "dy"])
def test_dense_nonfinite_like_torch(where, bad, dtype):
    rng = np.random.default_rng(3)
    vals = {"x": rng.standard_normal((9, 40)), "w": rng.standard_normal((40, 12)),
            "b": rng.standard_normal(12), "dy": rng.standard_normal((9, 12))}
    vals = {k: v.astype(dtype) for k, v in vals.items()}
    vals[where] = _spoil(vals[where], bad, 2)
    y, cache = ops.dense_forward(vals["x"], vals["w"], vals["b"])
    dx, dw, db = ops.dense_backward(vals["dy"], cache)
    xt, wt, bt = _t(vals["x"]), _t(vals["w"]), _t(vals["b"])
    yt = xt @ wt + bt
    yt.backward(torch.tensor(vals["dy"].astype(np.float64)))
    for name, got, want in (("y", y, yt), ("dx", dx, xt.grad), ("dw", dw, wt.grad), ("db", db, bt.grad)):
        _same_nonfinite(got, want, f"{name} with {bad} in {where}")


POOLS = {"max": (ops.maxpool2d_forward, ops.maxpool2d_backward, F.max_pool2d),
         "avg": (ops.avgpool2d_forward, ops.avgpool2d_backward, F.avg_pool2d)}
ACTS = {"relu": (ops.relu_forward, ops.relu_backward, torch.relu),
        "sigmoid": (ops.sigmoid_forward, ops.sigmoid_backward, torch.sigmoid),
        "tanh": (ops.tanh_forward, ops.tanh_backward, torch.tanh)}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bad", BAD, ids=str)
@pytest.mark.parametrize("where", ["x", "dy"])
@pytest.mark.parametrize("op", list(POOLS) + list(ACTS))
def test_pool_and_activation_nonfinite_like_torch(op, where, bad, dtype):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, 8, 8)).astype(dtype)
    if op in POOLS:
        fwd, bwd, tfn = POOLS[op]
        y, cache = fwd(x if where != "x" else _spoil(x, bad, 4), 2, 2)
        tf = lambda t: tfn(t, 2, 2)  # noqa: E731
    else:
        fwd, bwd, tfn = ACTS[op]
        y, cache = fwd(x if where != "x" else _spoil(x, bad, 4))
        tf = tfn
    dy = rng.standard_normal(y.shape).astype(dtype)
    if where == "dy":
        dy = _spoil(dy, bad, 6)
    dx = bwd(dy, cache)
    xt = _t(x if where != "x" else _spoil(x, bad, 4))
    yt = tf(xt)
    yt.backward(torch.tensor(dy.astype(np.float64)))
    _same_nonfinite(y, yt, f"{op} y with {bad} in {where}")
    _same_nonfinite(dx, xt.grad, f"{op} dx with {bad} in {where}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bad", BAD, ids=str)
def test_softmax_cross_entropy_nonfinite_like_torch(bad, dtype):
    rng = np.random.default_rng(8)
    z = _spoil(rng.standard_normal((6, 10)).astype(dtype), bad, 9)
    labels = rng.integers(0, 10, 6)
    loss, dz = ops.softmax_cross_entropy(z, labels)
    zt = _t(z)
    lt = F.cross_entropy(zt, torch.tensor(labels))
    lt.backward()
    _same_nonfinite(np.array(loss), lt, f"loss with {bad} in logits")
    _same_nonfinite(dz, zt.grad, f"dlogits with {bad} in logits")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["conv1_w", "conv2_b", "fc1_w", "fc3_b"])
def test_a_nan_weight_reaches_the_loss_and_every_gradient(name, dtype):
    """The training path (batched.py, fast kernels) must not swallow a diverged weight."""
    model = Network(NetConfig(seed=0), dtype=dtype)
    model.params[name].reshape(-1)[0] = np.nan
    x = np.random.default_rng(1).standard_normal((40, 1, 28, 28)).astype(dtype)
    loss, grads, fwd, _ = model.loss_and_grads(x, np.arange(40) % 10)
    assert np.isnan(loss)
    assert np.isnan(fwd.outputs["logits"]).any(axis=1).all()     # every image
    assert all(np.isnan(grads[n]).any() for n in LENET5.param_shapes)
