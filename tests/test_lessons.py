"""Engine math of the lessons: regression vs closed-form least squares, divergence labels,
activation curves, pooling routing vs the ops, RGB convolution, draw-pad preprocessing,
receptive fields, the cached training comparison, and engine calls while training runs."""
import json
import threading
import time

import numpy as np
import pytest

from simulator.engine import ops
from simulator.engine.lessons import activations as act
from simulator.engine.lessons import draw as draw_math
from simulator.engine.lessons import network as net
from simulator.engine.lessons import pooling as pool
from simulator.engine.lessons import regression as reg
from simulator.engine.lessons import rgb as rgb
from simulator.engine.data import MEAN, STD, normalise
from simulator.engine.background import Background
from simulator.paths import cache_dir
from simulator.engine.arch import LENET5
from simulator.engine.model import Network, NetConfig
from simulator.errors import UserError


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CNN_SIMULATOR_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


# ----------------------------------------------------------------------------- regression

def test_gradient_descent_reaches_the_least_squares_fit():
    p = reg.make_points(seed=3)
    X = np.stack([np.ones_like(p.x), p.x], axis=1)
    lstsq = np.linalg.lstsq(X, p.y, rcond=None)[0]
    np.testing.assert_allclose(reg.closed_form(p), lstsq, rtol=1e-12)
    run = reg.gradient_descent(p, 0.25, 400)
    np.testing.assert_allclose(run.thetas[-1], lstsq, atol=1e-8)
    assert run.costs[-1] == pytest.approx(reg.cost(p, lstsq), rel=1e-10)
    assert np.all(np.diff(run.costs) <= 1e-15)            # below 2/λmax the cost never rises


def test_each_update_is_theta_minus_alpha_grad_and_the_gradient_is_right():
    p = reg.make_points()
    run = reg.gradient_descent(p, 0.1, 30, (2.5, 0.0))
    np.testing.assert_allclose(run.thetas[1:], run.thetas[:-1] - 0.1 * run.grads[:-1], rtol=1e-14)
    for theta in run.thetas[::7]:
        h = 1e-6
        num = [(reg.cost(p, theta + e) - reg.cost(p, theta - e)) / (2 * h) for e in np.eye(2) * h]
        np.testing.assert_allclose(reg.gradient(p, theta), num, rtol=1e-6, atol=1e-8)
        assert reg.cost(p, theta) == pytest.approx(np.mean((theta[0] + theta[1] * p.x - p.y) ** 2) / 2)


def test_cost_grid_holds_the_cost():
    p = reg.make_points()
    g = reg.cost_grid(p, (-1, 3), (-0.5, 3), 17)
    for i, j in [(0, 0), (5, 11), (16, 16)]:
        assert g.values[i, j] == pytest.approx(reg.cost(p, (g.t0[j], g.t1[i])))
    levels = reg.contour_levels(g)
    assert np.all(np.diff(levels) > 0) and levels[-1] == pytest.approx(g.values.max())


def test_learning_rate_regime_is_the_theory_of_1_minus_alpha_lambda():
    p = reg.make_points()
    X = np.stack([np.ones_like(p.x), p.x], axis=1)
    lam = np.linalg.eigvalsh(X.T @ X / len(p.x)).max()
    assert reg.critical_lr(p) == pytest.approx(2 / lam)
    for alpha in np.linspace(0.01, 1.2, 120) / lam * 2:
        f = 1 - alpha * lam
        label = reg.regime(p, alpha)
        expected = "diverging" if f < -1 else "overshooting" if f < 0 else "converging"
        assert label == expected or (label == "oscillating" and abs(f + 1) < 1e-9), (alpha, f, label)
    assert reg.regime(p, 2 / lam) == "oscillating"
    assert reg.regime(p, 1.0001 * 2 / lam) == "diverging"          # never "overshooting" above 2/λmax
    assert reg.regime(p, 0.9999 * 2 / lam) == "overshooting"        # never "diverging" below it


def test_the_label_holds_from_step_0_and_the_runs_behave_as_labelled():
    p = reg.make_points()
    for alpha in reg.example_rates(p):
        run = reg.gradient_descent(p, alpha, 60, (2.5, 0.0))
        assert run.status == reg.regime(p, alpha)
        short = reg.gradient_descent(p, alpha, 1, (2.5, 0.0))   # one step: the label is already the theory's
        assert short.status == run.status
        star = reg.closed_form(p)
        dist = np.linalg.norm(run.thetas - star, axis=1)
        if run.status == "diverging":
            assert run.diverged_at is not None and run.costs[-1] > reg.DIVERGE_FACTOR * run.costs[0]
            assert len(run.costs) == run.diverged_at + 1          # it stops where it blew up
        else:
            assert run.diverged_at is None and dist[-1] < 0.1 * dist[0]


def test_a_runs_cost_axis_top_holds_every_cost_so_far_even_when_it_diverges():
    """The screen's cost plot was fixed to 1.05·J(θ₀), so a diverging run left it: Run.cost_top(k)
    is the largest finite J of steps 0 … k, never below J(θ₀), never inf."""
    p = reg.make_points()
    for alpha in reg.example_rates(p):
        run = reg.gradient_descent(p, alpha, 60, (2.5, 0.0))
        for k in range(len(run.costs)):
            top = run.cost_top(k)
            finite = run.costs[:k + 1][np.isfinite(run.costs[:k + 1])]
            assert top == finite.max() >= run.costs[0] and np.isfinite(top)
        assert run.diverged == (run.status == "diverging")
        if run.diverged:
            assert run.cost_top(len(run.costs) - 1) > reg.DIVERGE_FACTOR * run.costs[0]
        else:
            assert run.cost_top(len(run.costs) - 1) == run.costs[0]        # it only went down
    overflow = reg.gradient_descent(p, 50 * reg.critical_lr(p), 400, (2.5, 0.0))
    assert np.isfinite(overflow.cost_top(10**6))


def test_example_rates_show_each_regime_and_the_zigzag():
    p = reg.make_points()
    rates = reg.example_rates(p)
    assert [reg.regime(p, a) for a in rates] == ["converging", "overshooting", "diverging"]
    _, steep = reg.step_factors(p, rates[1])
    assert -1 < steep < 0
    # the overshooting run really crosses the valley: along the steepest eigenvector the sign of
    # θ − θ* flips every step
    X = np.stack([np.ones_like(p.x), p.x], axis=1)
    v = np.linalg.eigh(X.T @ X / len(p.x))[1][:, -1]
    run = reg.gradient_descent(p, rates[1], 12, (2.5, 0.0))
    along = (run.thetas - reg.closed_form(p)) @ v
    assert np.all(np.sign(along[1:]) == -np.sign(along[:-1]))
    # and the monotone one never does
    run = reg.gradient_descent(p, rates[0], 12, (2.5, 0.0))
    along = (run.thetas - reg.closed_form(p)) @ v
    assert np.all(np.sign(along[1:]) == np.sign(along[:-1]))


# ----------------------------------------------------------------------------- activations

def test_activation_curves_are_the_functions_and_their_derivatives():
    x, y, dy = act.curve("sigmoid")
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(y, s, rtol=1e-12)
    np.testing.assert_allclose(dy, s * (1 - s), rtol=1e-10)
    x, y, dy = act.curve("tanh")
    np.testing.assert_allclose(dy, 1 - np.tanh(x) ** 2, rtol=1e-10, atol=1e-15)
    x, y, dy = act.curve("relu")
    np.testing.assert_array_equal(y, np.maximum(x, 0))
    np.testing.assert_array_equal(dy, (x > 0).astype(float))


def test_feature_maps_come_from_the_ops(mnist):
    m = act.feature_maps(mnist.test_images[0])
    x = mnist.test_images[0] / 255.0
    padded = np.pad(x, 1)
    k = act.EDGE_FILTER[0, 0]
    direct = np.array([[np.sum(padded[i:i + 3, j:j + 3] * k) for j in range(28)] for i in range(28)])
    np.testing.assert_allclose(m.pre, direct, atol=1e-12)
    for name in act.NAMES:
        y, cache = act.FORWARD[name](m.pre)
        np.testing.assert_array_equal(m.post[name], y)
        np.testing.assert_array_equal(m.slope[name], act.BACKWARD[name](np.ones_like(y), cache))


def test_training_comparison_is_cached_atomically(mnist, cache):
    cfg = act.ComparisonConfig(steps=3, batch_size=4, n_train=64, n_test=16, seeds=(0, 1))
    assert act.load_cached(cfg, mnist) is None
    seen, published = [], []
    result = act.run_comparison(cfg, mnist, lambda d, t: seen.append((d, t)), publish=published.append)
    assert seen[-1] == (18, 18)
    assert set(result["losses"]) == set(act.NAMES)
    for name in act.NAMES:
        runs = result["per_seed"][name]
        assert len(runs) == 2 and all(len(r) == 3 and np.all(np.isfinite(r)) for r in runs)
        np.testing.assert_allclose(result["losses"][name], np.mean(runs, axis=0))
        assert result["test_accuracy"][name] == pytest.approx(np.mean(result["accuracy_per_seed"][name]))
        assert list(published[-1][name]) == runs[-1]      # the last seed's curve, whole
    assert runs[0] != runs[1]                                # the seeds differ
    assert result["seconds"] > 0
    path = act.cache_path(cfg, mnist)
    assert path.parent == cache_dir() == cache
    assert [p.name for p in cache.iterdir()] == [path.name]  # no temp file left behind
    assert act.load_cached(cfg, mnist) == json.loads(path.read_text()) == result
    other = act.ComparisonConfig(steps=4, batch_size=4, n_train=64, n_test=16, seeds=(0, 1))
    assert act.load_cached(other, mnist) is None
    path.write_text("{broken")
    assert act.load_cached(cfg, mnist) is None


def _fake_result(finals: dict, n: int = 60) -> dict:
    """Comparison-shaped result whose per-seed curves fall from 2.3 to the given finals, then stay."""
    per_seed = {k: [list(np.r_[np.linspace(2.3, f, n // 2), np.full(n // 2, f)]) for f in fs]
                for k, fs in finals.items()}
    return {"losses": {k: list(np.mean(v, axis=0)) for k, v in per_seed.items()}, "per_seed": per_seed}


def test_comparison_verdict_states_an_order_only_when_every_seed_agrees():
    v = act.verdict(_fake_result({"relu": [0.1, 0.12], "tanh": [0.2, 0.25], "sigmoid": [2.2, 2.3]}))
    assert v.order == ["relu", "tanh", "sigmoid"] and v.every_seed
    assert v.reach["relu"] < v.reach["tanh"] and v.reach["sigmoid"] is None
    np.testing.assert_allclose(v.seed_range["tanh"], (0.2, 0.25))
    mixed = act.verdict(_fake_result({"relu": [0.1, 0.3], "tanh": [0.2, 0.25], "sigmoid": [2.2, 2.3]}))
    assert not mixed.every_seed                       # relu's worst seed is behind tanh's best
    assert act.CHANCE_LOSS == pytest.approx(2.302585, abs=1e-6)


def test_comparison_stops_when_asked(mnist, cache):
    stop = threading.Event()
    stop.set()
    assert act.run_comparison(act.ComparisonConfig(steps=3, batch_size=4, n_train=64), mnist, stop=stop) is None
    assert not cache.exists() or not any(cache.iterdir())


def test_background_task_reports_progress_result_and_errors():
    job = Background(lambda task: (task.report(1, 2), task.report(2, 2), 42)[-1]).start()
    assert job.finished.wait(5)
    assert (job.result, job.fraction, job.error) == (42, 1.0, None)
    bad = Background(lambda task: 1 / 0).start()
    assert bad.finished.wait(5) and isinstance(bad.error, ZeroDivisionError)


# ----------------------------------------------------------------------------- pooling

@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pooling_numbers_are_the_ops(seed):
    d = pool.pooling_demo(seed)
    x4, dy4 = d.x[None, None], d.dy[None, None]
    y, mc = ops.maxpool2d_forward(x4, 2, 2)
    a, ac = ops.avgpool2d_forward(x4, 2, 2)
    np.testing.assert_array_equal(d.max_y, y[0, 0])
    np.testing.assert_array_equal(d.avg_y, a[0, 0])
    np.testing.assert_array_equal(d.max_dx, ops.maxpool2d_backward(dy4, mc)[0, 0])
    np.testing.assert_array_equal(d.avg_dx, ops.avgpool2d_backward(dy4, ac)[0, 0])
    n = d.max_y.shape[0]
    for i in range(n):
        for j in range(n):
            r0, r1, c0, c1 = d.window(i, j)
            win = d.x[r0:r1, c0:c1]
            assert d.max_y[i, j] == win.max() and d.avg_y[i, j] == pytest.approx(win.mean())
            r, c = d.max_position(i, j)
            assert d.max_dx[r, c] == d.dy[i, j] and np.count_nonzero(d.max_dx[r0:r1, c0:c1]) == 1
            np.testing.assert_allclose(d.avg_dx[r0:r1, c0:c1], d.dy[i, j] / 4)


@pytest.mark.parametrize("seed", range(20))
def test_every_pooling_window_has_a_strict_nonzero_maximum(seed):
    d = pool.pooling_demo(seed)
    n = d.max_y.shape[0]
    for i in range(n):
        for j in range(n):
            r0, r1, c0, c1 = d.window(i, j)
            win = d.x[r0:r1, c0:c1]
            assert pool.ties(d, i, j) == 1 and d.max_y[i, j] > 0
            assert d.max_position(i, j) == (r0 + int(np.argmax(win)) // 2, c0 + int(np.argmax(win)) % 2)
            assert np.all(np.diff(np.sort(win.ravel())) > 0)        # no two values of a window equal
            assert float(d.dy[i, j] / 4) == round(float(d.dy[i, j] / 4), 1)   # dy/4 has one decimal


def test_a_pooling_tie_sends_the_gradient_to_the_first_maximum_and_is_counted():
    x = np.array([[8, 8, 1, 2], [0, 0, 3, 4], [5, 6, 7, 9], [1, 2, 3, 4]], np.float64)
    d = pool.pool_both(x, np.array([[1.2, -0.4], [0.8, 2.0]]))
    assert pool.ties(d, 0, 0) == 2 and pool.ties(d, 0, 1) == 1
    assert d.max_position(0, 0) == (0, 0)
    assert d.max_dx[0, 0] == 1.2 and d.max_dx[0, 1] == 0


# ----------------------------------------------------------------------------- rgb

def test_rgb_convolution_is_the_sum_of_channel_responses():
    img = rgb.load_image()
    assert img.shape[0] == 3 and img.shape[2] <= rgb.MAX_SIZE[0] and img.shape[1] <= rgb.MAX_SIZE[1]
    assert 0 <= img.min() and img.max() <= 1
    for name, (w, b, _) in rgb.FILTERS.items():
        conv = rgb.convolve(img, w, 0.25)
        np.testing.assert_allclose(conv.output, conv.responses.sum(axis=0) + 0.25, atol=1e-12)
        for i, j in [(0, 0), (10, 17), (img.shape[1] - 1, img.shape[2] - 1)]:
            d = rgb.pixel_detail(conv, i, j)
            assert d.total == pytest.approx(conv.output[i, j], abs=1e-12)
            np.testing.assert_allclose(d.channel_sums, conv.responses[:, i, j], atol=1e-12)
    blur = rgb.convolve(img, *rgb.FILTERS["blur"][:2])
    assert blur.output[20, 20] == pytest.approx(img[:, 19:22, 19:22].mean())


def test_the_rgb_lessons_default_pixel_is_on_an_edge_in_every_channel():
    """Not flat sky (the vertical-edge filter gave −0.003 three times at the centre pixel): each
    channel's 9 products add up to at least a quarter of the largest such sum in the picture."""
    image = rgb.load_image()
    i, j = rgb.default_pixel(image)
    _, H, W = image.shape
    assert 0 < i < H - 1 and 0 < j < W - 1
    conv = rgb.convolve(image, *rgb.FILTERS["vertical edges"][:2])
    d = rgb.pixel_detail(conv, i, j)
    best = np.abs(conv.responses[:, 1:-1, 1:-1]).max()
    assert np.all(np.abs(d.channel_sums) >= 0.25 * best), d.channel_sums
    flat = np.zeros((3, 9, 9))
    flat[:, :, 5:] = 1.0
    assert rgb.default_pixel(flat)[1] in (4, 5)               # the only edge of a two-tone picture


def test_rgb_filter_bank_gives_one_output_channel_per_filter():
    img = rgb.load_image()
    bank = rgb.convolve_bank(img)
    k = len(rgb.FILTERS)
    assert bank.shape == (k, rgb.output_size(img.shape[1]), rgb.output_size(img.shape[2]))
    for channel, (w, b, _) in enumerate(rgb.FILTERS.values()):        # channel k is filter k alone
        np.testing.assert_allclose(bank[channel], rgb.convolve(img, w, b).output, atol=1e-12)


@pytest.mark.parametrize("n, f, p, s", [(96, 3, 1, 1), (72, 3, 0, 1), (28, 5, 2, 1), (28, 5, 0, 1), (32, 3, 1, 2),
                                        (7, 3, 0, 2)])
def test_output_size_formula_matches_the_kernel(n, f, p, s):
    x = np.zeros((1, 1, n, n + 1))
    out, _ = ops.conv2d_forward(x, np.zeros((2, 1, f, f)), np.zeros(2), s, p)
    assert out.shape[2:] == (rgb.output_size(n, f, p, s), rgb.output_size(n + 1, f, p, s))


def test_rgb_padding_makes_the_border_responses():
    """The bright frame of the responses comes from the zero padding: without it (the image
    extended by its own edge values instead) the border response of a flat image is 0."""
    flat = np.full((3, 8, 8), 0.8)
    w, b, _ = rgb.FILTERS["vertical edges"]
    conv = rgb.convolve(flat, w, b)
    assert np.allclose(conv.output[1:-1, 1:-1], 0) and abs(conv.output[:, 0]).min() > 0.5


def test_rgb_image_errors_are_one_line_user_errors(tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a png")
    with pytest.raises(UserError, match="cannot read image"):
        rgb.load_image(bad)
    with pytest.raises(UserError, match="not found"):
        rgb.load_image(tmp_path / "missing.png")


# ----------------------------------------------------------------------------- draw pad

def _stroke_canvas():
    c = np.zeros((280, 280))
    c[30:150, 40:60] = 1.0             # a thick vertical bar, far from the centre
    c[30:50, 40:120] = 1.0             # and a top bar: a "7"-ish, off to the top left
    return c


def test_draw_pad_preprocessing_is_mnist_like():
    p = draw_math.prepare(_stroke_canvas())
    assert p.bbox == (30, 150, 40, 120)
    assert max(p.scaled.shape) == 20                      # longer side scaled to the 20×20 box
    assert p.scaled.shape == (20, round(80 * 20 / 120))   # aspect kept
    assert p.image.shape == (28, 28) and 0 <= p.image.min() and p.image.max() <= 1
    ys, xs = np.indices(p.image.shape)
    cy, cx = (ys * p.image).sum() / p.image.sum(), (xs * p.image).sum() / p.image.sum()
    assert abs(cy - 13.5) <= 0.5 and abs(cx - 13.5) <= 0.5  # centred by centre of mass
    assert p.centre_of_mass == pytest.approx((cy, cx), abs=1e-6)
    np.testing.assert_allclose(p.x, normalise(np.round(p.image * 255).astype(np.uint8)[None]))
    assert p.x.shape == (1, 1, 28, 28) and p.x.dtype == np.float32
    assert p.x.min() == pytest.approx(-MEAN / STD) and p.x.max() == pytest.approx((1 - MEAN) / STD)


def test_draw_pad_edge_cases():
    assert draw_math.prepare(np.zeros((100, 100))) is None
    dot = np.zeros((100, 100))
    dot[99, 99] = 1.0
    p = draw_math.prepare(dot)                            # one pixel in a corner still ends centred
    assert p.image.shape == (28, 28) and p.image.sum() > 0
    wide = np.zeros((200, 200))
    wide[100:104, 0:200] = 1.0
    assert draw_math.prepare(wide).scaled.shape == (1, 20)


def test_quick_model_is_trained_saved_and_reloaded(mnist, cache):
    model, acc = draw_math.train_quick_model(mnist.subset(256, 50), steps=2)
    assert 0 <= acc <= 1 and draw_math.quick_model_path().is_file()
    again = draw_math.cached_quick_model()
    for name, value in model.params.items():
        np.testing.assert_array_equal(again.params[name], value)
    draw_math.quick_model_path().write_bytes(b"damaged")
    assert draw_math.cached_quick_model() is None


# ----------------------------------------------------------------------------- receptive fields

def test_receptive_fields_of_lenet():
    f = net.receptive_field("pool2", 3, 2, 2)
    assert f["act2"] == net.Region(3, 4, 4, 6, 4, 6)
    assert f["pool1"] == net.Region(0, 6, 4, 10, 4, 10)
    assert f["input"] == net.Region(0, 1, 6, 22, 6, 22)       # the classic 16×16 field
    assert net.receptive_field("act1", 0, 0, 0)["input"] == net.Region(0, 1, 0, 3, 0, 3)   # padding clips
    assert net.receptive_field("act3", 5, 0, 0)["input"].size == 28 * 28
    assert net.receptive_field("input", 0, 4, 4) == {}
    with pytest.raises(ValueError):
        net.receptive_field("pool1", 6, 0, 0)


@pytest.mark.parametrize("neuron", [("act1", 2, 5, 27), ("pool1", 1, 3, 7), ("act2", 4, 0, 9), ("pool2", 7, 4, 1)])
def test_receptive_field_is_exactly_what_changes_the_neuron(neuron):
    """Perturbing any input pixel outside the field leaves the neuron unchanged; inside, each
    pixel can change it (checked through the engine's own backward pass: its gradient)."""
    model = Network(NetConfig(LENET5.with_kinds("tanh", "avg"), seed=1), dtype=np.float64)
    name, c, r, k = neuron
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1, 1, 28, 28))
    field = net.receptive_field(*neuron)["input"]
    base = model.forward(x).outputs[name][0, c, r, k]
    outside = x.copy()
    mask = np.ones((28, 28), bool)
    mask[field.r0:field.r1, field.k0:field.k1] = False
    outside[0, 0][mask] += rng.normal(size=mask.sum())
    assert model.forward(outside).outputs[name][0, c, r, k] == base
    # the gradient of the neuron w.r.t. the input is non-zero exactly on the field
    fwd = model.forward(x)
    grad = _input_gradient(model, fwd, name, (c, r, k))
    assert np.all(grad[mask] == 0) and np.all(grad[~mask] != 0)


def _input_gradient(model, fwd, name, index):
    from simulator.engine.model import ACT_BACKWARD, POOL_BACKWARD
    act_b, pool_b, caches = ACT_BACKWARD["tanh"], POOL_BACKWARD["avg"], fwd.caches
    d = np.zeros_like(fwd.outputs[name])
    d[(0, *index)] = 1.0
    chain = ["pool2", "act2", "conv2", "pool1", "act1", "conv1"]
    for layer in chain[chain.index(name):]:
        if layer.startswith("pool"):
            d = pool_b(d, caches[layer])
        elif layer.startswith("act"):
            d = act_b(d, caches[layer])
        else:
            d = ops.conv2d_backward(d, caches[layer])[0]
    return d[0, 0]


def test_live_training_publishes_frames(mnist):
    live = net.LiveTraining(mnist.subset(256, 10), mnist.test_images[0],
                            net.TrainConfig(batch_size=8, lr=0.01, schedule="constant"), every=1)
    first = live.frame
    assert first.step == 0 and set(first.volumes) == set(net.NAMES)
    assert first.probabilities.sum() == pytest.approx(1.0, abs=1e-5)
    live.start()
    deadline = time.monotonic() + 30
    while live.frame.step < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    live.stop()
    assert not live.running and live.error is None and live.frame.step >= 2
    live.set_digit(mnist.test_images[1])                   # idle: published at once
    assert live.frame.volumes["input"][0, 0, 0] == pytest.approx(-MEAN / STD)


# ----------------------------------------------------------------------------- threads

def test_lesson_engine_calls_while_training_runs(mnist):
    """A screen's engine calls on the main thread while a worker trains (the DESIGN's threading rule)."""
    from simulator.engine.trainer import TrainConfig, Trainer
    trainer = Trainer(TrainConfig(batch_size=16), mnist.subset(512, 10))
    done, errors = threading.Event(), []

    def work():
        try:
            for _ in range(6):
                trainer.train_step()
        except BaseException as e:        # reported below
            errors.append(e)
        finally:
            done.set()
    threading.Thread(target=work, daemon=True).start()
    img = rgb.load_image()
    while not done.is_set():
        pool.pooling_demo(1)
        rgb.convolve(img, *rgb.FILTERS["sharpen"][:2])
        act.curve("tanh")
    assert errors == []
