"""LeNet5 (the engine) against the same network written in torch with copied weights:
logits, loss, every parameter gradient and the input gradient, for every activation × pool."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from simulator.engine.model import LeNet5, LeNetConfig, PARAM_NAMES

TORCH_ACT = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}


def torch_lenet(p, x, activation, pool):
    """The torch twin of model.LeNet5.forward; dense weights are stored [D,M] in the engine."""
    act = TORCH_ACT[activation]
    pool_fn = F.max_pool2d if pool == "max" else F.avg_pool2d
    h = pool_fn(act(F.conv2d(x, p["conv1_w"], p["conv1_b"], padding=2)), 2, 2)
    h = pool_fn(act(F.conv2d(h, p["conv2_w"], p["conv2_b"])), 2, 2)
    h = h.reshape(x.shape[0], -1)
    h = act(h @ p["fc1_w"] + p["fc1_b"])
    h = act(h @ p["fc2_w"] + p["fc2_b"])
    return h @ p["fc3_w"] + p["fc3_b"]


@pytest.mark.parametrize("dtype,rtol,atol", [(np.float64, 1e-9, 1e-11), (np.float32, 2e-4, 2e-5)],
                         ids=["float64", "float32"])
@pytest.mark.parametrize("pool", ["max", "avg"])
@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
def test_lenet5_matches_torch(activation, pool, dtype, rtol, atol):
    model = LeNet5(LeNetConfig(activation, pool, seed=3), dtype=dtype)
    rng = np.random.default_rng(42)
    x = rng.standard_normal((5, 1, 28, 28)).astype(dtype)
    labels = rng.integers(0, 10, 5)

    loss, grads, fwd, dacts = model.loss_and_grads(x, labels, input_grad=True)

    tp = {k: torch.tensor(model.params[k].astype(np.float64), requires_grad=True) for k in PARAM_NAMES}
    xt = torch.tensor(x.astype(np.float64), requires_grad=True)
    logits = torch_lenet(tp, xt, activation, pool)
    tloss = F.cross_entropy(logits, torch.tensor(labels))
    tloss.backward()

    assert fwd.outputs["logits"].dtype == dtype
    np.testing.assert_allclose(fwd.outputs["logits"], logits.detach().numpy(), rtol=rtol, atol=atol)
    np.testing.assert_allclose(loss, tloss.item(), rtol=rtol, atol=atol)
    for name in PARAM_NAMES:
        assert grads[name].dtype == dtype and grads[name].shape == model.params[name].shape
        np.testing.assert_allclose(grads[name], tp[name].grad.numpy(), rtol=rtol, atol=atol, err_msg=name)
    np.testing.assert_allclose(dacts["input"], xt.grad.numpy(), rtol=rtol, atol=atol)


def test_lenet5_single_image_matches_batch():
    """Batch 1 (the draw-a-digit path) gives the same logits as that image inside a batch."""
    model = LeNet5(LeNetConfig("relu", "max", seed=1), dtype=np.float64)
    x = np.random.default_rng(0).standard_normal((7, 1, 28, 28))
    full = model.forward(x).outputs["logits"]
    for i in (0, 6):
        np.testing.assert_allclose(model.forward(x[i:i + 1]).outputs["logits"], full[i:i + 1],
                                   rtol=1e-12, atol=1e-12)
