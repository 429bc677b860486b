"""What the benchmark measures: the engine, a plain-NumPy baseline and PyTorch, behind
one shape of call each (per-layer closures and a training-step object).

The NumPy baseline is the im2col implementation a from-scratch CNN usually ends up with:
im2col through stride tricks, one matmul per convolution, col2im as a loop over the
FH·FW kernel offsets, max-pool through a reshape. It has the engine's op API
(`conv2d_forward(x, w, b, stride, padding) -> (y, cache)`, ...) for the ops LeNet-5 uses
with ReLU and max-pooling, so the bench and its test can check it agrees with the engine.
PyTorch is imported only inside the functions that use it: the product runs without it.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

LR, MOMENTUM = 0.01, 0.9


# ---- NumPy im2col baseline: the same (out, cache) / (dout, cache) API as engine.ops ----

def conv2d_forward(x, w, b, stride=1, padding=0):
    """y[n,k] = Σ_c,i,j w[k,c,i,j] · x_pad[n,c,s·oh+i,s·ow+j] + b[k], as cols[N·OH·OW, C·FH·FW] @ W."""
    n, c, h, wd = x.shape
    k, _, fh, fw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding))) if padding else x
    oh = (h + 2 * padding - fh) // stride + 1
    ow = (wd + 2 * padding - fw) // stride + 1
    sn, sc, sh, sw = xp.strides
    win = as_strided(xp, (n, oh, ow, c, fh, fw), (sn, sh * stride, sw * stride, sc, sh, sw))
    cols = win.reshape(n * oh * ow, c * fh * fw)              # the copy im2col is named for
    y = cols @ w.reshape(k, -1).T + b
    y = np.ascontiguousarray(y.reshape(n, oh, ow, k).transpose(0, 3, 1, 2))
    return y, (x.shape, xp.shape, cols, w, stride, padding)


def conv2d_backward(dy, cache):
    """dW = dYᵀ·cols, db = Σ dY, dx = col2im(dY·W): scatter-add one kernel offset at a time."""
    x_shape, xp_shape, cols, w, s, p = cache
    n, k, oh, ow = dy.shape
    _, c, fh, fw = w.shape
    dy2 = dy.transpose(0, 2, 3, 1).reshape(-1, k)
    dw = (dy2.T @ cols).reshape(w.shape)
    db = dy.sum(axis=(0, 2, 3))
    dcols = (dy2 @ w.reshape(k, -1)).reshape(n, oh, ow, c, fh, fw).transpose(0, 3, 4, 5, 1, 2)
    dxp = np.zeros(xp_shape, dy.dtype)
    for i in range(fh):
        for j in range(fw):
            dxp[:, :, i:i + s * oh:s, j:j + s * ow:s] += dcols[:, :, i, j]
    dx = dxp[:, :, p:p + x_shape[2], p:p + x_shape[3]] if p else dxp
    return np.ascontiguousarray(dx), dw, db


def maxpool2d_forward(x, size=2, stride=2):
    """y = max over each size×size window; windows must tile x (stride == size, H and W divisible)."""
    n, c, h, w = x.shape
    if stride != size or h % size or w % size:
        raise ValueError(f"the NumPy baseline pools only tiling windows, got x {x.shape}, "
                         f"size {size}, stride {stride}")
    oh, ow = h // size, w // size
    win = x.reshape(n, c, oh, size, ow, size).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, oh, ow, -1)
    arg = win.argmax(axis=-1)[..., None]                      # first maximum, row-major in window
    y = np.take_along_axis(win, arg, axis=-1)[..., 0]
    return y, (x.shape, size, arg)


def maxpool2d_backward(dy, cache):
    """dx = dy routed to the first maximum of each window, zero elsewhere."""
    (n, c, h, w), size, arg = cache
    oh, ow = h // size, w // size
    dwin = np.zeros((n, c, oh, ow, size * size), dy.dtype)
    np.put_along_axis(dwin, arg, dy[..., None], axis=-1)
    dx = dwin.reshape(n, c, oh, ow, size, size).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h, w)
    return np.ascontiguousarray(dx)


def relu_forward(x):
    """y = max(x, 0)."""
    return np.maximum(x, 0), x


def relu_backward(dy, x):
    """dx = dy · [x > 0]."""
    return dy * (x > 0)


def dense_forward(x, w, b):
    """y = x·W + b."""
    return x @ w + b, (x, w)


def dense_backward(dy, cache):
    """dx = dy·Wᵀ, dW = xᵀ·dy, db = Σ_n dy."""
    x, w = cache
    return dy @ w.T, x.T @ dy, dy.sum(axis=0)


def softmax_cross_entropy(logits, labels):
    """L = −mean log softmax(z)[label];  dL/dz = (softmax(z) − onehot) / N."""
    n = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    p = e / e.sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(n), labels]).mean()
    p[np.arange(n), labels] -= 1
    return float(loss), p / n


class NumpyLeNet:
    """LeNet-5 (ReLU, max-pool) on the NumPy baseline, trained with momentum SGD.

    The update is PyTorch's (and engine.optim's): v ← μ·v + g;  p ← p − α·v.
    """

    def __init__(self, params: dict, lr: float, momentum: float):
        self.params = {k: v.copy() for k, v in params.items()}
        self.velocity = {k: np.zeros_like(v) for k, v in params.items()}
        self.lr, self.momentum = lr, momentum

    def loss_and_grads(self, x, labels):
        p, c = self.params, {}
        h, c["conv1"] = conv2d_forward(x, p["conv1_w"], p["conv1_b"], 1, 2)
        h, c["act1"] = relu_forward(h)
        h, c["pool1"] = maxpool2d_forward(h)
        h, c["conv2"] = conv2d_forward(h, p["conv2_w"], p["conv2_b"], 1, 0)
        h, c["act2"] = relu_forward(h)
        h, c["pool2"] = maxpool2d_forward(h)
        h, c["fc1"] = dense_forward(h.reshape(x.shape[0], -1), p["fc1_w"], p["fc1_b"])
        h, c["act3"] = relu_forward(h)
        h, c["fc2"] = dense_forward(h, p["fc2_w"], p["fc2_b"])
        h, c["act4"] = relu_forward(h)
        h, c["fc3"] = dense_forward(h, p["fc3_w"], p["fc3_b"])
        loss, d = softmax_cross_entropy(h, labels)
        g = {}
        d, g["fc3_w"], g["fc3_b"] = dense_backward(d, c["fc3"])
        d, g["fc2_w"], g["fc2_b"] = dense_backward(relu_backward(d, c["act4"]), c["fc2"])
        d, g["fc1_w"], g["fc1_b"] = dense_backward(relu_backward(d, c["act3"]), c["fc1"])
        d = maxpool2d_backward(d.reshape(-1, 16, 5, 5), c["pool2"])
        d, g["conv2_w"], g["conv2_b"] = conv2d_backward(relu_backward(d, c["act2"]), c["conv2"])
        d = maxpool2d_backward(d, c["pool1"])
        d, g["conv1_w"], g["conv1_b"] = conv2d_backward(relu_backward(d, c["act1"]), c["conv1"])
        return loss, g

    def step(self, x, labels):
        loss, grads = self.loss_and_grads(x, labels)
        for name, g in grads.items():
            v = self.velocity[name]
            v *= self.momentum
            v += g
            self.params[name] -= self.lr * v
        return loss


# ---- the cases the bench times, for the three implementations ----

def layer_inputs(n: int, rng: np.random.Generator) -> dict:
    """Random tensors with the shapes each LeNet-5 layer sees at batch n."""
    def r(*shape):
        return rng.standard_normal(shape, dtype=np.float32)
    p = {"x1": r(n, 1, 28, 28), "w1": r(6, 1, 5, 5) * 0.2, "b1": r(6),
         "a1": r(n, 6, 28, 28), "x2": r(n, 6, 14, 14), "w2": r(16, 6, 5, 5) * 0.08, "b2": r(16),
         "a2": r(n, 16, 10, 10), "f1": r(n, 400), "f2": r(n, 120), "f3": r(n, 84),
         "logits": r(n, 10), "labels": rng.integers(0, 10, n).astype(np.int64)}
    for i, (d, m) in enumerate(((400, 120), (120, 84), (84, 10)), 1):
        p[f"fc{i}_w"], p[f"fc{i}_b"] = r(d, m) * np.float32(d ** -0.5), r(m)
    return p


def ops_layer_cases(ops, t: dict) -> dict:
    """{layer: (forward(), backward() or None)} for a module with the engine's op API."""
    def pair(fwd, bwd):
        out, cache = fwd()
        dy = np.random.default_rng(1).standard_normal(out.shape, dtype=np.float32)
        return fwd, lambda: bwd(dy, cache)

    cases = {
        "conv1": pair(lambda: ops.conv2d_forward(t["x1"], t["w1"], t["b1"], 1, 2), ops.conv2d_backward),
        "relu1": pair(lambda: ops.relu_forward(t["a1"]), ops.relu_backward),
        "pool1": pair(lambda: ops.maxpool2d_forward(t["a1"], 2, 2), ops.maxpool2d_backward),
        "conv2": pair(lambda: ops.conv2d_forward(t["x2"], t["w2"], t["b2"], 1, 0), ops.conv2d_backward),
        "pool2": pair(lambda: ops.maxpool2d_forward(t["a2"], 2, 2), ops.maxpool2d_backward),
    }
    for i in (1, 2, 3):
        cases[f"fc{i}"] = pair(lambda i=i: ops.dense_forward(t[f"f{i}"], t[f"fc{i}_w"], t[f"fc{i}_b"]),
                               ops.dense_backward)
    # Loss and its gradient are one fused call in the engine's API.
    cases["softmax-CE"] = (lambda: ops.softmax_cross_entropy(t["logits"], t["labels"]), None)
    return cases


def torch_layer_cases(torch, t: dict) -> dict:
    """The same cases in torch: forward records autograd (as in training); backward is
    autograd.grad over the retained graph, for every input the engine's backward returns."""
    import torch.nn.functional as F
    tt = {k: torch.from_numpy(v).requires_grad_(v.dtype.kind == "f") for k, v in t.items()}

    def pair(fwd, wrt):
        out = fwd()
        dy = torch.randn_like(out)
        return fwd, lambda: torch.autograd.grad(out, wrt, dy, retain_graph=True)

    x1, w1, b1, a1, x2, w2, b2, a2 = (tt[k] for k in ("x1", "w1", "b1", "a1", "x2", "w2", "b2", "a2"))
    cases = {
        "conv1": pair(lambda: F.conv2d(x1, w1, b1, padding=2), (x1, w1, b1)),
        "relu1": pair(lambda: F.relu(a1), (a1,)),
        "pool1": pair(lambda: F.max_pool2d(a1, 2), (a1,)),
        "conv2": pair(lambda: F.conv2d(x2, w2, b2), (x2, w2, b2)),
        "pool2": pair(lambda: F.max_pool2d(a2, 2), (a2,)),
    }
    for i in (1, 2, 3):
        x, w, b = tt[f"f{i}"], tt[f"fc{i}_w"], tt[f"fc{i}_b"]
        cases[f"fc{i}"] = pair(lambda x=x, w=w, b=b: torch.addmm(b, x, w), (x, w, b))
    z, labels = tt["logits"], tt["labels"]
    cases["softmax-CE"] = (lambda: torch.autograd.grad(F.cross_entropy(z, labels), (z,)), None)
    return cases


class EngineLeNet:
    """The product's own training step: model.Network + optim.SGD (LeNet-5 on MNIST unless arch)."""

    def __init__(self, params: dict, lr: float = LR, momentum: float = MOMENTUM, arch=None):
        from simulator.engine.model import Network, NetConfig
        from simulator.engine.optim import SGD
        config = NetConfig() if arch is None else NetConfig(arch)
        self.model = Network(config, params={k: v.copy() for k, v in params.items()})
        self.opt = SGD(self.model.params, lr=lr, momentum=momentum, weight_decay=0.0)

    def step(self, x, labels):
        loss, grads, _, _ = self.model.loss_and_grads(x, labels)
        self.opt.step(grads)
        return loss


class TorchLeNet:
    """LeNet-5 (ReLU, max-pool) in torch.nn.functional, trained with torch.optim.SGD. Its input
    channels and classes are the parameters'; padding is conv1's (2 for MNIST's 28×28, 0 for 32×32)."""

    def __init__(self, torch, params: dict, lr: float = LR, momentum: float = MOMENTUM, padding: int = 2):
        self.torch = torch
        self.params = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
        self.opt = torch.optim.SGD(self.params.values(), lr=lr, momentum=momentum)
        self.padding = padding

    def logits(self, x):
        import torch.nn.functional as F
        p, addmm = self.params, self.torch.addmm
        h = F.max_pool2d(F.relu(F.conv2d(x, p["conv1_w"], p["conv1_b"], padding=self.padding)), 2)
        h = F.max_pool2d(F.relu(F.conv2d(h, p["conv2_w"], p["conv2_b"])), 2)
        h = F.relu(addmm(p["fc1_b"], h.flatten(1), p["fc1_w"]))
        h = F.relu(addmm(p["fc2_b"], h, p["fc2_w"]))
        return addmm(p["fc3_b"], h, p["fc3_w"])

    def step(self, x, labels):
        import torch.nn.functional as F
        self.opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(self.logits(x), labels)
        loss.backward()
        self.opt.step()
        return loss
