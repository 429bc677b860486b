"""Lecture mode as pure data: `build_steps(trace) -> list[Step]`, no pygame.

    trace = record_trace(image, label, params, arch)   # one real forward + backward + update
    steps = build_steps(trace, focus=3)                # focus: the filter the number keys chose

The steps follow the trace's network (an arch.Arch, LeNet-5 by default) layer by layer:
forward through every conv, activation, pooling and dense layer in order, softmax and the
loss, then backward through the same layers in reverse, then the update.
Going back is indexing into the list, so it is exact; the list can be exported frame by frame.
Every number a step shows is a Num naming the tensor element (or the step's own arithmetic)
it came from: tests read the captions back and compare them with the engine's tensors.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..arch import LENET5, Act, Arch, Conv, Dense, Flatten, Pool
from .backward import act_back_step, dense_wgrad_step, dense_xgrad_step, logits_step, pool_back_step, \
    unflatten_step, update_steps
from .conv import conv_steps
from .conv_back import conv_dx_steps, conv_wgrad_step
from .dense import dense_steps, flatten_step, softmax_steps
from .forward import act_step, input_steps, pool_steps
from .step import Arithmetic, Mark, Num, Panel, Step, Table, Term, Text, fmt, parse_number  # noqa: F401
from .trace import LECTURE_LR, LectureTrace, record_trace  # noqa: F401


def stages(arch: Arch) -> tuple[tuple[str, str], ...]:
    """The network's stages, left to right, as the pipeline strip names them: (the Step.layer
    that lights it, its label). A dense layer is named by its parameters (the logits are fc3)."""
    out = [("input", "input")]
    for layer in arch.layers:
        if isinstance(layer, Act):
            out.append((layer.name, layer.kind))
        elif isinstance(layer, Pool):
            out.append((layer.name, f"{layer.kind}pool"))
        elif isinstance(layer, Flatten):
            out.append(("flat", "flatten"))
        else:
            key = arch.param_prefix(layer)
            out.append((key, key))
    return tuple(out) + (("softmax", "softmax"), ("loss", "loss"), ("update", "update"))


STAGES = stages(LENET5)


def typical_map(trace, conv: str) -> int:
    """The map of conv layer `conv` a lecture shows unless a number key chose one: the one with
    the most positive values (the most alive, so its activation and pooling have something to
    show; ties: the lowest)."""
    out = trace.outputs[conv][0]
    return int(np.argmax((out > 0).reshape(out.shape[0], -1).sum(axis=1)))


def focus_maps(trace, focus: int | None) -> dict[str, int | None]:
    """Layer name → the map in focus of its output: focus modulo its channels, or with focus
    None its conv layer's typical_map (the activations and poolings after a conv share its
    map; a layer before any conv shows map 0); None for a vector."""
    out, current = {}, 0
    for layer in trace.arch.layers:
        shape = trace.outputs[layer.name].shape
        if len(shape) != 4:
            out[layer.name] = None
            continue
        if focus is not None:
            out[layer.name] = focus % shape[1]
            continue
        if isinstance(layer, Conv):
            current = typical_map(trace, layer.name)
        out[layer.name] = current % shape[1]
    return out


def build_steps(trace: LectureTrace, focus: int | None = None) -> list[Step]:
    """The whole lecture for one trace. `focus` picks the map shown: in every conv layer its
    filter focus % filters (the number keys 0–9 set it), and the maps that follow it; None
    (the default) shows each conv layer's typical_map."""
    arch = trace.arch
    names = arch.tensor_names
    maps = focus_maps(trace, focus)
    steps = input_steps(trace)
    for layer, x_name in zip(arch.layers, names):
        k = maps[layer.name]
        if isinstance(layer, Conv):
            steps += conv_steps(trace, layer, x_name, k)
        elif isinstance(layer, Act):
            steps.append(act_step(trace, layer, x_name, k))
        elif isinstance(layer, Pool):
            steps += pool_steps(trace, layer, x_name, k)
        elif isinstance(layer, Flatten):
            steps.append(flatten_step(trace, x_name))
        else:
            steps += dense_steps(trace, layer, x_name)
    steps += softmax_steps(trace)
    steps.append(logits_step(trace))
    for layer, x_name in reversed(tuple(zip(arch.layers, names))):
        k = maps[layer.name]
        if isinstance(layer, Dense):
            steps += [dense_wgrad_step(trace, layer, x_name), dense_xgrad_step(trace, layer, x_name)]
        elif isinstance(layer, Act):
            steps.append(act_back_step(trace, layer, x_name, k))
        elif isinstance(layer, Flatten):
            steps.append(unflatten_step(trace, x_name))
        elif isinstance(layer, Pool):
            steps.append(pool_back_step(trace, layer, x_name, k))
        else:
            steps.append(conv_wgrad_step(trace, layer, x_name))
            steps += conv_dx_steps(trace, layer, x_name, k, detail=x_name != "input")
    steps += update_steps(trace)
    strip = stages(arch)
    return [replace(s, stages=strip) for s in steps]


def section_starts(steps: list[Step]) -> list[int]:
    """Indices where a new section begins (PgUp/PgDn jump between these)."""
    return [i for i, s in enumerate(steps) if i == 0 or s.section != steps[i - 1].section]
