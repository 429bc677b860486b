"""What one lecture step is: pure data a screen draws and a test checks.

Every number a step shows is a Num that names where it came from: a tensor of the trace and
an index into it ("conv1", (0, 2, 7, 9)), or the step's own arithmetic ("×" for a product,
"Σ" for a sum), or a constant ("mean", "std", "lr", "pad", "shape:conv1", "arch": a layer's
setting, index (layer name, "stride")). Texts keep
the character span of each number, so a test can read the caption back and compare.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ... import numbers
from ...numbers import exponent_label, grid_format, grid_text  # noqa: F401  (the grids' one format)
from ..arch import weighted

SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def sub(i: int) -> str:
    """An index written as a subscript: sub(7) = '₇'."""
    return str(i).translate(SUBSCRIPT)


@dataclass(frozen=True)
class Num:
    """One number on screen and where it came from; `decimals` writes it with that many
    decimals instead of fmt's 4 significant digits (a row whose numbers must add up as shown)."""
    value: float | int
    tensor: str
    index: tuple = ()
    decimals: int | None = None


def num(trace, tensor: str, index: tuple) -> Num:
    """The element tensor[index] of the trace as a Num (ints stay ints)."""
    v = trace.tensor(tensor)[index]
    return Num(int(v) if np.issubdtype(type(v), np.integer) else float(v), tensor, tuple(int(i) for i in index))


def fmt(value) -> str:
    """How the lecture writes a number: simulator.numbers.fmt with 4 significant digits (ints
    stay ints, ×10⁻ⁿ below 0.001: projected text must stay short)."""
    return numbers.fmt(value, sig=4)


def write(n: Num) -> str:
    """A Num as the lecture writes it: fmt, or fixed decimals when the Num asks for them."""
    if n.decimals is None:
        return fmt(n.value)
    s = f"{float(n.value):.{n.decimals}f}"
    if float(s) == 0.0:
        s = s.lstrip("-")
    return s.replace("-", "−")


def with_decimals(n: Num, decimals: int) -> Num:
    return Num(n.value, n.tensor, n.index, decimals)


parse_number = numbers.parse_number     # the inverse of fmt (tests read captions back)


@dataclass(frozen=True)
class Mark:
    start: int
    end: int
    num: Num


@dataclass(frozen=True)
class Text:
    """A line or paragraph; marks give the span of every number in it."""
    text: str
    marks: tuple[Mark, ...] = ()

    def __str__(self) -> str:
        return self.text


def text(*parts) -> Text:
    """Join strings, ints and Nums into a Text; each Num is written with fmt and marked."""
    chunks, marks, pos = [], [], 0
    for part in parts:
        if isinstance(part, Num):
            s = write(part)
            marks.append(Mark(pos, pos + len(s), part))
        else:
            s = str(part)
        chunks.append(s)
        pos += len(s)
    return Text("".join(chunks), tuple(marks))


def signed(n: Num) -> tuple:
    """Parts that write n in brackets when negative: 2×(−0.5), + (−0.3)."""
    return ("(", n, ")") if float(n.value) < 0 else (n,)


def sum_parts(nums, sep=" + ") -> list:
    """n₀ + n₁ + … with negatives bracketed."""
    out = []
    for i, n in enumerate(nums):
        out += ([sep] if i else []) + list(signed(n))
    return out


def product_parts(terms, sep=" + ") -> list:
    """a₀×b₀ + a₁×b₁ + … with negatives bracketed."""
    out = []
    for i, t in enumerate(terms):
        out += ([sep] if i else []) + [*signed(t.a), "×", *signed(t.b)]
    return out


def shown_and_rest(arith, show: list[int]) -> tuple:
    """Parts that write a dot product so that it adds up as shown: the products `show` (indices
    into arith.terms), then the sum of all the others as one number (a Num "Σ−" whose index
    lists the shown terms), e.g. a×b + c×d + e×f + (the other 397: −1.234)."""
    rest = len(arith.terms) - len(show)
    parts = product_parts([arith.terms[t] for t in show])
    if rest:
        value = float(np.sum([t.value for i, t in enumerate(arith.terms) if i not in set(show)], dtype=np.float64))
        parts += [f" + (the other {rest}: ", *signed(Num(value, "Σ−", tuple(show))), ")"]
    return parts


def largest_first(values, n: int) -> list[int]:
    """Indices of the n largest |values|, largest first (ties: lower index first)."""
    order = np.argsort(-np.abs(np.asarray(values, np.float64)), kind="stable")
    return [int(i) for i in order[:n]]


def labelled_sum(label: str, letter: str, nums: list, last: tuple, most: int, per_line: int = 4) -> list:
    """Lines writing Σ over nums (one per filter or channel) so that it adds up as shown and
    every addend is named: all of them in index order when they fit in `most`, else the
    `most` − 1 largest (their indices named, largest first) and the rest as one number; `last`,
    the parts of the closing line ("= ", result)."""
    n = len(nums)
    if n <= most:
        shown, head = list(range(n)), f"{label} ({letter} = 0 … {n - 1}): "
    else:       # the largest, never a 0 among them (the zeros are all in "the other …")
        shown = [i for i in largest_first([x.value for x in nums], most - 1) if nums[i].value != 0] or [0]
        head = f"{label}, largest first ({letter} = {', '.join(str(i) for i in shown)}): "
    parts = [nums[i] for i in shown]
    rows = [parts[a:a + per_line] for a in range(0, len(parts), per_line)]
    lines = []
    for r, row in enumerate(rows):
        final = r == len(rows) - 1
        tail = ()
        if final and n > len(shown):
            others = float(np.sum([x.value for i, x in enumerate(nums) if i not in set(shown)], dtype=np.float64))
            tail = (f" + (the other {n - len(shown)}: ", *signed(Num(others, "Σ−", tuple(shown))), ")")
        lines.append(text(head if r == 0 else "   ", *sum_parts(row), *(tail if final else (" +",))))
    lines.append(text(*last))
    return lines


@dataclass(frozen=True, eq=False)
class Term:
    """One addend: a·b (a product) or, when b is None, a itself."""
    a: Num
    b: Num | None
    value: float


@dataclass(frozen=True, eq=False)
class Arithmetic:
    """How one output number is made from its inputs.

    op = "dot": result = Σ terms (+ bias);  "sum": result = Σ parts' sums (+ bias);
    op = "max"/"mean": result = max/mean of the terms.  The result is the engine's element."""
    op: str
    terms: tuple[Term, ...] = ()
    parts: tuple["Arithmetic", ...] = ()
    total: float = 0.0           # Σ terms (or Σ part totals), before the bias
    bias: Num | None = None
    result: Num | None = None

    def term_num(self, i: int) -> Num:
        return Num(self.terms[i].value, "×", (i,))

    def total_num(self) -> Num:
        return Num(self.total, "Σ", ())

    def part_num(self, c: int) -> Num:
        return Num(self.parts[c].total, "Σ", (c,))


def dot(trace, a_refs, b_refs, bias=None, result=None, op="dot") -> Arithmetic:
    """Σ a_i·b_i over (tensor, index) pairs; a ref may be a ready Num (padding zeros)."""
    def as_num(ref):
        return ref if isinstance(ref, Num) else num(trace, *ref)
    terms = []
    for ra, rb in zip(a_refs, b_refs):
        a, b = as_num(ra), as_num(rb)
        terms.append(Term(a, b, float(np.float64(a.value) * np.float64(b.value))))
    total = float(np.sum([t.value for t in terms], dtype=np.float64))
    return Arithmetic(op, tuple(terms), (), total, bias, result)


def collect(nums, op: str, result: Num | None = None) -> Arithmetic:
    """max / mean / plain sum of some Nums."""
    terms = tuple(Term(n, None, float(n.value)) for n in nums)
    values = np.array([t.value for t in terms], np.float64)
    total = float(values.max() if op == "max" else values.mean() if op == "mean" else values.sum())
    return Arithmetic(op, terms, (), total, None, result)


def combine(parts, bias: Num | None, result: Num | None) -> Arithmetic:
    """Σ over sub-sums (conv2: one dot product per input channel)."""
    total = float(np.sum([p.total for p in parts], dtype=np.float64))
    return Arithmetic("sum", (), tuple(parts), total, bias, result)


@dataclass(frozen=True, eq=False)
class Panel:
    """An array the screen draws: a map [H,W], a stack of maps [C,H,W] or a vector [D].

    source/index name the tensor slice it is (index holds slices), or source "×" when it is
    the step's products laid out as a grid."""
    label: str
    array: np.ndarray
    source: str
    index: tuple = ()
    style: str = "heat"          # heat | gray | numbers (heat + values) | gray-numbers | bars | rgb (a colour
                                 # picture: uint8 [3,H,W], drawn as it looks)
    row: int = 0                 # panels are laid out in rows, top to bottom
    box: tuple | None = None     # (r0, c0, h, w) window, in unpadded coordinates
    marks: tuple = ()            # cells to outline: (r, c) or (i,) for vectors
    reveal: int | None = None    # only the first n cells (raster order) are filled in
    focus: int | None = None     # the selected map of a stack
    limit: float = 1.0           # colour scale: ±limit (gray: 0…limit above `low`)
    low: float = 0.0
    pad: int = 0                 # draw this many zero cells of padding around the map
    names: tuple = ()            # per-map names of a stack, or per-entry names of bars
    grid: tuple | None = None    # a vector is drawn as a block of this (rows, cols) shape
    transpose: bool = False      # draw a matrix turned on its side (marks are given untransposed)
    one_sided: bool = False      # the whole tensor is ≥ 0 (after ReLU): colour scale 0 … +limit
    tint: int | None = None      # gray styles: drawn black … this colour channel (0 red, 1 green, 2 blue)


@dataclass(frozen=True, eq=False)
class Table:
    """Rows of Texts (the softmax, the update): header strings, then one Text per cell."""
    header: tuple[str, ...]
    rows: tuple[tuple[Text, ...], ...]
    row: int = 0
    mark_row: int | None = None


@dataclass(frozen=True, eq=False)
class Step:
    """One screen of the lecture."""
    section: str                 # PgUp/PgDn jump between sections ("conv1", "∂pool2", …)
    phase: str                   # forward | backward | update
    kind: str                    # what sort of screen (for tests and layout choices)
    title: str
    caption: Text                # plain words, 1–3 sentences
    lines: tuple[Text, ...] = ()  # the arithmetic in big type
    arith: Arithmetic | None = None
    panels: tuple = ()           # Panels and Tables
    layer: str = ""              # the network stage lit up in the pipeline strip
    stages: tuple = ()           # the strip: (key, label) per stage of the network, left to right
    per: str = "digit"           # what one score is for: "digit" (MNIST's classes) or "class"

    def texts(self) -> tuple[Text, ...]:
        out = [self.caption, *self.lines]
        for p in self.panels:
            if isinstance(p, Table):
                out.extend(cell for row in p.rows for cell in row)
        return tuple(out)


def limit_of(a: np.ndarray) -> float:
    """Symmetric colour scale for a heat map of `a` (never 0)."""
    m = float(np.max(np.abs(a))) if a.size else 0.0
    return m if m > 0 and np.isfinite(m) else 1.0


# Tensors that hold the same numbers (an activation keeps its input's positive values, pooling
# keeps some of them, flatten moves them) share one colour scale, so a value has the same
# colour in every step that draws it: a conv or dense layer starts a family, the activations,
# poolings and the flatten after it join it; their gradients form the same families.
def scale_families(arch) -> tuple[tuple[str, ...], ...]:
    """LeNet-5: ('input',), ('conv1', 'act1', 'pool1'), ('conv2', 'act2', 'pool2', 'flat'), …"""
    families = [["input"]]
    for layer in arch.layers:
        if weighted(layer):
            families.append([layer.name])
        else:
            families[-1].append(layer.name)
    grads = [["d:" + n for n in f] for f in families if f != ["input"]]
    return tuple(tuple(f) for f in families + grads)


def tensor_limit(trace, name: str) -> float:
    """The one colour scale of tensor `name` in every step: ±max |value| over its family."""
    family = next((f for f in scale_families(trace.arch) if name in f), (name,))
    return max(limit_of(np.asarray(trace.tensor(n))) for n in family)
