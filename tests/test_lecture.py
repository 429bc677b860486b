"""Lecture steps as data: every number a step shows is the engine's.

The expected tensors are recomputed here straight from the ops (conv2d_forward/backward,
maxpool2d_backward, dense_backward, softmax_cross_entropy …), not read from the trace, and
each number in each caption is parsed back from the text and compared with them.
"""
import re

import numpy as np
import pytest

from simulator.engine import arch, ops
from simulator.engine.data import MEAN, STD, normalise
from simulator.engine.drawing import prepare_uint8
from simulator.engine.lecture import (LectureTrace, Num, Panel, Table, build_steps, parse_number,
                                      record_trace, section_starts)
from simulator.engine.lecture.trace import LR_LADDER, VISIBLE
from simulator.engine.model import Network, NetConfig

ACT = {"relu": (ops.relu_forward, ops.relu_backward), "sigmoid": (ops.sigmoid_forward, ops.sigmoid_backward),
       "tanh": (ops.tanh_forward, ops.tanh_backward)}
POOL = {"max": (ops.maxpool2d_forward, ops.maxpool2d_backward),
        "avg": (ops.avgpool2d_forward, ops.avgpool2d_backward)}
NUMBER = re.compile(r"\d+\.\d+(?:×10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)?")
# Networks the lecture must tell completely: LeNet-5, stride 2 with padding and no pooling after
# conv1, three conv layers with tanh and avg pooling, no conv at all, overlapping pools.
SPECS = (arch.LENET5_SPEC,
         "conv8k3s2p1-relu-conv16k3-relu-maxpool2-fc64-relu-fc10",
         "conv4k5-tanh-avgpool2-conv8k5-tanh-avgpool2-conv16k3-tanh-fc32-tanh-fc10",
         "fc32-sigmoid-fc10",
         "conv4k3-relu-maxpool3s2-conv8k3s2-relu-avgpool3s1-fc10")


def run_ops(net, p, x):
    """The network op by op, written out here from the layer list: (tensors, caches)."""
    t, c, prev = {"input": x}, {}, x
    for layer in net.layers:
        key = net.param_prefix(layer)
        if isinstance(layer, arch.Conv):
            t[layer.name], c[layer.name] = ops.conv2d_forward(prev, p[key + "_w"], p[key + "_b"], layer.stride,
                                                              layer.padding)
        elif isinstance(layer, arch.Act):
            t[layer.name], c[layer.name] = ACT[layer.kind][0](prev)
        elif isinstance(layer, arch.Pool):
            t[layer.name], c[layer.name] = POOL[layer.kind][0](prev, layer.size, layer.stride)
        elif isinstance(layer, arch.Flatten):
            t[layer.name] = prev.reshape(1, -1)
        else:
            t[layer.name], c[layer.name] = ops.dense_forward(prev, p[key + "_w"], p[key + "_b"])
        prev = t[layer.name]
    return t, c


def engine_tensors(trace: LectureTrace) -> dict:
    """Every tensor a step may name, recomputed from the ops with the trace's parameters."""
    net = trace.arch
    p = {k: np.array(v) for k, v in trace.params.items()}
    fmt = trace.format
    t, c = run_ops(net, p, normalise(trace.image[None], fmt=fmt))
    t["image"] = trace.image
    t["pixels"] = trace.image[None] if trace.image.ndim == 2 else trace.image.transpose(2, 0, 1)
    loss, dz = ops.softmax_cross_entropy(t["logits"], np.array([trace.label]))
    d = {"logits": dz}
    names = net.tensor_names
    for layer, x_name in reversed(tuple(zip(net.layers, names))):
        key, dy = net.param_prefix(layer), d[layer.name]
        if isinstance(layer, arch.Conv):
            d[x_name], d[key + "_w"], d[key + "_b"] = ops.conv2d_backward(dy, c[layer.name])
        elif isinstance(layer, arch.Act):
            d[x_name] = ACT[layer.kind][1](dy, c[layer.name])
            t[f"deriv:{layer.name}"] = ACT[layer.kind][1](np.ones_like(t[layer.name]), c[layer.name])
        elif isinstance(layer, arch.Pool):
            d[x_name] = POOL[layer.kind][1](dy, c[layer.name])
            if layer.kind == "max":
                t[f"mask:{layer.name}"] = ops.maxpool2d_backward(np.ones_like(t[layer.name]), c[layer.name])
        elif isinstance(layer, arch.Flatten):
            d[x_name] = dy.reshape(t[x_name].shape)
        else:
            d[x_name], d[key + "_w"], d[key + "_b"] = ops.dense_backward(dy, c[layer.name])
    t.update(p)
    t.update({f"d:{k}": v for k, v in d.items()})
    t.update({f"new:{k}": v - np.float32(trace.lr) * d[k] for k, v in p.items()})
    z = t["logits"].astype(np.float64)
    t["exps"] = np.exp(z - z.max())
    t["probs"] = t["exps"] / t["exps"].sum()
    K = fmt.n_classes
    t["onehot"] = np.eye(K, dtype=np.int64)[[trace.label]]
    t["loss"] = np.array(loss)
    after = Network(trace.config, {k: np.ascontiguousarray(t[f"new:{k}"]) for k in p}).forward(t["input"])
    t["loss_after"] = np.array(ops.softmax_cross_entropy(after.outputs["logits"], np.array([trace.label]))[0])
    za = after.outputs["logits"].astype(np.float64)
    t["probs_after"] = np.exp(za - za.max()) / np.exp(za - za.max()).sum()
    # 1 − p to every digit (float64 of the float32 logits), and Σ_{j≠y} e^(z_j − z_y)
    for name, zz in (("comp:probs", z), ("comp:probs_after", za)):
        t[name] = np.array([[np.exp(np.delete(zz[0], k) - zz[0].max()).sum() / np.exp(zz[0] - zz[0].max()).sum()
                             for k in range(K)]])
    y = trace.label
    t["rest"] = np.array([np.exp(np.delete(z[0], y) - z[0, y]).sum()])
    t["norm"] = np.array([(np.arange(256) / 255.0 - m) / s for m, s in zip(fmt.mean, fmt.std)])   # [C,256]
    t["mean"], t["std"] = np.array(fmt.mean), np.array(fmt.std)
    t["arch"] = {(layer.name, key): getattr(layer, key) for layer in net.layers
                 for key in ("kernel", "stride", "padding", "size") if hasattr(layer, key)}
    return t


def expected(num: Num, step, engine, trace) -> float:
    """The value a Num claims to show, found independently of the step's own copy."""
    name, idx = num.tensor, num.index
    if name == "×":
        return step.arith.terms[idx[0]].value
    if name == "Σ":
        return step.arith.total if idx == () else step.arith.parts[idx[0]].total
    if name == "Σ−":       # the sum of all the addends but the ones written out (their indices)
        items = [t.value for t in step.arith.terms] or [p.total for p in step.arith.parts]
        return float(np.sum(items) - np.sum([items[i] for i in idx]))
    if name == "pad":
        return 0.0
    if name in ("mean", "std") and trace.format.classes == tuple("0123456789"):     # MNIST's own numbers
        return {"mean": MEAN, "std": STD}[name]
    if name in ("lr", "visible"):
        return {"lr": trace.lr, "visible": VISIBLE}[name]
    if name == "ladder":
        return LR_LADDER[idx[0]]
    if name == "arch":
        return engine["arch"][idx]
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
            arith = step.arith.parts[panel.index[0]] if panel.index else step.arith     # a channel's own products
            values = [t.value if field == "value" else getattr(t, field).value for t in arith.terms]
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
                        config=NetConfig(arch.LENET5.with_kinds("sigmoid", "avg"), seed=3))


@pytest.fixture(scope="module", params=["LeNet-5", "LeNet-5 sigmoid avg", *SPECS[1:]])
def any_trace(request, mnist, relu_trace, sigmoid_avg_trace):
    """Every network the lecture is checked on."""
    if request.param.startswith("LeNet"):
        return relu_trace if request.param == "LeNet-5" else sigmoid_avg_trace
    return record_trace(mnist.test_images[2], int(mnist.test_labels[2]),
                        config=NetConfig(arch.build(request.param), seed=1))


def test_every_number_is_the_engines(any_trace):
    trace = any_trace
    engine = engine_tensors(trace)
    steps = build_steps(trace, focus=4)
    if trace.arch.spec == arch.LENET5_SPEC:
        assert len(steps) == 46
    for step in steps:
        check_step(step, engine, trace)


def test_every_layer_has_its_steps_in_order_forward_and_backward(any_trace):
    """Each layer of the spec lights the strip in the network's order going forward, and in
    reverse going back; every layer with weights has its update row."""
    steps = build_steps(any_trace, focus=1)
    keys = [key for key, _ in steps[0].stages]
    assert keys[1:-3] == [any_trace.arch.param_prefix(layer) for layer in any_trace.arch.layers]
    forward = list(dict.fromkeys(s.layer for s in steps if s.phase == "forward"))
    backward = list(dict.fromkeys(s.layer for s in steps if s.phase == "backward"))
    assert forward == keys[:-1]                      # input … softmax, loss
    assert backward == keys[1:-2][::-1]              # softmax … the first layer
    layers_with_weights = {any_trace.arch.param_prefix(layer) for layer in any_trace.arch.layers
                           if isinstance(layer, (arch.Conv, arch.Dense))}
    assert layers_with_weights <= set(backward)
    table = next(s for s in steps if s.kind == "update").panels[0]
    assert [row[0].text.split("[")[0] for row in table.rows] == [n for n in any_trace.arch.param_shapes
                                                                 if n.endswith("_w")]


def test_the_conv_shape_step_writes_the_output_size_formula_with_the_layers_numbers(any_trace):
    for step in (s for s in build_steps(any_trace) if s.kind == "conv-shape"):
        layer = any_trace.layer(step.layer)
        numbers = [m.num.value for m in step.lines[1].marks]
        H = any_trace.arch.input_shape_of(layer)[1]
        assert numbers == [H, layer.kernel, layer.padding, layer.stride, any_trace.arch.shape_of(layer.name)[1]]
        assert (H - layer.kernel + 2 * layer.padding) // layer.stride + 1 == numbers[-1]
        assert ("rounded down" in step.lines[1].text) == ((H - layer.kernel + 2 * layer.padding) % layer.stride != 0)


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


def test_steps_are_deterministic_and_the_count_never_changes(any_trace):
    relu_trace = any_trace
    first = build_steps(relu_trace, 2)
    again = build_steps(relu_trace, 2)
    assert [s.caption for s in first] == [s.caption for s in again]
    assert [s.lines for s in first] == [s.lines for s in again]
    assert len({len(build_steps(relu_trace, f)) for f in range(10)}) == 1
    if relu_trace.arch.spec == arch.LENET5_SPEC:
        assert len(first) == 46
    starts = section_starts(first)
    assert starts[0] == 0 and len(starts) > 10
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


@pytest.mark.parametrize("focus", [3, 9])
def test_the_number_keys_pick_each_conv_layers_filter_modulo_its_count(any_trace, focus):
    """Each conv layer (and the activations and poolings after it) shows map focus % its filters."""
    steps = build_steps(any_trace, focus)
    for step in steps:
        if step.kind == "maps" and step.phase == "forward":
            stack = step.panels[-1]
            assert stack.focus == focus % stack.array.shape[0], step.title
    convs = [layer for layer in any_trace.arch.layers if isinstance(layer, arch.Conv)]
    titles = [s.title for s in steps if s.kind in ("conv-window", "conv-sum") and s.phase == "forward"]
    for layer in convs:
        k = focus % layer.filters
        assert any(t.startswith(f"{layer.name.capitalize()}, filter {k}") for t in titles), (layer.name, titles)


@pytest.mark.parametrize("spec", ["conv4k5-fc10", "fc10", "maxpool2-fc10", "tanh-conv4k3-fc10",
                                  "conv1k3-conv1k3p2-fc10", "avgpool4s4-conv2k7-fc10", "conv3k28-fc10",
                                  "conv2k3s3-relu-maxpool2s1-fc10"])
def test_odd_networks_still_give_a_complete_lecture_of_the_engines_numbers(mnist, spec):
    """No activation, no conv, pooling first, an activation on the input, a one-filter conv fed
    by another, a 1×1 output, stride larger than the kernel: every step is built and checked."""
    trace = record_trace(mnist.test_images[3], int(mnist.test_labels[3]), config=NetConfig(arch.build(spec), seed=2))
    engine = engine_tensors(trace)
    steps = build_steps(trace, focus=7)
    for step in steps:
        check_step(step, engine, trace)
    assert steps[-1].kind == "after" and {s.phase for s in steps} == {"forward", "backward", "update"}


# ----------------------------------------------------------------------------- other data: colour, classes

from simulator.engine import shapes  # noqa: E402
from simulator.engine.dataformat import DataFormat  # noqa: E402

# The shapes set's format, with normalisation numbers that differ per channel (so a caption that
# used one channel's μ or σ for another would be caught)
COLOUR = DataFormat(3, 32, 32, shapes.CLASSES, (0.47, 0.45, 0.43), (0.21, 0.22, 0.23))
# more classes than a table shows (the label and the 9 most probable), names too long for a bar
MANY = DataFormat(3, 16, 16, tuple(f"class number {i:02d}" for i in range(12)), (0.5, 0.4, 0.3), (0.2, 0.25, 0.3))
# grey, but not MNIST: 20×20 in three named classes
GREY = DataFormat(1, 20, 20, ("cat", "dog", "owl"), (0.48,), (0.27,))
# (format, spec): LeNet-5 adapted to 32×32 colour; stride 2 and padding on the colour input; no
# conv at all; pooling first on colour; many classes; grey non-MNIST LeNet-5 (padded conv1)
OTHER = {"colour LeNet-5": (COLOUR, arch.lenet5_spec((32, 32), 6)),
         "colour stride, padding": (COLOUR, "conv8k3s2p1-relu-conv16k3-relu-maxpool2-fc64-relu-fc6"),
         "colour dense": (COLOUR, "fc16-tanh-fc6"),
         "colour pool first": (COLOUR, "avgpool2-conv4k3-relu-fc6"),
         "12 classes": (MANY, "conv4k3-relu-maxpool2-fc12"),
         "grey 3 classes": (GREY, arch.lenet5_spec((20, 20), 3))}


def picture_of(fmt: DataFormat, index: int) -> tuple[np.ndarray, int]:
    """A test picture of the format: a shapes picture (cut to size, grey if the format is) and a label."""
    label = index % fmt.n_classes
    rgb = shapes.picture("test", label % len(shapes.CLASSES), index)
    rgb = rgb[:fmt.height, :fmt.width] if fmt.height <= 16 else rgb[(32 - fmt.height) // 2:][:fmt.height, :fmt.width]
    return (rgb if fmt.colour else shapes.grey_of(rgb)), label


def other_trace(name: str, index: int = 4, params=None):
    fmt, spec = OTHER[name]
    image, label = picture_of(fmt, index)
    return record_trace(image, label, params, NetConfig(arch.build(spec, fmt.input_shape, fmt.n_classes), seed=1),
                        source=f"test image #{index}", fmt=fmt)


@pytest.fixture(scope="module", params=sorted(OTHER))
def other(request):
    return other_trace(request.param)


def test_every_number_of_a_lecture_on_other_data_is_the_engines(other):
    engine = engine_tensors(other)
    for focus in (None, 4):
        steps = build_steps(other, focus)
        for step in steps:
            check_step(step, engine, other)
        assert steps[-1].kind == "after" and {s.phase for s in steps} == {"forward", "backward", "update"}


def test_other_data_is_named_by_its_classes_never_as_digits(other):
    """No step of a network for named classes says digit; the label's name is in the captions,
    and every table and bar chart names classes by name (or by number when the names are long)."""
    steps = build_steps(other)
    words = " ".join(t.text for s in steps for t in s.texts()) + " ".join(s.title for s in steps)
    assert "digit" not in words.replace("digits shown", "")
    assert f"'{other.format.classes[other.label]}' (class {other.label})" in words
    assert {s.per for s in steps} == {"class"}
    for step in steps:
        for panel in step.panels:
            if isinstance(panel, Table) and panel.header[0] == "class":
                firsts = [row[0].text for row in panel.rows if not row[0].text.startswith("other")]
                assert all(re.fullmatch(r"\d+( .+)?", f) for f in firsts)
                assert f"{other.label} {other.format.classes[other.label]}" in firsts or str(other.label) in firsts
                assert len(panel.rows) <= 11
            elif not isinstance(panel, Table) and panel.style == "bars":
                assert len(panel.names) == len(panel.array) <= 10
                assert panel.array[panel.marks[0][0]] == other.tensor(panel.source)[0, other.label]


def test_a_colour_picture_is_shown_in_colour_and_normalised_per_channel():
    trace = other_trace("colour LeNet-5")
    first, second = build_steps(trace)[:2]
    picture = first.panels[0]
    assert picture.style == "rgb" and picture.array.shape == (3, 32, 32)
    np.testing.assert_array_equal(picture.array, trace.image.transpose(2, 0, 1))
    planes = [p for p in first.panels if p.tint is not None and p.style == "gray"]
    assert [p.tint for p in planes] == [0, 1, 2]
    r, c = (int(v) for v in re.match(r"pixel \((\d+), (\d+)\)", first.lines[0].text).groups())
    assert [m.num.value for m in first.lines[0].marks] == list(trace.image[r, c])
    assert [m.num.index for m in first.lines[0].marks] == [(r, c, 0), (r, c, 1), (r, c, 2)]
    # each channel's line: (p / 255 − μ_c) / σ_c = x[c, r, c] with that channel's μ and σ
    for ch, line in enumerate(second.lines[1:]):
        p, mu, sd, x = (m.num.value for m in line.marks)
        assert (mu, sd) == (COLOUR.mean[ch], COLOUR.std[ch]) and p == trace.image[r, c, ch]
        assert close(x, (p / 255 - mu) / sd, 1e-5) and x == trace.outputs["input"][0, ch, r, c]


@pytest.mark.parametrize("name", ["colour LeNet-5", "colour stride, padding"])
def test_the_colour_conv1_pixel_is_written_channel_by_channel_and_summed(name):
    """At the best match: R, G, B, each its window's inputs, its slice of the filter and their
    products; then Σ over channels, rows and columns = R … + G … + B …, + bias = the engine's
    output; every other position the same sum with every product in a grid."""
    trace = other_trace(name)
    layer = trace.arch.layers[0]
    F, St, P = layer.kernel, layer.stride, layer.padding
    steps = [s for s in build_steps(trace) if s.layer == "conv1" and s.phase == "forward"]
    channels = [s for s in steps if s.kind == "conv-window"]
    sums = [s for s in steps if s.kind == "conv-sum"]
    assert [s.title.rsplit(" ", 2)[1] for s in channels] == ["red", "green", "blue"]
    k, i, j = sums[0].arith.result.index[1:]              # the first sum is the channels' pixel: the best match
    assert all(f"filter {k} at ({i}, {j}):" in s.title for s in channels)
    assert "matches the image best" in channels[0].caption.text
    x = np.pad(trace.outputs["input"][0], ((0, 0), (P, P), (P, P)))
    w = trace.params["conv1_w"][k]
    for ch, step in enumerate(channels):
        xs, ws, products = (p for p in step.panels if p.source.startswith("terms"))
        window = x[ch, St * i:St * i + F, St * j:St * j + F]
        np.testing.assert_array_equal(xs.array, window)
        np.testing.assert_array_equal(ws.array, w[ch])
        assert close(step.arith.total, float((window.astype(np.float64) * w[ch]).sum()), 1e-9, 1e-12)
        stack = next(p for p in step.panels if p.source == "conv1_w")
        assert stack.array.shape == (3, F, F) and stack.focus == ch and stack.names == ("R", "G", "B")
    for step in sums:
        line = step.lines[0].text
        assert line.startswith(f"Σ 3·{F}·{F} = R ") and " + G " in line and " + B " in line
        assert f"3·{F}·{F} = {3 * F * F} products" in step.caption.text
        parts = [m.num.value for m in step.lines[0].marks + step.lines[1].marks[:1]]
        assert close(sum(parts[:3]), parts[3], 1e-9, 1e-12)
        assert close(step.arith.total + step.arith.bias.value, step.arith.result.value, 1e-4, 1e-5)
        assert step.arith.result.value == trace.outputs["conv1"][step.arith.result.index]
        grids = [p for p in step.panels if p.source == "terms"]
        assert [p.index for p in grids] == [(0,), (1,), (2,)]
        assert any(p.style == "rgb" for p in step.panels)
    assert len(sums) == (3 if P else 2)                         # the padding corner too, when there is padding


def test_a_grey_network_of_other_data_keeps_the_grey_steps():
    trace = other_trace("grey 3 classes")
    steps = build_steps(trace)
    assert steps[0].title == "The input: 20×20 pixels" and "this data's training pixels" in steps[1].caption.text
    assert [s.kind for s in steps if s.layer == "conv1" and s.phase == "forward"][1:4] == ["conv-window"] * 3
    assert not any(getattr(p, "style", "") == "rgb" for s in steps for p in s.panels)


def test_record_trace_refuses_a_picture_or_network_of_another_format(mnist):
    fmt, spec = OTHER["colour LeNet-5"]
    net = NetConfig(arch.build(spec, fmt.input_shape, fmt.n_classes))
    image, _ = picture_of(fmt, 0)
    with pytest.raises(ValueError, match="32×32×3"):
        record_trace(mnist.test_images[0], 1, config=net, fmt=fmt)
    with pytest.raises(ValueError, match="the network takes"):
        record_trace(image, 1, fmt=fmt)                    # MNIST's LeNet-5 on a colour picture
    with pytest.raises(ValueError, match="label 6 of 6"):
        record_trace(image, 6, config=net, fmt=fmt)
