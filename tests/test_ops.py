"""Every op against torch.nn.functional (forward and autograd backward), finite differences
in float64, the max-pool tie rule, and the ValueErrors of the wrappers."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from simulator.engine import ops
from simulator.engine.kernels import parallel

TOL = {np.float64: dict(rtol=1e-10, atol=1e-10), np.float32: dict(rtol=1e-5, atol=1e-5)}
DTYPES = [np.float64, np.float32]


def _t(a, grad=True):
    return torch.tensor(np.asarray(a, np.float64), requires_grad=grad)


def _close(got, want, dtype, scale=1.0):
    """got (engine, dtype) vs want (torch, float64); float32 tolerances scale with the sum's size."""
    tol = dict(TOL[dtype])
    if dtype == np.float32:                 # rounding grows with the number of summed terms
        tol["atol"] = max(tol["atol"], 2e-7 * scale)
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_allclose(got, want.detach().numpy() if torch.is_tensor(want) else want, **tol)


# ----------------------------------------------------------------------------- random cases

def _conv_cases(n, seed=1234):
    rng = np.random.default_rng(seed)
    cases = []
    while len(cases) < n:
        N, C, K = rng.integers(1, 4), rng.integers(1, 7), rng.integers(1, 9)
        FH, FW = rng.integers(1, 6), rng.integers(1, 6)
        stride, padding = int(rng.integers(1, 4)), int(rng.integers(0, 3))
        H, W = rng.integers(max(1, FH - 2 * padding), 14), rng.integers(max(1, FW - 2 * padding), 14)
        cases.append((int(N), int(C), int(H), int(W), int(K), int(FH), int(FW), stride, padding))
    # LeNet-5's two layers, and a big-batch case, always included
    cases += [(4, 1, 28, 28, 6, 5, 5, 1, 2), (3, 6, 14, 14, 16, 5, 5, 1, 0), (33, 6, 14, 14, 16, 5, 5, 1, 0)]
    return cases


def _pool_cases(n, seed=99):
    rng = np.random.default_rng(seed)
    cases = []
    for _ in range(n):
        size, stride = int(rng.integers(1, 5)), int(rng.integers(1, 5))
        N, C = int(rng.integers(1, 4)), int(rng.integers(1, 5))
        H, W = int(rng.integers(size, 13)), int(rng.integers(size, 13))
        cases.append((N, C, H, W, size, stride))
    cases += [(5, 6, 28, 28, 2, 2), (5, 16, 10, 10, 2, 2), (2, 3, 7, 9, 3, 1)]
    return cases


# ----------------------------------------------------------------------------- conv2d

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", _conv_cases(24), ids=str)
def test_conv2d_matches_torch(case, dtype):
    N, C, H, W, K, FH, FW, stride, padding = case
    rng = np.random.default_rng(hash(case) % 2**32)
    x = rng.standard_normal((N, C, H, W)).astype(dtype)
    w = rng.standard_normal((K, C, FH, FW)).astype(dtype)
    b = rng.standard_normal(K).astype(dtype)
    y, cache = ops.conv2d_forward(x, w, b, stride, padding)
    xt, wt, bt = _t(x), _t(w), _t(b)
    yt = F.conv2d(xt, wt, bt, stride=stride, padding=padding)
    assert y.shape == tuple(yt.shape)
    _close(y, yt, dtype, scale=C * FH * FW)
    dy = rng.standard_normal(y.shape).astype(dtype)
    yt.backward(_t(dy, grad=False))
    dx, dw, db = ops.conv2d_backward(dy, cache)
    _close(dx, xt.grad, dtype, scale=K * FH * FW)
    _close(dw, wt.grad, dtype, scale=N * y.shape[2] * y.shape[3])
    _close(db, bt.grad, dtype, scale=N * y.shape[2] * y.shape[3])


def test_conv2d_accepts_non_contiguous_input():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, 9, 8)).transpose(0, 1, 3, 2)      # a view, not C-contiguous
    w, b = rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    y, _ = ops.conv2d_forward(x, w, b, 1, 1)
    y2, _ = ops.conv2d_forward(np.ascontiguousarray(x), w, b, 1, 1)
    np.testing.assert_array_equal(y, y2)


# ----------------------------------------------------------------------------- pools

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", _pool_cases(16), ids=str)
def test_maxpool_matches_torch(case, dtype):
    N, C, H, W, size, stride = case
    rng = np.random.default_rng(hash(case) % 2**32)
    x = rng.standard_normal((N, C, H, W)).astype(dtype)      # continuous values: no ties
    y, cache = ops.maxpool2d_forward(x, size, stride)
    xt = _t(x)
    yt, idx = F.max_pool2d(xt, size, stride, return_indices=True)
    _close(y, yt, dtype)
    np.testing.assert_array_equal(cache.argmax, idx.numpy())   # torch's indices are flat ih·W+iw too
    dy = rng.standard_normal(y.shape).astype(dtype)
    yt.backward(_t(dy, grad=False))
    _close(ops.maxpool2d_backward(dy, cache), xt.grad, dtype, scale=size * size)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", _pool_cases(16, seed=7), ids=str)
def test_avgpool_matches_torch(case, dtype):
    N, C, H, W, size, stride = case
    rng = np.random.default_rng(hash(case) % 2**32)
    x = rng.standard_normal((N, C, H, W)).astype(dtype)
    y, cache = ops.avgpool2d_forward(x, size, stride)
    xt = _t(x)
    yt = F.avg_pool2d(xt, size, stride)
    _close(y, yt, dtype)
    dy = rng.standard_normal(y.shape).astype(dtype)
    yt.backward(_t(dy, grad=False))
    _close(ops.avgpool2d_backward(dy, cache), xt.grad, dtype, scale=size * size)


def test_maxpool_tie_goes_to_first_max_in_row_major_order():
    rng = np.random.default_rng(0)
    x = np.zeros((2, 3, 6, 6))                        # every window is one big tie
    x[0, 0, 1, 1] = x[0, 0, 0, 1] = x[0, 0, 1, 0] = 5  # tie inside window (0,0) but not at its corner
    y, cache = ops.maxpool2d_forward(x, 2, 2)
    dy = rng.standard_normal(y.shape)
    dx = ops.maxpool2d_backward(dy, cache)
    expected = np.zeros_like(x)
    expected[:, :, ::2, ::2] = dy                     # window corners: the first element in row-major order
    expected[0, 0, 0, 0] = 0
    expected[0, 0, 0, 1] = dy[0, 0, 0, 0]             # (0,1) comes before (1,0) and (1,1)
    np.testing.assert_array_equal(dx, expected)
    assert cache.argmax[0, 0, 0, 0] == 1


def test_maxpool_overlapping_windows_accumulate_like_torch():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 3, (2, 2, 7, 8)).astype(np.float64)   # many ties and overlaps
    y, cache = ops.maxpool2d_forward(x, 3, 1)
    xt = _t(x)
    yt = F.max_pool2d(xt, 3, 1)
    dy = rng.standard_normal(y.shape)
    yt.backward(_t(dy, grad=False))
    np.testing.assert_allclose(ops.maxpool2d_backward(dy, cache), xt.grad.numpy(), rtol=0, atol=1e-12)


def test_maxpool_propagates_nan_like_torch():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3, 8, 8)).astype(np.float32)
    x[0, 0, 1, 1] = x[1, 2, 4, 5] = x[1, 2, 5, 4] = np.nan
    y, cache = ops.maxpool2d_forward(x)
    yt, idx = F.max_pool2d(torch.tensor(x), 2, 2, return_indices=True)
    np.testing.assert_array_equal(y, yt.numpy())                 # NaN where torch has NaN
    np.testing.assert_array_equal(cache.argmax, idx.numpy())


@pytest.mark.parametrize("dtype", DTYPES)
def test_big_batches_split_across_threads_match_one_thread(dtype, monkeypatch):
    """Batches >= PARALLEL_MIN_BATCH run in slices on several threads: same numbers."""
    rng = np.random.default_rng(21)
    x = rng.standard_normal((19, 3, 9, 9)).astype(dtype)
    w, b = rng.standard_normal((5, 3, 3, 3)).astype(dtype), rng.standard_normal(5).astype(dtype)
    monkeypatch.setattr(parallel, "THREADS", 3)
    y, cache = ops.conv2d_forward(x, w, b, 1, 1)
    grads = ops.conv2d_backward(y, cache)
    monkeypatch.setattr(parallel, "THREADS", 1)
    y1, cache1 = ops.conv2d_forward(x, w, b, 1, 1)
    np.testing.assert_array_equal(y, y1)
    for g, g1 in zip(grads, ops.conv2d_backward(y1, cache1)):
        np.testing.assert_allclose(g, g1, **TOL[dtype])


# ----------------------------------------------------------------------------- activations

ACTS = {
    "relu": (ops.relu_forward, ops.relu_backward, torch.relu),
    "sigmoid": (ops.sigmoid_forward, ops.sigmoid_backward, torch.sigmoid),
    "tanh": (ops.tanh_forward, ops.tanh_backward, torch.tanh),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(7,), (3, 11), (2, 3, 5, 4)], ids=str)
@pytest.mark.parametrize("name", list(ACTS))
def test_activation_matches_torch(name, shape, dtype):
    fwd, bwd, tfn = ACTS[name]
    rng = np.random.default_rng(len(shape))
    x = (rng.standard_normal(shape) * 4).astype(dtype)
    x.flat[0] = 80.0                                   # far tails must not overflow
    x.flat[-1] = -80.0
    y, cache = fwd(x)
    xt = _t(x)
    yt = tfn(xt)
    _close(y, yt, dtype)
    assert np.all(np.isfinite(y))
    dy = rng.standard_normal(shape).astype(dtype)
    yt.backward(_t(dy, grad=False))
    _close(bwd(dy, cache), xt.grad, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(ACTS))
def test_activation_nan_and_inf_like_torch(name, dtype):
    """A diverged network must show NaN, not a made-up number."""
    fwd, bwd, tfn = ACTS[name]
    x = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-30, -1e-30, 3.0], dtype)
    y, cache = fwd(x)
    xt = torch.tensor(x, requires_grad=True)
    yt = tfn(xt)
    rtol = TOL[dtype]["rtol"]
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=rtol, atol=1e-30)
    dy = np.arange(1, 9).astype(dtype)
    yt.backward(torch.tensor(dy))
    np.testing.assert_allclose(bwd(dy, cache), xt.grad.numpy(), rtol=rtol, atol=1e-30)


# ----------------------------------------------------------------------------- dense and loss

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(1, 400, 120), (5, 7, 3), (64, 120, 84), (3, 1, 1)], ids=str)
def test_dense_matches_torch(shape, dtype):
    N, D, M = shape
    rng = np.random.default_rng(N * D + M)
    x, w, b = (rng.standard_normal(s).astype(dtype) for s in ((N, D), (D, M), (M,)))
    y, cache = ops.dense_forward(x, w, b)
    xt, wt, bt = _t(x), _t(w), _t(b)
    yt = F.linear(xt, wt.T, bt)
    _close(y, yt, dtype, scale=D)
    dy = rng.standard_normal((N, M)).astype(dtype)
    yt.backward(_t(dy, grad=False))
    dx, dw, db = ops.dense_backward(dy, cache)
    _close(dx, xt.grad, dtype, scale=M)
    _close(dw, wt.grad, dtype, scale=N)
    _close(db, bt.grad, dtype, scale=N)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("N,K,scale", [(1, 10, 1.0), (17, 10, 3.0), (4, 3, 500.0), (64, 10, 1.0)])
def test_softmax_cross_entropy_matches_torch(N, K, scale, dtype):
    rng = np.random.default_rng(N + K)
    z = (rng.standard_normal((N, K)) * scale).astype(dtype)
    labels = rng.integers(0, K, N)
    loss, dz = ops.softmax_cross_entropy(z, labels)
    zt = _t(z)
    lt = F.cross_entropy(zt, torch.tensor(labels))
    lt.backward()
    assert np.isfinite(loss)
    np.testing.assert_allclose(loss, lt.item(), **TOL[dtype])
    _close(dz, zt.grad, dtype)


@pytest.mark.parametrize("gap", [6.0, 10.0, 14.0, 18.0])
def test_softmax_cross_entropy_float32_precise_when_sure(gap):
    """A network that is sure (the label's logit ahead by `gap`): the float32 loss and the label's
    gradient to 4 significant digits of float64's, though both are ~e^−gap (1 + r in float32
    would keep only the first digits of r = Σ_{j≠y} e^(z_j − z_y))."""
    rng = np.random.default_rng(int(gap))
    z64 = rng.standard_normal((32, 10))
    labels = rng.integers(0, 10, 32)
    z64[np.arange(32), labels] = z64.max(axis=1) + gap
    z32 = z64.astype(np.float32)
    zz = z32.astype(np.float64)                  # the same float32 logits, in float64
    m = zz.max(axis=1, keepdims=True)
    p = np.exp(zz - m) / np.exp(zz - m).sum(axis=1, keepdims=True)
    for n in range(32):                          # one row at a time: each loss alone is tiny
        loss, dz = ops.softmax_cross_entropy(z32[n:n + 1], labels[n:n + 1])
        want = np.log1p(np.exp(np.delete(zz[n] - zz[n, labels[n]], labels[n])).sum())
        assert loss == pytest.approx(want, rel=5e-5)
        assert dz[0, labels[n]] == pytest.approx(p[n, labels[n]] - 1, rel=5e-5)
        assert dz[0, labels[n]] == pytest.approx(-np.delete(p[n], labels[n]).sum(), rel=5e-5)


def test_softmax_cross_entropy_accepts_int32_labels():
    rng = np.random.default_rng(8)
    z = rng.standard_normal((6, 10))
    labels = rng.integers(0, 10, 6)
    a = ops.softmax_cross_entropy(z, labels.astype(np.int32))
    b = ops.softmax_cross_entropy(z, labels.astype(np.int64))
    assert a[0] == b[0]
    np.testing.assert_array_equal(a[1], b[1])


# ----------------------------------------------------------------------------- finite differences

def _numeric_grad(f, a, eps=1e-6):
    """Central differences of the scalar f() with respect to every element of a (changed in place)."""
    g = np.zeros_like(a)
    for i in np.ndindex(a.shape):
        old = a[i]
        a[i] = old + eps
        hi = f()
        a[i] = old - eps
        lo = f()
        a[i] = old
        g[i] = (hi - lo) / (2 * eps)
    return g


def _fd_check(analytic, f, a):
    np.testing.assert_allclose(analytic, _numeric_grad(f, a), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("stride,padding", [(1, 0), (2, 1), (1, 2)])
def test_conv2d_finite_differences(stride, padding):
    rng = np.random.default_rng(stride * 10 + padding)
    x, w, b = rng.standard_normal((2, 2, 6, 5)), rng.standard_normal((3, 2, 3, 2)), rng.standard_normal(3)
    y, cache = ops.conv2d_forward(x, w, b, stride, padding)
    r = rng.standard_normal(y.shape)
    dx, dw, db = ops.conv2d_backward(r, cache)
    loss = lambda: float(np.sum(ops.conv2d_forward(x, w, b, stride, padding)[0] * r))
    _fd_check(dx, loss, x)
    _fd_check(dw, loss, w)
    _fd_check(db, loss, b)


@pytest.mark.parametrize("size,stride", [(2, 2), (3, 1), (2, 3)])
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pool_finite_differences(kind, size, stride):
    fwd, bwd = {"max": (ops.maxpool2d_forward, ops.maxpool2d_backward),
                "avg": (ops.avgpool2d_forward, ops.avgpool2d_backward)}[kind]
    rng = np.random.default_rng(size * 7 + stride)
    x = rng.permutation(2 * 3 * 7 * 6).reshape(2, 3, 7, 6) * 0.01   # distinct values: no ties
    y, cache = fwd(x, size, stride)
    r = rng.standard_normal(y.shape)
    _fd_check(bwd(r, cache), lambda: float(np.sum(fwd(x, size, stride)[0] * r)), x)


@pytest.mark.parametrize("name", list(ACTS))
def test_activation_finite_differences(name):
    fwd, bwd, _ = ACTS[name]
    rng = np.random.default_rng(11)
    x = rng.standard_normal((3, 4, 2, 2)) * 2
    x[np.abs(x) < 1e-3] = 0.5                                       # keep relu away from its kink
    y, cache = fwd(x)
    r = rng.standard_normal(y.shape)
    _fd_check(bwd(r, cache), lambda: float(np.sum(fwd(x)[0] * r)), x)


def test_dense_finite_differences():
    rng = np.random.default_rng(12)
    x, w, b = rng.standard_normal((3, 5)), rng.standard_normal((5, 4)), rng.standard_normal(4)
    y, cache = ops.dense_forward(x, w, b)
    r = rng.standard_normal(y.shape)
    dx, dw, db = ops.dense_backward(r, cache)
    loss = lambda: float(np.sum(ops.dense_forward(x, w, b)[0] * r))
    _fd_check(dx, loss, x)
    _fd_check(dw, loss, w)
    _fd_check(db, loss, b)


def test_softmax_cross_entropy_finite_differences():
    rng = np.random.default_rng(13)
    z = rng.standard_normal((5, 10)) * 2
    labels = rng.integers(0, 10, 5)
    _, dz = ops.softmax_cross_entropy(z, labels)
    _fd_check(dz, lambda: ops.softmax_cross_entropy(z, labels)[0], z)


# ----------------------------------------------------------------------------- dtypes and errors

@pytest.mark.parametrize("dtype", DTYPES)
def test_outputs_keep_the_input_dtype(dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 8, 8)).astype(dtype)
    w, b = rng.standard_normal((4, 3, 3, 3)).astype(dtype), np.zeros(4, dtype)
    y, cache = ops.conv2d_forward(x, w, b)
    assert y.dtype == dtype and all(g.dtype == dtype for g in ops.conv2d_backward(y, cache))
    for fwd in (ops.maxpool2d_forward, ops.avgpool2d_forward, ops.relu_forward,
                ops.sigmoid_forward, ops.tanh_forward):
        assert fwd(x)[0].dtype == dtype
    y, cache = ops.dense_forward(x.reshape(2, -1), np.ones((192, 5), dtype), np.ones(5, dtype))
    assert y.dtype == dtype and all(g.dtype == dtype for g in ops.dense_backward(y, cache))
    assert ops.softmax_cross_entropy(y, np.array([0, 1]))[1].dtype == dtype


def _raises(match, fn, *args):
    with pytest.raises(ValueError, match=match):
        fn(*args)


def test_conv2d_errors_name_the_shapes():
    x, w, b = np.zeros((2, 3, 8, 8)), np.zeros((4, 6, 3, 3)), np.zeros(4)
    _raises(r"x has 3 channels but w expects 6 \(x \(2, 3, 8, 8\), w \(4, 6, 3, 3\)\)",
            ops.conv2d_forward, x, w, b)
    _raises(r"b \(5,\)", ops.conv2d_forward, x, np.zeros((4, 3, 3, 3)), np.zeros(5))
    _raises(r"4-D", ops.conv2d_forward, x[0], np.zeros((4, 3, 3, 3)), b)
    _raises(r"larger than", ops.conv2d_forward, x, np.zeros((4, 3, 9, 3)), b)
    _raises(r"mixed dtypes", ops.conv2d_forward, x.astype(np.float32), np.zeros((4, 3, 3, 3)), b)
    _raises(r"float32 or float64", ops.conv2d_forward, x.astype(np.int64), np.zeros((4, 3, 3, 3)), b)
    _raises(r"stride", ops.conv2d_forward, x, np.zeros((4, 3, 3, 3)), b, 0)
    _raises(r"padding", ops.conv2d_forward, x, np.zeros((4, 3, 3, 3)), b, 1, -1)
    y, cache = ops.conv2d_forward(x, np.zeros((4, 3, 3, 3)), b)
    _raises(r"dy has shape \(2, 4, 5, 6\), expected \(2, 4, 6, 6\)", ops.conv2d_backward, np.zeros((2, 4, 5, 6)), cache)
    _raises(r"mixed dtypes", ops.conv2d_backward, y.astype(np.float32), cache)


def test_pool_activation_dense_loss_errors():
    x = np.zeros((2, 3, 4, 4))
    for fwd in (ops.maxpool2d_forward, ops.avgpool2d_forward):
        _raises(r"4-D", fwd, x[0])
        _raises(r"larger than input", fwd, x, 5, 1)
        _raises(r"size", fwd, x, 0, 1)
        _raises(r"float32 or float64", fwd, x.astype(np.int32))
    _, cache = ops.maxpool2d_forward(x)
    _raises(r"dy has shape \(2, 3, 3, 2\)", ops.maxpool2d_backward, np.zeros((2, 3, 3, 2)), cache)
    _, cache = ops.avgpool2d_forward(x)
    _raises(r"dy has shape \(2, 3, 3, 2\)", ops.avgpool2d_backward, np.zeros((2, 3, 3, 2)), cache)
    for name, (fwd, bwd, _) in ACTS.items():
        _raises(r"float32 or float64", fwd, np.zeros(3, np.int64))
        _, cache = fwd(x)
        _raises(r"\(2, 3, 4, 5\)", bwd, np.zeros((2, 3, 4, 5)), cache)
    _raises(r"x \(2, 5\), w \(4, 3\)", ops.dense_forward, np.zeros((2, 5)), np.zeros((4, 3)), np.zeros(3))
    _raises(r"2-D", ops.dense_forward, np.zeros(5), np.zeros((5, 3)), np.zeros(3))
    _raises(r"mixed dtypes", ops.dense_forward, np.zeros((2, 5), np.float32), np.zeros((5, 3)), np.zeros(3))
    _, cache = ops.dense_forward(np.zeros((2, 5)), np.zeros((5, 3)), np.zeros(3))
    _raises(r"dy has shape \(2, 4\), expected \(2, 3\)", ops.dense_backward, np.zeros((2, 4)), cache)
    z = np.zeros((3, 10))
    _raises(r"labels must lie in \[0, 10\)", ops.softmax_cross_entropy, z, np.array([0, 10, 1]))
    _raises(r"labels must lie in \[0, 10\)", ops.softmax_cross_entropy, z, np.array([0, -1, 1]))
    _raises(r"labels must be integers", ops.softmax_cross_entropy, z, np.array([0.0, 1.0, 2.0]))
    _raises(r"labels has shape \(2,\)", ops.softmax_cross_entropy, z, np.array([0, 1]))
