"""The trained network as ONNX: `python main.py export CHECKPOINT OUT.onnx`.

The graph is built from the checkpoint's Arch (arch.py) and parameters, one ONNX node per
engine layer, every tensor named as the engine names it (conv1, act1, pool1, …, flat, fc1, …,
logits) and every initializer after the engine's parameter (conv1_w [K,C,F,F], fc1_w [D,M], …):

    image[N,C,H,W] (raw pixels in [0, 1]; C×H×W the data's: 1×28×28 for MNIST, RGB planes for colour)
      → Sub(mean) → Div(std) → input                 the engine's normalisation (one number per
                                                     channel, shape [1,C,1,1]), as nodes
      → Conv(strides, pads) / Relu|Sigmoid|Tanh / MaxPool|AveragePool(kernel_shape, strides)
      → Flatten → flat → Gemm(flat, fcN_w, fcN_b) …  → logits[N,classes]

Pooling uses ONNX's default floor mode (ceil_mode 0) and no padding, as the engine does:
OH = (H − size)/stride + 1 floored. The batch dimension is symbolic ("N"). The model's
metadata names the classes (JSON list "classes", in the order of the logits), the spec, the
input and the normalisation. `onnx` is imported only here, and only when a model is built
(the `onnx` extra).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..errors import UserError, extra_hint
from .arch import Act, Arch, Conv, Dense, Flatten, Pool, by_kind
from .checkpoint import atomic_write, load_checkpoint, network_of
from .dataformat import MNIST, DataFormat

OPSET = 17          # Conv, pooling, Gemm and Flatten as every runtime of the last years knows them
IR_VERSION = 8      # the IR that goes with opset 17 (newer IRs are refused by older runtimes)
INPUT_NAME = "image"
OUTPUT_NAME = "logits"
INSTALL_HINT = extra_hint("onnx", "onnx onnxruntime")
DOC = ("CNN Simulator network {spec}. Input 'image' [N,{c},{h},{w}] float32: raw pixels scaled to [0, 1] "
       "(pixel/255{layout}); the graph normalises them itself ((x - mean)/std per channel, mean {mean}, "
       "std {std}: the 'input' tensor). Output 'logits' [N,{k}]: one score per class ({classes}), "
       "before softmax. Tensors and initializers carry the engine's names (conv1_w [K,C,F,F], "
       "fc1_w [D,M], ...).")


def _nodes_of(layer, arch: Arch, before: str, init, helper) -> list:
    """The ONNX node of one engine layer (its parameters added with init), by kind."""
    out = layer.name

    def conv():
        w, b = f"{layer.name}_w", f"{layer.name}_b"
        init(w)
        init(b)
        p = layer.padding
        return helper.make_node("Conv", [before, w, b], [out], name=layer.name, kernel_shape=[layer.kernel] * 2,
                                strides=[layer.stride] * 2, pads=[p, p, p, p])

    def act():
        op = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh"}[layer.kind]
        return helper.make_node(op, [before], [out], name=layer.name)

    def pool():
        op = {"max": "MaxPool", "avg": "AveragePool"}[layer.kind]
        return helper.make_node(op, [before], [out], name=layer.name, kernel_shape=[layer.size] * 2,
                                strides=[layer.stride] * 2, ceil_mode=0)

    def flatten():
        return helper.make_node("Flatten", [before], [out], name=layer.name, axis=1)

    def dense():
        key = arch.param_prefix(layer)
        init(f"{key}_w")
        init(f"{key}_b")
        return helper.make_node("Gemm", [before, f"{key}_w", f"{key}_b"], [out], name=key)   # flat[N,D]·w[D,M] + b

    return by_kind({Conv: conv, Act: act, Pool: pool, Flatten: flatten, Dense: dense}, layer)()


def import_onnx():
    """The onnx module, or a UserError saying how to install it."""
    try:
        import onnx
    except ImportError:
        raise UserError(f"exporting to ONNX needs the onnx package: {INSTALL_HINT}") from None
    return onnx


def build_model(arch: Arch, params: dict[str, np.ndarray], dtype=np.float32, fmt: DataFormat = MNIST):
    """Arch + parameters → onnx.ModelProto computing the engine's logits from raw [0,1] pixels,
    normalised with fmt's numbers (the data the network was trained on; MNIST's by default).

    dtype float32 is what the engine trains in; float64 exists so a test can check the graph's
    arithmetic against the engine's to ~1e-12, with rounding out of the way."""
    onnx = import_onnx()
    from onnx import TensorProto, helper, numpy_helper

    if arch.input_shape != fmt.input_shape or arch.classes != fmt.n_classes:
        raise ValueError(f"export: the network takes {arch.input_shape} in {arch.classes} classes, "
                         f"the format is {fmt.describe()}")
    elem = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.float64): TensorProto.DOUBLE}[np.dtype(dtype)]
    nodes, inits = [], []

    def init(name, array=None):
        array = params[name] if array is None else array
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array, dtype), name))

    c = fmt.channels
    init("mean", np.array(fmt.mean).reshape(1, c, 1, 1))
    init("std", np.array(fmt.std).reshape(1, c, 1, 1))
    nodes.append(helper.make_node("Sub", [INPUT_NAME, "mean"], ["centred"], name="normalise_sub"))
    nodes.append(helper.make_node("Div", ["centred", "std"], ["input"], name="normalise_div"))
    before = "input"
    for layer in arch.layers:
        nodes.append(_nodes_of(layer, arch, before, init, helper))
        before = layer.name
    assert before == OUTPUT_NAME, before
    numbers = lambda values: "[" + ", ".join(f"{v:g}" for v in values) + "]"      # noqa: E731
    doc = DOC.format(spec=arch.spec, c=c, h=fmt.height, w=fmt.width, k=fmt.n_classes,
                     layout=", white digit on black as in MNIST" if fmt == MNIST
                     else "; channels R, G, B" if fmt.colour else "",
                     mean=numbers(fmt.mean), std=numbers(fmt.std), classes=", ".join(fmt.classes))
    graph = helper.make_graph(
        nodes, "cnn_simulator", [helper.make_tensor_value_info(INPUT_NAME, elem, ["N", *fmt.input_shape])],
        [helper.make_tensor_value_info(OUTPUT_NAME, elem, ["N", arch.classes])], inits, doc_string=doc)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], ir_version=IR_VERSION,
                              producer_name="cnn-simulator", doc_string=doc)
    helper.set_model_props(model, {
        "arch": arch.spec, "classes": json.dumps(list(fmt.classes)),
        "input": f"raw pixels in [0, 1], [N,{c},{fmt.height},{fmt.width}]" + (", channels R, G, B" if fmt.colour else ""),
        "normalisation": f"(x - mean)/std per channel, mean {numbers(fmt.mean)}, std {numbers(fmt.std)}"})
    onnx.checker.check_model(model, full_check=True)
    return model


def export(checkpoint: Path, out: Path) -> tuple[Arch, DataFormat]:
    """Checkpoint → ONNX file at `out`, written atomically. Returns the exported Arch and its data format.
    Any problem (bad checkpoint, onnx missing, unwritable path) is one UserError line."""
    state = load_checkpoint(checkpoint)
    arch = network_of(state)
    model = build_model(arch, state["params"], fmt=state["format"])
    out = Path(out)
    if out.is_dir():
        raise UserError(f"{out}: is a folder; give the file to write, e.g. {out / 'model.onnx'}")
    try:
        atomic_write(out, lambda f: f.write(model.SerializeToString()))
    except OSError as e:
        raise UserError(f"{out}: cannot write the ONNX file ({e.strerror or e})") from None
    return arch, state["format"]
