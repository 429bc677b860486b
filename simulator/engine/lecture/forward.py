"""The forward pass's first half: the input, conv1, activation, pooling, conv2, activation, pooling.

Each builder returns Steps whose numbers are Nums read from the trace (see step.py).
`k1`/`k2` are the conv1/conv2 filters in focus (the number keys choose them).
"""
from __future__ import annotations

import numpy as np

from .step import Num, Panel, Step, collect, combine, dot, limit_of, num, signed, sum_parts, tensor_limit, text
from .trace import NORM_MEAN, NORM_STD

S = slice(None)
ACT_NAME = {"relu": "ReLU", "sigmoid": "sigmoid", "tanh": "tanh"}
ACT_FORMULA = {"relu": "max(x, 0)", "sigmoid": "σ(x) = 1 / (1 + e^−x)", "tanh": "tanh(x)"}
VECTOR_GRID = {400: (20, 20), 120: (10, 12), 84: (7, 12), 10: (1, 10)}
ARCH = {("conv1", "padding"): 2, ("conv1", "stride"): 1, ("conv2", "padding"): 0,
        ("conv2", "stride"): 1, ("pool", "size"): 2, ("pool", "stride"): 2}


def arch(layer: str, key: str) -> Num:
    return Num(ARCH[(layer, key)], "arch", (layer, key))


def shape(trace, name: str, axis: int) -> Num:
    return Num(int(trace.tensor(name).shape[axis]), f"shape:{name}", (axis,))


def heat(label, trace, source, index, **kw) -> Panel:
    """A slice of a tensor, coloured on the tensor's one scale (tensor_limit)."""
    a = trace.tensor(source)[index]
    kw.setdefault("limit", tensor_limit(trace, source))
    kw.setdefault("one_sided", non_negative(trace, source))
    return Panel(label, a, source, index, **kw)


def vector(label, trace, source, **kw) -> Panel:
    a = trace.tensor(source)[0]
    kw.setdefault("limit", tensor_limit(trace, source))
    kw.setdefault("one_sided", non_negative(trace, source))
    return Panel(label, a, source, (0, S), grid=VECTOR_GRID.get(a.size), **kw)


def non_negative(trace, source: str) -> bool:
    """True when the whole tensor has no negative value (after ReLU): a one-sided scale."""
    return bool((np.asarray(trace.tensor(source)) >= 0).all())


def strict_windows(a: np.ndarray, size: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """For a map a[H,W] cut into size×size windows: (maxima [OH,OW], strict [OH,OW] bool), where
    strict means the window's maximum is non-zero and larger than its other values (no tie)."""
    oh, ow = a.shape[0] // size, a.shape[1] // size
    w = a[:oh * size, :ow * size].reshape(oh, size, ow, size).transpose(0, 2, 1, 3).reshape(oh, ow, -1)
    top = w.max(axis=2)
    strict = ((w == top[..., None]).sum(axis=2) == 1) & (top != 0)
    return top, strict


def example_window(a: np.ndarray, score: np.ndarray) -> tuple:
    """The pooling window that shows the rule: among windows with a strict, non-zero maximum,
    the one with the largest score; only if there is none, the largest score overall."""
    _, strict = strict_windows(a)
    masked = np.where(strict, score, -np.inf) if strict.any() else score
    return argmax2(masked)


def argmax2(a: np.ndarray) -> tuple:
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(a)), a.shape))


def argmin2(a: np.ndarray) -> tuple:
    return tuple(int(i) for i in np.unravel_index(int(np.argmin(a)), a.shape))


def operand_limit(trace, nums) -> float:
    """The colour scale of the tensor some operands come from (padding zeros skipped)."""
    name = next((n.tensor for n in nums if n.tensor != "pad"), None)
    return tensor_limit(trace, name) if name else 1.0


def operand_one_sided(trace, nums) -> bool:
    """True when the operands' tensor is never negative (after ReLU): a one-sided scale."""
    name = next((n.tensor for n in nums if n.tensor != "pad"), None)
    return non_negative(trace, name) if name else False


def operand_scales(trace, arith, products) -> tuple:
    """((limit, one_sided) of the a operands, of the b operands, of the products)."""
    a, b = [t.a for t in arith.terms], [t.b for t in arith.terms]
    return ((operand_limit(trace, a), operand_one_sided(trace, a)),
            (operand_limit(trace, b), operand_one_sided(trace, b)),
            (limit_of(products), bool((np.asarray(products) >= 0).all())))


def term_grids(trace, arith, shape2, labels, row=0, style="numbers") -> tuple:
    """The operands and products of a dot product laid out as grids (source 'terms.a' …); the
    operands keep the colour scale of the tensors they come from."""
    a = np.array([t.a.value for t in arith.terms], np.float64).reshape(shape2)
    b = np.array([t.b.value for t in arith.terms], np.float64).reshape(shape2)
    p = np.array([t.value for t in arith.terms], np.float64).reshape(shape2)
    scales = operand_scales(trace, arith, p)
    return tuple(Panel(lab, arr, src, (), style=style, row=row, limit=lim, one_sided=one)
                 for lab, arr, src, (lim, one) in zip(labels, (a, b, p), ("terms.a", "terms.b", "terms"), scales))


def term_vectors(trace, arith, grid, labels, marks=(), row=0) -> tuple:
    """Like term_grids, for long dot products: three vectors drawn as `grid`-shaped blocks."""
    arrays = (np.array([t.a.value for t in arith.terms]), np.array([t.b.value for t in arith.terms]),
              np.array([t.value for t in arith.terms]))
    scales = operand_scales(trace, arith, arrays[2])
    return tuple(Panel(lab, arr, src, (), grid=grid, limit=lim, one_sided=one, marks=tuple((t,) for t in marks),
                       row=row)
                 for lab, arr, src, (lim, one) in zip(labels, arrays, ("terms.a", "terms.b", "terms"), scales))


def largest_terms(arith, n=3) -> list[int]:
    """Indices (in order) of the n products of largest |product|, skipping zeros when possible."""
    order = np.argsort([-abs(t.value) for t in arith.terms], kind="stable")
    nonzero = [int(i) for i in order if arith.terms[i].value != 0]
    return sorted((nonzero or [int(order[0])])[:n])


# ----------------------------------------------------------------------------- input

def input_steps(trace) -> list[Step]:
    img = trace.image
    r, c = argmax2(img.astype(np.int64) + np.add.outer(-np.abs(np.arange(28) - 14), -np.abs(np.arange(28) - 14)))
    r0, c0 = min(max(r - 3, 0), 21), min(max(c - 3, 0), 21)
    patch = (slice(r0, r0 + 7), slice(c0, c0 + 7))
    bright, dark = num(trace, "image", (r, c)), num(trace, "image", (0, 0))
    who = trace.source or "this image"
    s1 = Step("input", "forward", "input", "The input: 28×28 pixels", layer="input",
              caption=text(f"{who[:1].upper()}{who[1:]}, labelled {trace.label}. It is a grid of 28×28 = 784 "
                           "pixels, each a whole number from 0 (black) to 255 (white). The network "
                           "sees nothing else."),
              lines=(text("pixel (", r, ", ", c, ") = ", bright), text("pixel (0, 0) = ", dark)),
              panels=(Panel("the image", img, "image", (S, S), style="gray", limit=255.0, marks=((r, c),),
                            box=(r0, c0, 7, 7)),
                      Panel(f"rows {r0}–{r0 + 6}, columns {c0}–{c0 + 6}", img[patch], "image", patch,
                            style="gray-numbers", limit=255.0, marks=((r - r0, c - c0),))))
    xb, xd = num(trace, "input", (0, 0, r, c)), num(trace, "input", (0, 0, 0, 0))
    mu, sd = Num(NORM_MEAN, "mean"), Num(NORM_STD, "std")
    s2 = Step("input", "forward", "normalise", "Normalisation: centre the pixels near 0", layer="input",
              caption=text("Each pixel is divided by 255, then shifted by the mean μ and divided by the "
                           "standard deviation σ of all MNIST training pixels, so the inputs are "
                           "centred near 0. Black becomes ", xd, ", white ", xb, "."),
              lines=(text("x = (p / 255 − μ) / σ,   μ = ", mu, ",   σ = ", sd),
                     text("(", bright, " / 255 − ", mu, ") / ", sd, " = ", xb),
                     text("(", dark, " / 255 − ", mu, ") / ", sd, " = ", xd)),
              panels=(heat("normalised input x", trace, "input", (0, 0, S, S), marks=((r, c),), box=(r0, c0, 7, 7)),
                      heat("the same 7×7 patch", trace, "input", (0, 0) + patch, style="numbers",
                           marks=((r - r0, c - c0),))))
    return [s1, s2]


# ----------------------------------------------------------------------------- conv1

def conv1_steps(trace, k: int) -> list[Step]:
    out = trace.outputs["conv1"][0, k]
    H, F, P, St, OH = (shape(trace, "input", 2), shape(trace, "conv1_w", 2), arch("conv1", "padding"),
                       arch("conv1", "stride"), shape(trace, "conv1", 2))
    steps = [Step("conv1", "forward", "conv-shape", "Conv1: 6 filters, and the size of what comes out",
                  layer="conv1",
                  caption=text("Conv1 slides 6 small filters of 5×5 weights over the image. A filter is as "
                               "deep as its input has channels: 1 here, so each is 1×5×5. Padding adds a "
                               "border of zeros so the output keeps the input's size."),
                  lines=(text("output size = (H − F + 2·P) / S + 1"),
                         text("= (", H, " − ", F, " + 2·", P, ") / ", St, " + 1 = ", OH)),
                  panels=(heat("input (1 channel)", trace, "input", (0, 0, S, S), pad=2),
                          heat("the 6 filters, 1×5×5 each", trace, "conv1_w", (S, 0, S, S), focus=k,
                               names=tuple(f"{i}" for i in range(6)))))]
    notes = {(0, 0): "At the top-left corner the window hangs over the zero padding: those inputs are 0."}
    notes.setdefault(argmax2(out), "Here the filter matches the image best: the largest value of this map.")
    notes.setdefault(argmin2(out), "Here the pattern is the opposite of the filter: the most negative value.")
    for spare in ((14, 14), (27, 27), (13, 13)):   # always three windows, so the step count never changes
        if len(notes) < 3:
            notes.setdefault(spare, "Another position, the same recipe.")
    for pos in sorted(notes):
        steps.append(_conv1_window(trace, k, pos, notes[pos]))
    lo, hi = argmin2(out), argmax2(out)
    steps.append(Step("conv1", "forward", "maps", "Conv1: every position, every filter", layer="conv1",
                      caption=text("Doing that at all 28×28 positions gives one feature map per filter: "
                                   "6 maps. Orange is positive, blue negative. Each map lights up where "
                                   "its filter's pattern appears."),
                      lines=(text(f"map {k}: smallest ", num(trace, "conv1", (0, k) + lo), f" at {lo}, largest ",
                                  num(trace, "conv1", (0, k) + hi), f" at {hi}"),),
                      panels=(heat("input", trace, "input", (0, 0, S, S)),
                              heat("conv1: 6 feature maps, 28×28", trace, "conv1", (0, S, S, S), focus=k,
                                   names=tuple(f"{i}" for i in range(6))))))
    return steps


def _conv1_window(trace, k, pos, note) -> Step:
    i, j = pos
    a_refs, b_refs = [], []
    for p in range(5):
        for q in range(5):
            r, c = i + p - 2, j + q - 2
            inside = 0 <= r < 28 and 0 <= c < 28
            a_refs.append(("input", (0, 0, r, c)) if inside else Num(0.0, "pad", (r, c)))
            b_refs.append(("conv1_w", (k, 0, p, q)))
    ar = dot(trace, a_refs, b_refs, bias=num(trace, "conv1_b", (k,)), result=num(trace, "conv1", (0, k, i, j)))
    return Step("conv1", "forward", "conv-window", f"Conv1, filter {k}: one output pixel at ({i}, {j})",
                layer="conv1", arith=ar,
                caption=text(note, " Multiply the 25 inputs under the window by the 25 weights, add them "
                             "up, add the bias: that is one pixel of the output map."),
                lines=(text("Σ 25 products = ", ar.total_num(), "   + bias ", ar.bias, "   = ", ar.result),),
                panels=(heat("input x (padded)", trace, "input", (0, 0, S, S), pad=2, box=(i - 2, j - 2, 5, 5)),
                        *term_grids(trace, ar, (5, 5), ("x under the window", f"weights w of filter {k}", "x × w")),
                        heat(f"output map {k}", trace, "conv1", (0, k, S, S), reveal=i * 28 + j + 1,
                             marks=((i, j),))))


# ----------------------------------------------------------------------------- activation

def act_step(trace, before: str, after: str, k: int | None) -> Step:
    """The activation applied to one map (k) or to a vector (k None)."""
    kind = trace.config.activation
    x = trace.outputs[before][0]
    sel = (0, k) if k is not None else (0,)
    xs = x[k] if k is not None else x
    neg, pos = argmin2(xs), argmax2(xs)
    n_neg = int((xs < 0).sum())
    if kind == "relu":
        lines = tuple(text("max(", num(trace, before, sel + at), ", 0) = ", num(trace, after, sel + at))
                      for at in (neg, pos))
        what = text(f"{ACT_NAME[kind]} keeps positive values and sets every negative one to 0: "
                    f"{n_neg} of {xs.size} values here were negative and are now 0.")
    else:
        f = "σ" if kind == "sigmoid" else "tanh"
        lines = tuple(text(f"{f}(", num(trace, before, sel + at), ") = ", num(trace, after, sel + at))
                      for at in (neg, pos))
        rng = "0 … 1" if kind == "sigmoid" else "−1 … 1"
        what = text(f"{ACT_NAME[kind]} squashes every value smoothly into {rng}: large positive values "
                    "approach the top, large negative ones the bottom.")
    lines = (text(f"y = {ACT_FORMULA[kind]}, element by element"),) + lines
    if k is not None:
        idx = (0, k, S, S)
        panels = (heat(f"{before} map {k} (before)", trace, before, idx, marks=(neg, pos)),
                  heat(f"{after} map {k} (after {ACT_NAME[kind]})", trace, after, idx, marks=(neg, pos)),
                  heat(f"all {x.shape[0]} maps after", trace, after, (0, S, S, S), focus=k,
                       names=tuple(f"{i}" for i in range(x.shape[0]))))
        title = f"{ACT_NAME[kind]} on the {x.shape[0]} maps of {before}"
    else:
        panels = (vector(f"{before} ({x.size} values, before)", trace, before, marks=(neg, pos)),
                  vector(f"{after} (after {ACT_NAME[kind]})", trace, after, marks=(neg, pos)))
        title = f"{ACT_NAME[kind]} on the {x.size} outputs of {before}"
    return Step(after, "forward", "activation", title, caption=what, lines=lines, panels=panels, layer=after)


# ----------------------------------------------------------------------------- pooling

def tie_note(trace, before: str, k: int) -> str:
    """How many windows of map k tie for their maximum (words for the caption)."""
    a = trace.outputs[before][0, k]
    top, strict = strict_windows(a)
    ties = int((~strict).sum())
    zeros = int((top == 0).sum())
    if not ties:
        return ""
    why = (f"{zeros} are all zeros after the activation" if zeros == ties else
           f"{zeros} are all zeros after the activation, {ties - zeros} repeat one value, as over the blank "
           "background" if zeros else "they repeat one value, as over the blank background")
    return (f" {ties} of {strict.size} windows of this map have no single maximum ({why}): there the gradient "
            "goes to the first maximum in reading order, so many 1s of the mask only break ties.")


def pool_steps(trace, before: str, after: str, k: int) -> list[Step]:
    kind = trace.config.pool
    a = trace.outputs[before][0, k]
    n_maps, H, OH = trace.outputs[before].shape[1], a.shape[0], trace.outputs[after].shape[2]
    top, _ = strict_windows(a)
    i, j = example_window(a, top)         # a window with one clear, non-zero maximum
    cells = [(2 * i + p, 2 * j + q) for p in range(2) for q in range(2)]
    ar = collect([num(trace, before, (0, k) + rc) for rc in cells], kind, num(trace, after, (0, k, i, j)))
    parts = sum_parts([t.a for t in ar.terms], ", ")
    if kind == "max":
        best = max(range(4), key=lambda n: ar.terms[n].value)
        winner = (cells[best],)
        formula = text("max(", *parts, ") = ", ar.result)
        what = ("Max pooling keeps the largest value of each 2×2 window and moves on by 2, so width "
                "and height halve. It keeps how strongly a pattern was found, not exactly where.")
    else:
        winner = ()
        formula = text("(", *sum_parts([t.a for t in ar.terms]), ") / 4 = ", ar.result)
        what = ("Average pooling replaces each 2×2 window by its mean and moves on by 2, so width and "
                "height halve: a smaller, blurrier map.")
    Hn, size, st = shape(trace, before, 2), arch("pool", "size"), arch("pool", "stride")
    window = (slice(2 * i, 2 * i + 2), slice(2 * j, 2 * j + 2))
    s1 = Step(after, "forward", "pool-window", f"{kind.capitalize()} pooling, map {k}: window ({i}, {j})",
              layer=after, arith=ar, caption=text(what),
              lines=(text("output size = (", Hn, " − ", size, ") / ", st, " + 1 = ", shape(trace, after, 2)),
                     formula),
              panels=(heat(f"{before} map {k}, {H}×{H}", trace, before, (0, k, S, S), box=(2 * i, 2 * j, 2, 2),
                           marks=winner),
                      heat("the 2×2 window", trace, before, (0, k) + window, style="numbers",
                           marks=tuple((rr - 2 * i, cc - 2 * j) for rr, cc in winner)),
                      heat(f"{after} map {k}, {OH}×{OH}", trace, after, (0, k, S, S), marks=((i, j),))))
    s2 = Step(after, "forward", "maps", f"{kind.capitalize()} pooling: all {n_maps} maps", layer=after,
              caption=text(f"Every window of every map: {n_maps} maps of {H}×{H} become {n_maps} maps of "
                           f"{OH}×{OH}, a quarter of the numbers."),
              panels=(heat(f"{before}: {n_maps} maps, {H}×{H}", trace, before, (0, S, S, S), focus=k,
                           names=tuple(f"{m}" for m in range(n_maps))),
                      heat(f"{after}: {n_maps} maps, {OH}×{OH}", trace, after, (0, S, S, S), focus=k,
                           names=tuple(f"{m}" for m in range(n_maps)), row=1 if n_maps > 6 else 0)))
    return [s1, s2]


# ----------------------------------------------------------------------------- conv2

def conv2_steps(trace, k: int) -> list[Step]:
    out = trace.outputs["conv2"][0, k]
    names6 = tuple(f"{c}" for c in range(6))
    s0 = Step("conv2", "forward", "conv-shape", "Conv2: 16 filters, each 6 channels deep", layer="conv2",
              caption=text("Conv2's input has 6 channels (the 6 pooled maps), so each of its 16 filters is "
                           "6×5×5: one 5×5 slice per input channel. No padding this time, so the maps "
                           "shrink."),
              lines=(text("output size = (H − F + 2·P) / S + 1"),
                     text("= (", shape(trace, "pool1", 2), " − ", shape(trace, "conv2_w", 2), " + 2·",
                          arch("conv2", "padding"), ") / ", arch("conv2", "stride"), " + 1 = ",
                          shape(trace, "conv2", 2))),
              panels=(heat("input: pool1, 6 channels", trace, "pool1", (0, S, S, S), names=names6),
                      heat(f"filter {k}: 6 slices of 5×5", trace, "conv2_w", (k, S, S, S), names=names6)))
    i, j = argmax2(out)
    parts = []
    for c in range(6):
        a_refs = [("pool1", (0, c, i + p, j + q)) for p in range(5) for q in range(5)]
        b_refs = [("conv2_w", (k, c, p, q)) for p in range(5) for q in range(5)]
        parts.append(dot(trace, a_refs, b_refs))
    total = combine(parts, num(trace, "conv2_b", (k,)), num(trace, "conv2", (0, k, i, j)))
    c = int(np.argmax([abs(p.total) for p in parts]))
    one = parts[c]
    s1 = Step("conv2", "forward", "conv-window", f"Conv2, filter {k} at ({i}, {j}): channel {c} of 6",
              layer="conv2", arith=one,
              caption=text(f"One output value needs all 6 channels. Channel {c} first: the 5×5 window of "
                           f"pool1 map {c} times slice {c} of filter {k}, 25 products, summed."),
              lines=(text(f"channel {c}: Σ 25 products = ", one.total_num()),),
              panels=(heat(f"pool1 map {c}", trace, "pool1", (0, c, S, S), box=(i, j, 5, 5)),
                      *term_grids(trace, one, (5, 5), (f"x: pool1 map {c}", f"w: filter {k}, slice {c}", "x × w"))))
    partial = [total.part_num(ch) for ch in range(6)]
    s2 = Step("conv2", "forward", "conv-sum", f"Conv2, filter {k} at ({i}, {j}): the sum over 6 channels",
              layer="conv2", arith=total,
              caption=text("The same is done for every channel; the 6 sums plus one bias are one output "
                           "value. A conv2 filter combines the patterns that conv1 found."),
              lines=(text("Σ over channels: ", *sum_parts(partial[:3]), " +"),
                     text("   ", *sum_parts(partial[3:]), " + bias ", *signed(total.bias)),
                     text("= ", total.total_num(), " + ", total.bias, " = ", total.result)),
              panels=(heat("pool1: 6 channels, same window", trace, "pool1", (0, S, S, S), box=(i, j, 5, 5),
                           focus=c, names=names6),
                      heat(f"filter {k}: 6 slices", trace, "conv2_w", (k, S, S, S), focus=c, names=names6),
                      heat(f"conv2 map {k}", trace, "conv2", (0, k, S, S), marks=((i, j),),
                           reveal=i * 10 + j + 1)))
    lo, hi = argmin2(out), argmax2(out)
    s3 = Step("conv2", "forward", "maps", "Conv2: 16 feature maps of 10×10", layer="conv2",
              caption=text("All positions and all 16 filters: 16 maps of 10×10. Each one responds to a "
                           "combination of the simpler conv1 patterns."),
              lines=(text(f"map {k}: smallest ", num(trace, "conv2", (0, k) + lo), f" at {lo}, largest ",
                          num(trace, "conv2", (0, k) + hi), f" at {hi}"),),
              panels=(heat("conv2: 16 maps, 10×10", trace, "conv2", (0, S, S, S), focus=k,
                           names=tuple(f"{m}" for m in range(16))),))
    return [s0, s1, s2, s3]


def forward_conv_steps(trace, k1: int, k2: int) -> list[Step]:
    """Input to pool2: the convolutional half of the forward pass."""
    steps = input_steps(trace) + conv1_steps(trace, k1)
    steps.append(act_step(trace, "conv1", "act1", k1))
    steps += pool_steps(trace, "act1", "pool1", k1)
    steps += conv2_steps(trace, k2)
    steps.append(act_step(trace, "conv2", "act2", k2))
    return steps + pool_steps(trace, "act2", "pool2", k2)
