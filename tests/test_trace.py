"""trace.py: the numbers the app's screens show are the engine's numbers."""
import numpy as np
import pytest

from simulator.engine import ops
from simulator.engine.history import HistoryBuffer
from simulator.engine.trace import (CHANNEL_RULE, SAMPLE_RULE, weights_on_screen, build_snapshot, conv_terms,
                                    conv_window, least_sure, pool_crop, strict_max, typical_channel)
from simulator.engine.trainer import TrainConfig, Trainer


@pytest.fixture(scope="module")
def small(mnist):
    return mnist.subset(512, 64)


def one_step(data, **config):
    trainer = Trainer(TrainConfig(batch_size=8, schedule="constant", **config), data)
    used = {n: trainer.model.params[n].copy() for n in weights_on_screen(trainer.model.arch)}
    result = trainer.train_step()
    return trainer, result, used


def snapshot(trainer, result, used, selection=("conv1", 2)):
    return build_snapshot(seq=1, status="running", trainer=trainer, result=result, weights_used=used,
                          history=HistoryBuffer().freeze(0), speed="max", images_per_sec=0.0, selection=selection)


@pytest.mark.parametrize("C,H,padding", [(1, 28, 2), (6, 14, 0)])
def test_conv_terms_match_the_conv_kernel(C, H, padding):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(1, C, H, H)).astype(np.float32)
    w = rng.normal(size=(4, C, 5, 5)).astype(np.float32)
    b = rng.normal(size=4).astype(np.float32)
    y, _ = ops.conv2d_forward(x, w, b, 1, padding)
    for k in range(4):
        terms = conv_terms(x[0], w, b, k, 1, padding)
        np.testing.assert_allclose(terms.results, y[0, k], rtol=1e-5, atol=1e-5)
        win = terms.window(3, 7)
        padded = np.pad(x[0], ((0, 0), (padding, padding), (padding, padding)))
        np.testing.assert_array_equal(win.patch, padded[:, 3:8, 7:12])
        np.testing.assert_allclose(win.products, w[k] * padded[:, 3:8, 7:12], rtol=1e-6)
        assert win.result == pytest.approx(win.total + float(b[k]), abs=1e-5)
        assert win.bias == float(b[k])
    assert conv_window(x[0], w, b, 1, 3, 7, 1, padding).result == pytest.approx(float(y[0, 1, 3, 7]), abs=1e-4)


def test_top_terms_are_the_largest_products():
    rng = np.random.default_rng(2)
    x, w, b = rng.normal(size=(6, 14, 14)), rng.normal(size=(2, 6, 5, 5)), np.zeros(2)
    win = conv_window(x, w, b, 1, 4, 4)
    top = win.top_terms(4)
    mags = [abs(t[5]) for t in top]
    assert mags == sorted(mags, reverse=True)
    assert mags[0] == pytest.approx(np.abs(win.products).max())
    for c, p, q, wv, xv, prod in top:
        assert wv == w[1, c, p, q] and xv == x[c, 4 + p, 4 + q] and prod == pytest.approx(wv * xv)


def test_snapshot_conv_uses_the_weights_of_the_forward_pass(small):
    """The optimiser updates parameters in place after the forward pass; the snapshot must
    show the weights that produced the activations, so z equals the forward output."""
    trainer, result, used = one_step(small)
    assert not np.array_equal(used["conv1_w"], trainer.model.params["conv1_w"])   # the step did update
    for selection in (("conv1", 2), ("conv2", 11)):
        snap = snapshot(trainer, result, used, selection)
        layer, k = selection
        n = snap.sample_pos
        np.testing.assert_allclose(snap.conv.results, result.fwd.outputs[layer][n, k], rtol=1e-5, atol=1e-5)
        np.testing.assert_array_equal(snap.conv.forward, result.fwd.outputs[layer][n, k])
        np.testing.assert_array_equal(snap.weights[f"{layer}_w"], used[f"{layer}_w"])


def test_snapshot_is_immutable_and_holds_the_sample_the_net_is_least_sure_of(small):
    trainer, result, used = one_step(small)
    snap = snapshot(trainer, result, used)
    n = snap.sample_pos
    z = result.fwd.outputs["logits"].astype(np.float64)
    labels = small.train_labels[result.indices]
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    assert n == int(np.argmin(p[np.arange(len(p)), labels])) and snap.sample_rule == SAMPLE_RULE
    for name, a in snap.acts.items():
        np.testing.assert_array_equal(a, result.fwd.outputs[name][n])
        with pytest.raises(ValueError):
            a[...] = 0
    for name, g in snap.grads.items():
        np.testing.assert_array_equal(g, result.dacts[name][n])
    with pytest.raises(TypeError):
        snap.acts["input"] = None
    assert snap.label == int(small.train_labels[result.indices[n]])
    assert snap.sample_index == int(result.indices[n])
    assert snap.probs.sum() == pytest.approx(1.0)
    # its gradient at the logits is the largest of the batch: p − onehot, with p_label the lowest
    dz = np.abs(result.dacts["logits"]).sum(axis=1)
    assert dz[n] == pytest.approx(dz.max())


@pytest.mark.parametrize("pool", ["max", "avg"])
def test_pool_routing_is_the_pool_backward_output(small, pool):
    trainer, result, used = one_step(small, pool=pool)
    snap = snapshot(trainer, result, used, ("conv1", 3))
    tr = snap.pool_trace
    n = snap.sample_pos
    x = result.fwd.outputs["act1"][n:n + 1, 3:4].copy()
    dy = result.dacts["pool1"][n:n + 1, 3:4].copy()
    fwd, back = ((ops.maxpool2d_forward, ops.maxpool2d_backward) if pool == "max"
                 else (ops.avgpool2d_forward, ops.avgpool2d_backward))
    y, cache = fwd(x, 2, 2)
    np.testing.assert_array_equal(tr.y, y[0, 0])
    np.testing.assert_array_equal(tr.dx, back(dy, cache)[0, 0])
    if pool == "max":
        np.testing.assert_array_equal(tr.argmax, cache.argmax[0, 0])
        assert tr.window_argmax(0, 0) == divmod(int(cache.argmax[0, 0, 0, 0]), 28)
    else:
        assert tr.argmax is None and tr.window_argmax(0, 0) is None


def test_pool_crop_finds_the_busy_windows():
    dy, y = np.zeros((14, 14)), np.zeros((14, 14))
    y[9:12, 4:7] = 1.0
    dy[10, 5] = 0.01
    assert pool_crop(dy, y, 3) == (9, 4, 3)
    assert pool_crop(np.zeros((5, 5)), np.zeros((5, 5)), 3) == (0, 0, 3)


def test_strict_max_and_the_crop_that_prefers_it():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 3, (12, 12)).astype(np.float32)      # many ties and zeros
    strict = strict_max(x)
    for i in range(6):
        for j in range(6):
            w = x[2 * i:2 * i + 2, 2 * j:2 * j + 2]
            assert strict[i, j] == (w.max() > 0 and (w == w.max()).sum() == 1)
    y = x.reshape(6, 2, 6, 2).max(axis=(1, 3))
    i, j, n = pool_crop(np.zeros_like(y), y, 3, strict)
    counts = np.lib.stride_tricks.sliding_window_view(strict, (3, 3)).sum(axis=(2, 3))
    assert strict[i:i + 3, j:j + 3].sum() == counts.max()


def test_busy_windows_are_the_ones_that_touch_ink():
    x = np.full((1, 12, 12), -0.42, np.float32)              # blank background (the minimum)
    x[0, 5, 7] = 2.0
    w = np.ones((1, 1, 3, 3), np.float32)
    terms = conv_terms(x, w, np.zeros(1, np.float32), 0, 1, 1)
    busy = terms.busy()
    assert busy.shape == (12, 12)
    expected = np.zeros((12, 12), bool)
    expected[4:7, 6:9] = True              # output pixels whose 3×3 window (padding 1) covers (5, 7)
    np.testing.assert_array_equal(busy, expected)


def test_history_stays_bounded_and_keeps_the_whole_run():
    h = HistoryBuffer(capacity=64)
    for step in range(1, 10001):
        h.add(step, 1.0 / step, 0.5, 0.9)
    frozen = h.freeze(100)
    assert len(frozen.steps) <= 65
    assert np.all(np.diff(frozen.steps) > 0)
    assert frozen.steps[0] < 400 and frozen.steps[-1] == 10000
    for i in range(200):
        h.add_test(i, 0.5)
    assert len(h.freeze(100).test_steps) <= 64 + 1


def test_conv_layers_follow_the_arch():
    from simulator.engine.arch import LENET5, build
    from simulator.engine.trace import conv_layers
    assert conv_layers(LENET5) == {"conv1": ("input", "conv1_w", "conv1_b", "act1", "pool1", 1, 2),
                                   "conv2": ("pool1", "conv2_w", "conv2_b", "act2", "pool2", 1, 0)}
    convs = conv_layers(build("maxpool2-conv4k3s2p1-avgpool2-conv5k3-tanh-conv6k1-fc10"))
    assert convs == {"conv1": ("pool1", "conv1_w", "conv1_b", None, "pool2", 2, 1),
                     "conv2": ("pool2", "conv2_w", "conv2_b", "act1", None, 1, 0),
                     "conv3": ("act1", "conv3_w", "conv3_b", None, None, 1, 0)}
    assert weights_on_screen(build("fc32-relu-fc10")) == ()


@pytest.mark.parametrize("spec, selection, pool", [
    ("conv4k3s2p1-tanh-avgpool3s2-conv6k3-relu-fc16-relu-fc10", ("conv1", 9), "pool1"),   # channel clamped to 3
    ("conv4k7-sigmoid-conv6k3s2-tanh-conv8k3-relu-fc10", ("conv2", 5), None),              # no pooling
    ("conv4k7-sigmoid-conv6k3s2-tanh-conv8k3-relu-fc10", ("conv9", 1), None),              # no such layer: conv1
    ("fc32-relu-fc10", ("conv1", 0), None),                                                # no conv at all
])
def test_snapshot_of_another_network(small, spec, selection, pool):
    """The snapshot holds every tensor of the arch, the selected conv's terms equal the forward
    output, its pool (if it has one) is the engine's, and the limits name every conv block."""
    from simulator.engine.arch import build
    from simulator.engine.trace import conv_layers
    trainer, result, used = one_step(small, arch=spec)
    arch = build(spec)
    snap = snapshot(trainer, result, used, selection)
    assert snap.arch == arch and set(snap.acts) == set(arch.tensor_names)
    first = min(i for i, name in enumerate(arch.tensor_names) if name.startswith(("conv", "fc", "logits")))
    assert set(snap.grads) == set(arch.tensor_names[first:])     # what only the input feeds has none
    convs = conv_layers(arch)
    if not convs:
        assert snap.conv is None and snap.pool_trace is None
        assert {"input", "flat", "fc1", "logits"} <= set(snap.limits)
        return
    layer = selection[0] if selection[0] in convs else "conv1"
    k = min(selection[1], arch.shape_of(layer)[0] - 1)
    assert (snap.conv.layer, snap.conv.channel) == (layer, k)
    np.testing.assert_allclose(snap.conv.results, result.fwd.outputs[layer][snap.sample_pos, k], rtol=1e-5, atol=1e-5)
    assert snap.conv.stride == convs[layer].stride and snap.conv.padding == convs[layer].padding
    assert {f"stage{i}" for i in range(1, len(convs) + 1)} | {f"{c}_w" for c in convs} <= set(snap.limits)
    if pool is None:
        assert snap.pool_trace is None
    else:
        assert snap.pool_trace.layer == pool and snap.pool_trace.size == arch.layers[2].size
        np.testing.assert_array_equal(snap.pool_trace.y, result.fwd.outputs[pool][snap.sample_pos, k])
        assert snap.pool_trace.dx.shape == arch.shape_of(convs[layer].act)[1:]


def test_least_sure_is_the_lowest_label_probability_and_a_nan_row_counts_as_least_sure():
    z = np.array([[5.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 9.0]])
    assert least_sure(z, np.array([0, 1, 2])) == 1
    assert least_sure(z, np.array([1, 1, 2])) == 0
    z[2, 0] = np.nan
    assert least_sure(z, np.array([0, 1, 2])) == 2


def test_typical_channel_has_the_most_strict_windows_in_its_best_block():
    rng = np.random.default_rng(3)
    maps = np.zeros((3, 12, 12))
    maps[1] = np.maximum(rng.normal(size=(12, 12)), 0)          # lively: mostly strict windows
    maps[2, :2, :2] = [[1.0, 0.0], [0.0, 0.0]]                  # one strict window only
    assert typical_channel(maps, 2, 2) == 1
    assert typical_channel(maps, None, None) == 1                # no max pool: the most positive values
    block = [int(strict_max(m, 2, 2)[:3, :3].sum()) for m in maps]
    assert block[1] > block[2] > block[0]


def test_a_selection_without_a_channel_shows_the_typical_one(small):
    """The worker's default: the channel of the selected conv whose pool has the most strict,
    non-zero maxima in a 3×3 block, said so by channel_auto/channel_rule."""
    trainer, result, used = one_step(small)
    snap = snapshot(trainer, result, used, ("conv2", None))
    n = snap.sample_pos
    assert snap.channel_auto and snap.channel_rule == CHANNEL_RULE and snap.conv.layer == "conv2"
    assert snap.conv.channel == typical_channel(result.fwd.outputs["act2"][n], 2, 2)
    chosen = snap.pool_trace
    i, j, b = chosen.crop
    strict = strict_max(chosen.x, 2, 2)
    for k in range(result.fwd.outputs["act2"].shape[1]):      # no other channel has a better block
        other = strict_max(result.fwd.outputs["act2"][n, k], 2, 2)
        best = np.lib.stride_tricks.sliding_window_view(other, (3, 3)).sum(axis=(2, 3)).max()
        assert best <= strict[i:i + b, j:j + b].sum()
    assert not snapshot(trainer, result, used, ("conv2", 4)).channel_auto
