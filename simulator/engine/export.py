"""The trained network as ONNX: `python main.py export CHECKPOINT OUT.onnx`.

The graph is built from the checkpoint's Arch (arch.py) and parameters, one ONNX node per
engine layer, every tensor named as the engine names it (conv1, act1, pool1, …, flat, fc1, …,
logits) and every initializer after the engine's parameter (conv1_w [K,C,F,F], fc1_w [D,M], …):

    image[N,1,28,28] (raw pixels in [0, 1])
      → Sub(MEAN) → Div(STD) → input                 the engine's normalisation, as nodes
      → Conv(strides, pads) / Relu|Sigmoid|Tanh / MaxPool|AveragePool(kernel_shape, strides)
      → Flatten → flat → Gemm(flat, fcN_w, fcN_b) …  → logits[N,10]

Pooling uses ONNX's default floor mode (ceil_mode 0) and no padding, as the engine does:
OH = (H − size)/stride + 1 floored. The batch dimension is symbolic ("N").
`onnx` is imported only here, and only when a model is built (the `onnx` extra).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import UserError, extra_hint
from .arch import INPUT_SHAPE, Act, Arch, Conv, Dense, Flatten, Pool
from .checkpoint import atomic_write, load_checkpoint
from .config import TrainConfig
from .data import MEAN, STD

OPSET = 17          # Conv, pooling, Gemm and Flatten as every runtime of the last years knows them
IR_VERSION = 8      # the IR that goes with opset 17 (newer IRs are refused by older runtimes)
INPUT_NAME = "image"
OUTPUT_NAME = "logits"
INSTALL_HINT = extra_hint("onnx", "onnx onnxruntime")
DOC = ("CNN Simulator network {spec}. Input 'image' [N,1,28,28] float32: raw pixels scaled to [0, 1] "
       "(pixel/255, white digit on black as in MNIST); the graph normalises them itself "
       "((x - {mean})/{std}, the 'input' tensor). Output 'logits' [N,10]: one score per digit 0-9, "
       "before softmax. Tensors and initializers carry the engine's names (conv1_w [K,C,F,F], "
       "fc1_w [D,M], ...).")


def import_onnx():
    """The onnx module, or a UserError saying how to install it."""
    try:
        import onnx
    except ImportError:
        raise UserError(f"exporting to ONNX needs the onnx package: {INSTALL_HINT}") from None
    return onnx


def build_model(arch: Arch, params: dict[str, np.ndarray], dtype=np.float32):
    """Arch + parameters → onnx.ModelProto computing the engine's logits from raw [0,1] pixels.

    dtype float32 is what the engine trains in; float64 exists so a test can check the graph's
    arithmetic against the engine's to ~1e-12, with rounding out of the way."""
    onnx = import_onnx()
    from onnx import TensorProto, helper, numpy_helper

    elem = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.float64): TensorProto.DOUBLE}[np.dtype(dtype)]
    nodes, inits = [], []

    def init(name, array):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array, dtype), name))

    init("mean", np.array(MEAN))
    init("std", np.array(STD))
    nodes.append(helper.make_node("Sub", [INPUT_NAME, "mean"], ["centred"], name="normalise_sub"))
    nodes.append(helper.make_node("Div", ["centred", "std"], ["input"], name="normalise_div"))
    before = "input"
    for layer in arch.layers:
        out = layer.name
        if isinstance(layer, Conv):
            w, b = f"{layer.name}_w", f"{layer.name}_b"
            init(w, params[w])
            init(b, params[b])
            p = layer.padding
            nodes.append(helper.make_node("Conv", [before, w, b], [out], name=layer.name,
                                          kernel_shape=[layer.kernel] * 2, strides=[layer.stride] * 2,
                                          pads=[p, p, p, p]))
        elif isinstance(layer, Act):
            op = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh"}[layer.kind]
            nodes.append(helper.make_node(op, [before], [out], name=layer.name))
        elif isinstance(layer, Pool):
            op = {"max": "MaxPool", "avg": "AveragePool"}[layer.kind]
            nodes.append(helper.make_node(op, [before], [out], name=layer.name, kernel_shape=[layer.size] * 2,
                                          strides=[layer.stride] * 2, ceil_mode=0))
        elif isinstance(layer, Flatten):
            nodes.append(helper.make_node("Flatten", [before], [out], name=layer.name, axis=1))
        elif isinstance(layer, Dense):
            key = arch.param_prefix(layer)
            w, b = f"{key}_w", f"{key}_b"
            init(w, params[w])
            init(b, params[b])
            nodes.append(helper.make_node("Gemm", [before, w, b], [out], name=key))   # flat[N,D]·w[D,M] + b
        else:                                                                      # pragma: no cover
            raise AssertionError(layer)
        before = out
    assert before == OUTPUT_NAME, before
    doc = DOC.format(spec=arch.spec, mean=MEAN, std=STD)
    graph = helper.make_graph(
        nodes, "cnn_simulator", [helper.make_tensor_value_info(INPUT_NAME, elem, ["N", *INPUT_SHAPE])],
        [helper.make_tensor_value_info(OUTPUT_NAME, elem, ["N", arch.shapes[-1][0]])], inits, doc_string=doc)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], ir_version=IR_VERSION,
                              producer_name="cnn-simulator", doc_string=doc)
    helper.set_model_props(model, {"arch": arch.spec, "input": "raw pixels in [0, 1], [N,1,28,28]",
                                   "normalisation": f"(x - {MEAN})/{STD}"})
    onnx.checker.check_model(model, full_check=True)
    return model


def network_of(config: dict) -> Arch:
    """The Arch a checkpoint's (validated) config trains."""
    return TrainConfig(**config).network()


def export(checkpoint: Path, out: Path) -> Arch:
    """Checkpoint → ONNX file at `out`, written atomically. Returns the exported Arch.
    Any problem (bad checkpoint, onnx missing, unwritable path) is one UserError line."""
    state = load_checkpoint(checkpoint)
    arch = network_of(state["config"])
    model = build_model(arch, state["params"])
    out = Path(out)
    if out.is_dir():
        raise UserError(f"{out}: is a folder; give the file to write, e.g. {out / 'model.onnx'}")
    try:
        atomic_write(out, lambda f: f.write(model.SerializeToString()))
    except OSError as e:
        raise UserError(f"{out}: cannot write the ONNX file ({e.strerror or e})") from None
    return arch
