"""Lecture steps as data: every number a step shows is the engine's.

The expected tensors are recomputed here straight from the ops (conv2d_forward/backward,
maxpool2d_backward, dense_backward, softmax_cross_entropy …), not read from the trace, and
each number in each caption is parsed back from the text and compared with them.
"""
import re

import numpy as np
import pytest

from simulator.engine import ops
from simulator.engine.data import MEAN, STD, normalise
from simulator.engine.drawing import prepare_uint8
from simulator.engine.lecture import (LectureTrace, Num, Panel, Table, build_steps, parse_number,
                                      record_trace, section_starts)
from simulator.engine.arch import LENET5
from simulator.engine.model import Network, NetConfig

ACT = {"relu": (ops.relu_forward, ops.relu_backward), "sigmoid": (ops.sigmoid_forward, ops.sigmoid_backward),
       "tanh": (ops.tanh_forward, ops.tanh_backward)}
POOL = {"max": (ops.maxpool2d_forward, ops.maxpool2d_backward),
        "avg": (ops.avgpool2d_forward, ops.avgpool2d_backward)}
ARCH = {("conv1", "padding"): 2, ("conv1", "stride"): 1, ("conv2", "padding"): 0, ("conv2", "stride"): 1,
        ("pool", "size"): 2, ("pool", "stride"): 2}
NUMBER = re.compile(r"\d+\.\d+(?:×10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)?")


def engine_tensors(trace: LectureTrace) -> dict:
    """Every tensor a step may name, recomputed from the ops with the trace's parameters."""
    p = {k: np.array(v) for k, v in trace.params.items()}
    act_f, act_b = ACT[trace.config.activation]
    pool_f, pool_b = POOL[trace.config.pool]
    t, c = {"image": trace.image, "input": normalise(trace.image[None])}, {}
    t["conv1"], c["conv1"] = ops.conv2d_forward(t["input"], p["conv1_w"], p["conv1_b"], 1, 2)
    t["act1"], c["act1"] = act_f(t["conv1"])
    t["pool1"], c["pool1"] = pool_f(t["act1"], 2, 2)
    t["conv2"], c["conv2"] = ops.conv2d_forward(t["pool1"], p["conv2_w"], p["conv2_b"], 1, 0)
    t["act2"], c["act2"] = act_f(t["conv2"])
    t["pool2"], c["pool2"] = pool_f(t["act2"], 2, 2)
    t["flat"] = t["pool2"].reshape(1, 400)
    t["fc1"], c["fc1"] = ops.dense_forward(t["flat"], p["fc1_w"], p["fc1_b"])
    t["act3"], c["act3"] = act_f(t["fc1"])
    t["fc2"], c["fc2"] = ops.dense_forward(t["act3"], p["fc2_w"], p["fc2_b"])
    t["act4"], c["act4"] = act_f(t["fc2"])
    t["logits"], c["fc3"] = ops.dense_forward(t["act4"], p["fc3_w"], p["fc3_b"])
    loss, dz = ops.softmax_cross_entropy(t["logits"], np.array([trace.label]))
    d = {"logits": dz}
    d["act4"], d["fc3_w"], d["fc3_b"] = ops.dense_backward(dz, c["fc3"])
    d["fc2"] = act_b(d["act4"], c["act4"])
    d["act3"], d["fc2_w"], d["fc2_b"] = ops.dense_backward(d["fc2"], c["fc2"])
    d["fc1"] = act_b(d["act3"], c["act3"])
    d["flat"], d["fc1_w"], d["fc1_b"] = ops.dense_backward(d["fc1"], c["fc1"])
    d["pool2"] = d["flat"].reshape(1, 16, 5, 5)
    d["act2"] = pool_b(d["pool2"], c["pool2"])
    d["conv2"] = act_b(d["act2"], c["act2"])
    d["pool1"], d["conv2_w"], d["conv2_b"] = ops.conv2d_backward(d["conv2"], c["conv2"])
    d["act1"] = pool_b(d["pool1"], c["pool1"])
    d["conv1"] = act_b(d["act1"], c["act1"])
    d["input"], d["conv1_w"], d["conv1_b"] = ops.conv2d_backward(d["conv1"], c["conv1"])
    t.update(p)
    t.update({f"d:{k}": v for k, v in d.items()})
    t.update({f"new:{k}": v - np.float32(trace.lr) * d[k] for k, v in p.items()})
    for name in ("act1", "act2", "act3", "act4"):
        t[f"deriv:{name}"] = act_b(np.ones_like(t[name]), c[name])
    if trace.config.pool == "max":
        for name in ("pool1", "pool2"):
            t[f"mask:{name}"] = ops.maxpool2d_backward(np.ones_like(t[name]), c[name])
    z = t["logits"].astype(np.float64)
    t["exps"] = np.exp(z - z.max())
    t["probs"] = t["exps"] / t["exps"].sum()
    t["onehot"] = np.eye(10, dtype=np.int64)[[trace.label]]
    t["loss"] = np.array(loss)
    after = Network(trace.config, {k: np.ascontiguousarray(t[f"new:{k}"]) for k in p}).forward(t["input"])
    t["loss_after"] = np.array(ops.softmax_cross_entropy(after.outputs["logits"], np.array([trace.label]))[0])
    za = after.outputs["logits"].astype(np.float64)
    t["probs_after"] = np.exp(za - za.max()) / np.exp(za - za.max()).sum()
    return t


def expected(num: Num, step, engine, trace) -> float:
    """The value a Num claims to show, found independently of the step's own copy."""
    name, idx = num.tensor, num.index
    if name == "×":
        return step.arith.terms[idx[0]].value
    if name == "Σ":
        return step.arith.total if idx == () else step.arith.parts[idx[0]].total
    if name == "pad":
        return 0.0
    if name in ("mean", "std", "lr"):
        return {"mean": MEAN, "std": STD, "lr": trace.lr}[name]
    if name == "arch":
        return ARCH[idx]
    if name.startswith("shape:"):
        return engine[name[6:]].shape[idx[0]]
    return engine[name][idx]


def half_last_digit(token: str) -> float:
    """How far a number written as `token` may be from the value it rounds (plus float slack)."""
    mantissa, _, exponent = token.replace("−", "-").partition("×10")
    decimals = len(mantissa.partition(".")[2])
    scale = 10.0 ** parse_number("1×10" + exponent) if exponent else 1.0
    return 0.5 * 10.0 ** -decimals * scale * 1.001 + 1e-12


def close(a, b, rel=1e-5, abs_=1e-6) -> bool:
    return bool(np.isclose(float(a), float(b), rtol=rel, atol=abs_))


def check_arith(ar, step, engine, trace):
    for t in ar.terms:
        assert close(t.a.value, expected(t.a, step, engine, trace)), (step.title, t.a)
        if t.b is not None:
            assert close(t.b.value, expected(t.b, step, engine, trace)), (step.title, t.b)
            assert close(t.value, t.a.value * t.b.value, 1e-9, 1e-12)
    for part in ar.parts:
        check_arith(part, step, engine, trace)
    values = [t.value for t in ar.terms] or [p.total for p in ar.parts]
    if ar.op in ("dot", "sum"):
        assert close(ar.total, np.sum(values), 1e-9, 1e-12)
        if ar.result is not None:
            bias = ar.bias.value if ar.bias is not None else 0.0
            assert close(ar.total + bias, ar.result.value, 1e-4, 1e-5), (step.title, ar.total, ar.result)
    elif ar.op == "max":
        assert ar.result.value == max(values)
    elif ar.op == "mean":
        assert close(np.mean(values), ar.result.value, 1e-5, 1e-6)
    elif ar.op == "update":
        theta, lr_grad = ar.terms
        assert close(theta.value - lr_grad.value, ar.result.value, 1e-5, 1e-7)
    if ar.result is not None:
        assert close(ar.result.value, expected(ar.result, step, engine, trace)), (step.title, ar.result)


def check_step(step, engine, trace):
    for text in step.texts():
        covered = [False] * len(text.text)
        for m in text.marks:
            token = text.text[m.start:m.end]
            want = expected(m.num, step, engine, trace)
            assert close(m.num.value, want), (step.title, m.num, want)            # the Step's data
            assert abs(parse_number(token) - want) <= half_last_digit(token), (step.title, token, want)  # the text
            covered[m.start:m.end] = [True] * (m.end - m.start)
        for found in NUMBER.finditer(text.text):   # no decimal number on screen without a source
            assert all(covered[found.start():found.end()]), (step.title, text.text, found.group())
    if step.arith is not None:
        check_arith(step.arith, step, engine, trace)
    for panel in step.panels:
        if isinstance(panel, Table):
            continue
        if panel.source.startswith("terms"):
            field = {"terms": "value", "terms.a": "a", "terms.b": "b"}[panel.source]
            values = [t.value if field == "value" else getattr(t, field).value for t in step.arith.terms]
            np.testing.assert_allclose(panel.array.reshape(-1), values, rtol=1e-12)
        else:
            np.testing.assert_allclose(panel.array, engine[panel.source][panel.index], rtol=1e-5, atol=1e-7,
                                       err_msg=f"{step.title}: panel {panel.label}")


@pytest.fixture(scope="module")
def relu_trace(mnist):
    return record_trace(mnist.test_images[0], int(mnist.test_labels[0]), source="test image #0")


@pytest.fixture(scope="module")
def sigmoid_avg_trace(mnist):
    return record_trace(mnist.test_images[1], int(mnist.test_labels[1]),
                        config=NetConfig(LENET5.with_kinds("sigmoid", "avg"), seed=3))


@pytest.mark.parametrize("which", ["relu_trace", "sigmoid_avg_trace"])
def test_every_number_is_the_engines(which, request):
    trace = request.getfixturevalue(which)
    engine = engine_tensors(trace)
    steps = build_steps(trace, focus=4)
    assert len(steps) == 46
    for step in steps:
        check_step(step, engine, trace)


def test_backward_steps_cover_each_kind_of_gradient(relu_trace):
    kinds = [s.kind for s in build_steps(relu_trace)]
    for kind in ("grad-logits", "dense-dw", "dense-dx", "act-back", "pool-back", "conv-dw", "conv-dx",
                 "conv-dx-sum", "update", "after"):
        assert kind in kinds
    assert kinds.index("grad-logits") > kinds.index("loss")


def test_written_out_conv_sum_matches_conv2d_forward(relu_trace):
    engine = engine_tensors(relu_trace)
    step = next(s for s in build_steps(relu_trace) if s.kind == "conv-window")
    ar = step.arith
    assert len(ar.terms) == 25
    k, i, j = ar.result.index[1:]
    assert ar.result.value == engine["conv1"][0, k, i, j]
    assert close(sum(t.value for t in ar.terms) + ar.bias.value, engine["conv1"][0, k, i, j], 1e-5, 1e-6)


def test_update_after_loss_is_a_fresh_forward(relu_trace):
    new = {k: np.array(v) for k, v in relu_trace.params_after.items()}
    x = normalise(relu_trace.image[None])
    logits = Network(relu_trace.config, new).forward(x).outputs["logits"]
    loss, _ = ops.softmax_cross_entropy(logits, np.array([relu_trace.label]))
    assert relu_trace.loss_after == loss
    step = build_steps(relu_trace)[-1]
    after = [m.num for t in step.texts() for m in t.marks if m.num.tensor == "loss_after"]
    assert after and after[0].value == loss
    assert relu_trace.loss_after < relu_trace.loss


def test_steps_are_deterministic_and_the_count_never_changes(relu_trace):
    first = build_steps(relu_trace, 2)
    again = build_steps(relu_trace, 2)
    assert [s.caption for s in first] == [s.caption for s in again]
    assert [s.lines for s in first] == [s.lines for s in again]
    assert {len(build_steps(relu_trace, f)) for f in range(10)} == {46}
    starts = section_starts(first)
    assert starts[0] == 0 and len(starts) > 20
    assert all(first[i].section != first[i - 1].section for i in starts[1:])


def test_trace_is_read_only(relu_trace):
    with pytest.raises(ValueError):
        relu_trace.outputs["conv1"][0, 0, 0, 0] = 1.0
    assert isinstance(build_steps(relu_trace)[0].panels[0], Panel)


def test_drawing_is_prepared_like_mnist():
    canvas = np.zeros((280, 280))
    canvas[40:240, 100:140] = 1.0                       # a tall bar, off-centre to the left
    image = prepare_uint8(canvas)
    assert image.shape == (28, 28) and image.dtype == np.uint8
    rows, cols = np.nonzero(image > 25)
    assert rows.max() - rows.min() + 1 <= 20 and rows.max() - rows.min() + 1 >= 18
    mass = image.astype(float)
    cy = (mass.sum(axis=1) * np.arange(28)).sum() / mass.sum()
    cx = (mass.sum(axis=0) * np.arange(28)).sum() / mass.sum()
    assert abs(cy - 13.5) <= 1.0 and abs(cx - 13.5) <= 1.0
    assert not prepare_uint8(np.zeros((50, 50))).any()


def test_the_lecture_engine_never_imports_pygame():
    import subprocess
    import sys
    code = ("import sys, simulator.engine.lecture as l; "
            "assert 'pygame' not in sys.modules, 'pygame imported'; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "ok", out.stderr


@pytest.mark.parametrize("trained", [False, True])
def test_after_step_says_what_its_numbers_show(mnist, trained):
    """'went down/up' only when the losses as written differ; a trained model's loss on a digit
    it knows can be equal at the digits shown, and the caption must not claim otherwise."""
    from simulator.paths import BUNDLED_MODEL
    from simulator.engine.checkpoint import load_checkpoint
    params = load_checkpoint(BUNDLED_MODEL)["params"] if trained else None
    for i in range(4):
        trace = record_trace(mnist.test_images[i], int(mnist.test_labels[i]), params=params)
        step = build_steps(trace)[-1]
        before, after = (re.search(rf"{w}:\s+L = (\S+),", step.lines[k].text)[1]
                         for k, w in ((0, "before"), (1, "after")))
        caption = step.caption.text
        if before == after:
            assert "did not change" in caption
        elif parse_number(after) < parse_number(before):
            assert "went down" in caption
        else:
            assert "went up" in caption
