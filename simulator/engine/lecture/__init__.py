"""Lecture mode as pure data: `build_steps(trace) -> list[Step]`, no pygame.

    trace = record_trace(image, label, params, config)   # one real forward + backward + update
    steps = build_steps(trace, focus=3)                  # focus: the filter the number keys chose

Going back is indexing into the list, so it is exact; the list can be exported frame by frame.
Every number a step shows is a Num naming the tensor element (or the step's own arithmetic)
it came from: tests read the captions back and compare them with the engine's tensors.
"""
from __future__ import annotations

from .backward import backward_steps
from .dense import forward_dense_steps
from .forward import forward_conv_steps
from .step import Arithmetic, Mark, Num, Panel, Step, Table, Term, Text, fmt, parse_number
from .trace import LECTURE_LR, LectureTrace, record_trace  # noqa: F401

# The network's stages, left to right, as the pipeline strip names them.
STAGES = (("input", "input"), ("conv1", "conv1"), ("act1", "act"), ("pool1", "pool"), ("conv2", "conv2"),
          ("act2", "act"), ("pool2", "pool"), ("flat", "flatten"), ("fc1", "fc1"), ("act3", "act"),
          ("fc2", "fc2"), ("act4", "act"), ("fc3", "fc3"), ("softmax", "softmax"), ("loss", "loss"),
          ("update", "update"))


def build_steps(trace: LectureTrace, focus: int = 0) -> list[Step]:
    """The whole lecture for one trace. `focus` picks the filter shown: conv1 filter focus % 6,
    conv2 filter focus % 16 (the number keys 0–9 set it)."""
    k1, k2 = focus % 6, focus % 16
    return forward_conv_steps(trace, k1, k2) + forward_dense_steps(trace) + backward_steps(trace, k1, k2)


def section_starts(steps: list[Step]) -> list[int]:
    """Indices where a new section begins (PgUp/PgDn jump between these)."""
    return [i for i, s in enumerate(steps) if i == 0 or s.section != steps[i - 1].section]
