"""The engine's Network against the same network built in torch from the same Arch, with copied
weights: logits, loss, every parameter gradient and the gradient of every named tensor (the
input's included), for LeNet-5 with every activation × pool and for networks of other shapes
(stride 2, paddings 0 to 4, kernels 3, 5 and 7, avg pooling, overlapping and non-dividing pools,
three conv layers, no pooling, a single dense layer, a pool before the first conv)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from simulator.engine import ops
from simulator.engine.arch import LENET5, Act, Conv, Dense, Flatten, Pool, build, lenet5_spec
from simulator.engine.model import NetConfig, Network
from test_ops import _numeric_grad

TORCH_ACT = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}
TOLERANCES = [(np.float64, 1e-9, 1e-11), (np.float32, 2e-4, 2e-5)]
SPECS = [
    "conv8k3s2p1-relu-avgpool2-conv16k3-tanh-maxpool3s2-fc32-sigmoid-fc10",   # stride 2, k3, pool 3 s2
    "conv4k7-sigmoid-conv6k3s2-tanh-conv8k3-relu-fc10",                       # 3 convs, k7, no pool, 1 dense
    "conv5k5p2-relu-maxpool3-conv7k5-relu-avgpool2s1-fc20-tanh-fc10",         # 28/3 floored, overlapping avg
    "conv3k5s3-tanh-maxpool2s1-fc10",                                          # (28−5)/3 floored, overlapping max
    "maxpool2-conv6k3-relu-fc16-relu-fc10",                                    # a pool before any conv
    "fc10",                                                                    # one dense layer, no conv
    "conv4k5p4-relu-conv5k5p3-sigmoid-maxpool4-fc10",                          # 5-wide (direct) with paddings 4, 3
]


def torch_net(arch, p, x):
    """The torch twin of Network.forward_ops: every named tensor (grads retained), dense weights [D,M]."""
    out, h = {"input": x}, x
    for layer in arch.layers:
        if isinstance(layer, Conv):
            h = F.conv2d(h, p[f"{layer.name}_w"], p[f"{layer.name}_b"], layer.stride, layer.padding)
        elif isinstance(layer, Act):
            h = TORCH_ACT[layer.kind](h)
        elif isinstance(layer, Pool):
            pool = F.max_pool2d if layer.kind == "max" else F.avg_pool2d
            h = pool(h, layer.size, layer.stride)
        elif isinstance(layer, Flatten):
            h = h.reshape(x.shape[0], -1)
        else:
            key = arch.param_prefix(layer)
            h = h @ p[f"{key}_w"] + p[f"{key}_b"]
        h.retain_grad()
        out[layer.name] = h
    return out


def check_against_torch(arch, dtype, rtol, atol, n=5, seed=3):
    model = Network(NetConfig(arch, seed=seed), dtype=dtype)
    rng = np.random.default_rng(42)
    x = rng.standard_normal((n,) + arch.input_shape).astype(dtype)
    labels = rng.integers(0, arch.classes, n)

    loss, grads, fwd, dacts = model.loss_and_grads(x, labels, input_grad=True)

    tp = {k: torch.tensor(v.astype(np.float64), requires_grad=True) for k, v in model.params.items()}
    xt = torch.tensor(x.astype(np.float64), requires_grad=True)
    tout = torch_net(arch, tp, xt)
    tloss = F.cross_entropy(tout["logits"], torch.tensor(labels))
    tloss.backward()

    assert fwd.outputs["logits"].dtype == dtype
    assert set(fwd.outputs) == set(arch.tensor_names) == set(dacts)
    assert set(grads) == set(arch.param_shapes) == set(model.params)
    np.testing.assert_allclose(loss, tloss.item(), rtol=rtol, atol=atol)
    for name in arch.tensor_names:
        assert fwd.outputs[name].shape == (n,) + arch.shape_of(name), name
        np.testing.assert_allclose(fwd.outputs[name], tout[name].detach().numpy(), rtol=rtol, atol=atol,
                                   err_msg=name)
        np.testing.assert_allclose(dacts[name], tout[name].grad.numpy(), rtol=rtol, atol=atol, err_msg=f"d{name}")
    for name in arch.param_shapes:
        assert grads[name].dtype == dtype and grads[name].shape == model.params[name].shape
        np.testing.assert_allclose(grads[name], tp[name].grad.numpy(), rtol=rtol, atol=atol, err_msg=name)


@pytest.mark.parametrize("dtype,rtol,atol", TOLERANCES, ids=["float64", "float32"])
@pytest.mark.parametrize("pool", ["max", "avg"])
@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
def test_lenet5_matches_torch(activation, pool, dtype, rtol, atol):
    check_against_torch(LENET5.with_kinds(activation, pool), dtype, rtol, atol)


@pytest.mark.parametrize("dtype,rtol,atol", TOLERANCES, ids=["float64", "float32"])
@pytest.mark.parametrize("spec", SPECS)
def test_other_networks_match_torch(spec, dtype, rtol, atol):
    check_against_torch(build(spec), dtype, rtol, atol, n=6)


# Colour and other sizes and class counts: (spec, input C×H×W, classes)
COLOUR = [
    (lenet5_spec((32, 32), 6), (3, 32, 32), 6),              # the shapes set's network
    (lenet5_spec((28, 28), 10), (3, 28, 28), 10),            # padding 2 on three planes
    (lenet5_spec((64, 64), 100), (3, 64, 64), 100),          # the largest size, the most classes
    (lenet5_spec((48, 32), 2), (1, 48, 32), 2),              # grey, not square, two classes
    ("conv8k3s2p1-relu-avgpool2-conv16k3-tanh-fc7", (3, 40, 24), 7),
]


@pytest.mark.parametrize("dtype,rtol,atol", TOLERANCES, ids=["float64", "float32"])
@pytest.mark.parametrize("spec, shape, classes", COLOUR)
def test_colour_and_other_sizes_match_torch(spec, shape, classes, dtype, rtol, atol):
    arch = build(spec, shape, classes)
    assert arch.input_shape == shape and arch.classes == classes and arch.param_shapes["conv1_w"][1] == shape[0]
    check_against_torch(arch, dtype, rtol, atol, n=6)


@pytest.mark.parametrize("spec", [LENET5.spec] + SPECS)
def test_batched_path_is_the_op_by_op_path(spec):
    """model.forward / loss_and_grads (whole network per thread slice, chunks of images) give
    forward_ops + softmax_cross_entropy + backward's numbers, over several chunks and slices;
    without input_grad every tensor but the input (and what only the input feeds) still has its gradient."""
    arch = build(spec)
    model = Network(NetConfig(arch, seed=2), dtype=np.float64)
    rng = np.random.default_rng(7)
    x = rng.standard_normal((70, 1, 28, 28))
    labels = rng.integers(0, 10, 70)
    ref = model.forward_ops(x)
    ref_loss, dz = ops.softmax_cross_entropy(ref.outputs["logits"], labels)
    ref_grads, ref_d = model.backward(dz, ref)
    fwd = model.forward(x)
    for name in arch.tensor_names:
        np.testing.assert_allclose(fwd.outputs[name], ref.outputs[name], rtol=1e-12, atol=1e-13, err_msg=name)
    for input_grad in (True, False):
        loss, grads, fwd, d = model.loss_and_grads(x, labels, input_grad=input_grad)
        np.testing.assert_allclose(loss, ref_loss, rtol=1e-12)
        for name, g in ref_grads.items():
            np.testing.assert_allclose(grads[name], g, rtol=1e-10, atol=1e-14, err_msg=name)
        for name in d:
            np.testing.assert_allclose(d[name], ref_d[name], rtol=1e-10, atol=1e-14, err_msg=name)
        assert ("input" in d) == input_grad
        first = next(i for i, layer in enumerate(arch.layers) if isinstance(layer, (Conv, Dense)))
        assert set(arch.tensor_names[first + 1:]) <= set(d)
        for name, cache in ref.caches.items():       # the screens read the caches too
            assert type(fwd.caches[name]) is type(cache), name


def test_finite_differences_of_a_small_network():
    """float64 central differences of the loss against the engine's gradients, for every
    parameter and input pixel, on a smooth network with stride, padding and avg pooling."""
    arch = build("conv3k3s2p1-tanh-avgpool2-conv4k3-sigmoid-fc6-tanh-fc10")
    model = Network(NetConfig(arch, seed=5), dtype=np.float64)
    rng = np.random.default_rng(9)
    x = rng.standard_normal((3, 1, 28, 28))
    labels = rng.integers(0, 10, 3)
    _, grads, _, dacts = model.loss_and_grads(x, labels, input_grad=True)

    def loss_at():
        return ops.softmax_cross_entropy(model.forward(x).outputs["logits"], labels)[0]

    for name, array in [*model.params.items(), ("input", x)]:       # every element, changed in place
        grad = dacts["input"] if name == "input" else grads[name]
        np.testing.assert_allclose(grad, _numeric_grad(loss_at, array), rtol=1e-5, atol=1e-9, err_msg=name)


def test_lenet5_single_image_matches_batch():
    """Batch 1 (the draw-a-digit path) gives the same logits as that image inside a batch."""
    model = Network(NetConfig(seed=1), dtype=np.float64)
    x = np.random.default_rng(0).standard_normal((7, 1, 28, 28))
    full = model.forward(x).outputs["logits"]
    for i in (0, 6):
        np.testing.assert_allclose(model.forward(x[i:i + 1]).outputs["logits"], full[i:i + 1],
                                   rtol=1e-12, atol=1e-12)


def test_init_rule_and_parameters_follow_the_arch():
    """He-normal (std √(2/fan_in)) where a ReLU follows, Glorot-uniform elsewhere and for the logits
    (scaled by LOGITS_SCALE); biases BIAS_RELU where a ReLU follows, else uniform in ±BIAS_OTHER."""
    from simulator.engine.model import BIAS_OTHER, BIAS_RELU, LOGITS_SCALE
    arch = build("conv64k3-relu-conv64k3-tanh-fc64-relu-fc10")
    params = Network(NetConfig(arch, seed=0)).params
    assert {k: v.shape for k, v in params.items()} == arch.param_shapes
    np.testing.assert_allclose(params["conv1_w"].std(), np.sqrt(2 / 9), rtol=0.1)
    limit2 = np.sqrt(6 / (64 * 9 + 64 * 9))
    assert np.abs(params["conv2_w"]).max() <= limit2 and params["conv2_w"].std() == pytest.approx(limit2 / np.sqrt(3), rel=0.1)
    np.testing.assert_allclose(params["fc1_w"].std(), np.sqrt(2 / (64 * 24 * 24)), rtol=0.1)
    limit4 = LOGITS_SCALE * np.sqrt(6 / (64 + 10))
    assert np.abs(params["fc2_w"]).max() <= limit4 and params["fc2_w"].std() == pytest.approx(limit4 / np.sqrt(3), rel=0.1)
    for relu_follows in ("conv1_b", "fc1_b"):
        np.testing.assert_array_equal(params[relu_follows], np.float32(BIAS_RELU))
    for other in ("conv2_b", "fc2_b"):
        b = params[other]
        assert np.all(b != 0) and np.abs(b).max() <= BIAS_OTHER and len(np.unique(b)) == b.size
