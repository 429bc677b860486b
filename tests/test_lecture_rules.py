"""The lecture's examples are chosen by rule, and its words say what the numbers show.

Each rule is checked against tensors recomputed here from the ops (engine_tensors of
test_lecture), not against the Step's own copies."""
import re

import numpy as np
import pytest

from simulator.engine import arch, ops
from simulator.engine.lecture import build_steps, record_trace
from simulator.engine.lecture.step import grid_format, grid_text
from simulator.engine.model import NetConfig
from tests.test_lecture import SPECS, engine_tensors

# (test image, network): LeNet-5 on three digits, then every other spec test_lecture checks
CASES = [(0, SPECS[0]), (1, SPECS[0]), (2, SPECS[0])] + [(3 + n, spec) for n, spec in enumerate(SPECS[1:])]


@pytest.fixture(scope="module", params=CASES, ids=lambda case: f"{case[0]}-{case[1][:24]}")
def traced(request, mnist):
    i, spec = request.param
    trace = record_trace(mnist.test_images[i], int(mnist.test_labels[i]), config=NetConfig(arch.build(spec)),
                         source=f"test image #{i}")
    return trace, engine_tensors(trace), build_steps(trace, focus=i)


def input_of(trace, name: str) -> str:
    """The tensor layer `name` reads (computed from the layer list, not from the steps)."""
    names = trace.arch.tensor_names
    return names[names.index(name) - 1]


def windows(a: np.ndarray, size: int, stride: int) -> np.ndarray:
    """[OH·OW, size·size]: every pooling window's values, by plain loops."""
    oh, ow = (a.shape[0] - size) // stride + 1, (a.shape[1] - size) // stride + 1
    return np.array([a[i * stride:i * stride + size, j * stride:j * stride + size].ravel()
                     for i in range(oh) for j in range(ow)])


def window_values(step):
    return [t.a.value for t in step.arith.terms]


def test_forward_pool_windows_have_a_strict_nonzero_maximum(traced):
    trace, engine, steps = traced
    for step in (s for s in steps if s.kind == "pool-window"):
        name, idx = step.arith.result.tensor, step.arith.result.index
        layer = trace.layer(name)
        k, i, j = idx[1:]
        st, size = layer.stride, layer.size
        window = engine[input_of(trace, name)][0, k, i * st:i * st + size, j * st:j * st + size].ravel()
        assert sorted(window_values(step)) == sorted(window.tolist())
        if layer.kind == "max":
            top = window.max()
            assert top != 0 and (window == top).sum() == 1, (step.title, window)
        else:
            assert f") / {size * size} = " in step.lines[1].text
        assert step.arith.result.value == engine[name][idx]


def test_backward_pool_windows_show_their_values_and_a_strict_maximum(traced):
    trace, engine, steps = traced
    for step in (s for s in steps if s.kind == "pool-back" and s.arith is not None):
        ref = step.arith.terms[0].a          # mask:poolN[0, k, r, c], the window's first cell
        name = ref.tensor.split(":")[1]
        layer = trace.layer(name)
        k, r, c = ref.index[1:]
        before = input_of(trace, name)
        window = engine[before][0, k, r:r + layer.size, c:c + layer.size].ravel()
        assert (window == window.max()).sum() == 1 and window.max() != 0
        written = [m.num for m in step.lines[0].marks]
        assert [n.value for n in written[:window.size]] == pytest.approx(window.tolist())
        # the tie count in the caption is the real number of tied windows of that map
        w = windows(engine[before][0, k], layer.size, layer.stride)
        ties = int(((w == w.max(axis=1, keepdims=True)).sum(axis=1) > 1).sum() +
                   ((w.max(axis=1) == 0) & ((w == 0).sum(axis=1) == 1)).sum())
        found = re.search(r"(\d+) of (\d+) windows of this map have no single maximum", step.caption.text)
        assert (found is None and ties == 0) or (int(found[1]) == ties and int(found[2]) == len(w))


def test_backward_avg_pool_example_cell_gets_its_share_of_one_window(traced):
    trace, engine, steps = traced
    for step in (s for s in steps if s.kind == "pool-back" and s.arith is None):
        dy, dx = (m.num for m in step.lines[1].marks)
        layer = trace.layer(dy.tensor[2:])
        n = layer.size * layer.size
        assert dx.value == pytest.approx(dy.value / n, rel=1e-5, abs=1e-9)
        r, c = dx.index[2:]
        i, j = dy.index[2:]
        st = layer.stride
        inside = [(a, b) for a in range(engine[dy.tensor].shape[2]) for b in range(engine[dy.tensor].shape[3])
                  if a * st <= r < a * st + layer.size and b * st <= c < b * st + layer.size]
        assert inside == [(i, j)]            # the cell is in this window only


def test_conv_dw_example_sums_many_nonzero_products_and_says_how_many(traced):
    trace, engine, steps = traced
    for step in (s for s in steps if s.kind == "conv-dw"):
        layer = trace.layer(step.layer)
        x_name = input_of(trace, layer.name)
        # how many products are non-zero, for every weight at once: ∂W of the 0/1 masks
        x = (engine[x_name] != 0).astype(np.float64)
        dy = (engine["d:" + layer.name] != 0).astype(np.float64)
        w = np.zeros_like(engine[layer.name + "_w"], dtype=np.float64)
        _, cache = ops.conv2d_forward(x, w, np.zeros(w.shape[0]), layer.stride, layer.padding)
        _, counts, _ = ops.conv2d_backward(dy, cache)
        k, c, p, q = step.arith.result.index
        mine = int(round(counts[k, c, p, q]))
        assert mine == sum(t.value != 0 for t in step.arith.terms)
        assert mine >= 0.9 * counts.max() and (mine > 3 or len(step.arith.terms) <= 9)
        said = re.search(r"\((\d+) of the (\d+) products are non-zero\)", " ".join(t.text for t in step.lines))
        assert int(said[1]) == mine and int(said[2]) == len(step.arith.terms)


def test_update_rows_are_each_layers_largest_gradient(traced):
    trace, engine, steps = traced
    table = next(s for s in steps if s.kind == "update").panels[0]
    for row in table.rows:
        name, at = re.match(r"(\w+)\[(.*)\]", row[0].text).groups()
        at = tuple(int(v) for v in at.split(","))
        g = np.abs(engine["d:" + name])
        assert g[at] == g.max(), (name, at)


def test_written_products_are_the_largest_by_absolute_value(traced):
    trace, engine, steps = traced
    checked = 0
    for step in steps:
        if step.kind not in ("dense", "dense-dx", "conv-dw") or step.arith is None or len(step.arith.terms) <= 10:
            continue
        text = " ".join(t.text for t in (step.caption, *step.lines))
        assert "by |product|" in text, step.title
        line = next(t for t in step.lines if "the other" in t.text)
        nums = [m.num.value for m in line.marks if m.num.tensor != "Σ−"]      # the products, then the rest's sum
        shown = sorted(abs(x * y) for x, y in zip(nums[0::2], nums[1::2]))
        top3 = sorted(abs(t.value) for t in step.arith.terms)[-3:]
        assert shown == pytest.approx(top3, rel=1e-6), step.title
        checked += 1
    if trace.arch.spec == arch.LENET5_SPEC:
        assert checked == 7      # fc1, fc2, fc3 forward; fc2, fc1 ∂x; conv2, conv1 ∂W (fc3 ∂x is a table)
    else:
        assert checked >= 2


def test_words_ln_not_log_and_no_bracketed_result(traced):
    trace, engine, steps = traced
    for step in steps:
        for t in (step.caption, *step.lines):
            assert "−log" not in t.text and " log " not in t.text, (step.title, t.text)
            assert not re.search(r"= \(−[\d.]+\)\s*$", t.text), (step.title, t.text)
    assert "−ln" in next(s for s in steps if s.kind == "loss").lines[0].text


def test_an_untrained_net_says_why_it_is_sure_only_when_it_is(traced):
    from simulator.engine.lecture.dense import SURE
    trace, engine, steps = traced
    caption = next(s for s in steps if s.kind == "loss").caption.text
    assert not trace.trained
    assert ("Why so sure" in caption) == (float(trace.probs.max()) > SURE)
    assert ("spread out" in caption) == (float(trace.probs.max()) <= SURE)


def test_one_colour_scale_per_tensor_across_steps(traced):
    trace, engine, steps = traced
    seen = {}
    for step in steps:
        for p in step.panels:
            if getattr(p, "style", "bars") in ("heat", "numbers") and not p.source.startswith("terms"):
                seen.setdefault(p.source, set()).add(p.limit)
                assert p.limit >= np.abs(np.asarray(p.array)).max() - 1e-6, (step.title, p.label)
    assert all(len(v) == 1 for v in seen.values()), {k: v for k, v in seen.items() if len(v) > 1}


@pytest.mark.parametrize("values", [[0.5, -0.002, 0.0123], [0.004, -0.0021, 0.0], [12.5, -3.0, 0.04],
                                    [255, 0, 17], [1e-5, -3e-6, 2e-6]])
def test_a_grid_writes_every_cell_the_same_way(values):
    a = np.array(values, np.float64)
    decimals, exponent = grid_format(a)
    cells = [grid_text(v, decimals, exponent) for v in a]
    assert not any("e" in c for c in cells)
    written = [c for c in cells if c != "0"]
    assert len({len(c.lstrip("−").partition(".")[2]) for c in written}) == 1
    for c, v in zip(cells, a):       # each cell is the value to within half its last digit
        back = float(c.replace("−", "-")) * 10.0 ** exponent
        assert abs(back - v) <= 0.5 * 10.0 ** (exponent - decimals) + 1e-12


def test_lecture_help_names_the_default_theme(capsys):
    from simulator.cli import main
    with pytest.raises(SystemExit):
        main(["lecture", "--help"])
    out = capsys.readouterr().out
    assert re.search(r"projector \(the default", " ".join(out.split()))


def test_a_grid_in_units_of_a_power_of_ten_says_so():
    from simulator.engine.lecture.step import exponent_label
    decimals, exponent = grid_format(np.array([0.004, -0.0021]))
    assert exponent == -3 and exponent_label(exponent) == " (×10⁻³)" and exponent_label(0) == ""


def test_tensors_that_are_never_negative_get_a_one_sided_scale(traced):
    trace, engine, steps = traced
    checked = set()
    for step in steps:
        for p in step.panels:
            if getattr(p, "style", "bars") in ("heat", "numbers") and not p.source.startswith("terms"):
                assert p.one_sided == bool((engine[p.source] >= 0).all()), (step.title, p.label)
                checked.add((p.source, p.one_sided))
    if trace.arch.spec == arch.LENET5_SPEC:
        assert ("act1", True) in checked and ("conv1", False) in checked
