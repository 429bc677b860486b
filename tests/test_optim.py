"""SGD with momentum and weight decay against torch.optim.SGD, and its flush of subnormal velocities."""
import numpy as np
import pytest
import torch

from simulator.engine.optim import SGD


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sgd_matches_torch_over_several_steps(dtype):
    rng = np.random.default_rng(3)
    params = {"w": rng.standard_normal((7, 5)).astype(dtype), "b": rng.standard_normal(5).astype(dtype)}
    theirs = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in params.items()}
    ours = SGD(params, lr=0.05, momentum=0.9, weight_decay=5e-4)
    opt = torch.optim.SGD(theirs.values(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    for _ in range(6):
        grads = {k: rng.standard_normal(v.shape).astype(dtype) for k, v in params.items()}
        ours.step(grads)
        for k, t in theirs.items():
            t.grad = torch.from_numpy(grads[k].copy())
        opt.step()
    tol = 1e-12 if dtype == np.float64 else 1e-5
    for k in params:
        np.testing.assert_allclose(params[k], theirs[k].detach().numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_velocity_that_decays_below_the_smallest_normal_float_becomes_zero(dtype):
    """A weight whose gradient stays 0 sees its velocity shrink by μ each step; it must reach 0
    instead of living on as a subnormal (slow on x86), while normal values are untouched."""
    tiny = np.finfo(dtype).tiny
    params = {"w": np.ones(4, dtype)}
    opt = SGD(params, lr=1e-3, momentum=0.5, weight_decay=0.0)
    opt.velocity["w"][:] = [tiny * 1.5, tiny * 4, 1.0, -tiny * 1.5]
    opt.step({"w": np.zeros(4, dtype)})
    v = opt.velocity["w"]
    assert v[0] == 0 and v[3] == 0                       # 0.75·tiny: subnormal, flushed
    assert v[1] == dtype(tiny * 2) and v[2] == 0.5       # still normal: exact
    assert np.all(params["w"][[0, 3]] == 1)              # a flushed velocity moves nothing


def test_nan_and_inf_in_a_gradient_still_reach_the_weights():
    params = {"w": np.ones(3, np.float32)}
    opt = SGD(params, lr=0.1, momentum=0.9)
    opt.step({"w": np.array([np.nan, np.inf, 0.0], np.float32)})
    assert np.isnan(params["w"][0]) and params["w"][1] == -np.inf and params["w"][2] == 1
