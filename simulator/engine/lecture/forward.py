"""The forward pass's building blocks: the input, an activation, a pooling layer, and the
helpers every builder shares (panels on one colour scale, example choices by rule).

Each builder returns Steps whose numbers are Nums read from the trace (see step.py) and
reads its layer's settings (kernel, stride, padding, pool size, activation kind) from the
trace's Arch. `k` is the map in focus (the number keys choose it, modulo the map count).
"""
from __future__ import annotations

import math

import numpy as np

from .step import Num, Panel, Step, collect, limit_of, num, sum_parts, tensor_limit, text
from ..dataformat import MNIST

S = slice(None)
ACT_NAME = {"relu": "ReLU", "sigmoid": "sigmoid", "tanh": "tanh"}
ACT_FORMULA = {"relu": "max(x, 0)", "sigmoid": "σ(x) = 1 / (1 + e^−x)", "tanh": "tanh(x)"}
SMOOTH_SYMBOL = {"sigmoid": "σ", "tanh": "tanh"}
SMOOTH_RANGE = {"sigmoid": "0 … 1", "tanh": "−1 … 1"}
KNOWN_GRIDS = {400: (20, 20), 120: (10, 12), 84: (7, 12), 10: (1, 10)}


def vector_grid(n: int) -> tuple[int, int]:
    """How a vector of n numbers is drawn: rows × columns, as square as n's divisors allow."""
    if n in KNOWN_GRIDS:
        return KNOWN_GRIDS[n]
    rows = max(d for d in range(1, math.isqrt(n) + 1) if n % d == 0)
    return rows, n // rows


def setting(layer, key: str) -> Num:
    """A layer's setting (kernel, stride, padding, size) as a Num that names where it came from."""
    return Num(int(getattr(layer, key)), "arch", (layer.name, key))


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
    return Panel(label, a, source, (0, S), grid=vector_grid(a.size), **kw)


def non_negative(trace, source: str) -> bool:
    """True when the whole tensor has no negative value (after ReLU): a one-sided scale."""
    return bool((np.asarray(trace.tensor(source)) >= 0).all())


def pool_windows(a: np.ndarray, size: int, stride: int) -> np.ndarray:
    """a[H,W] → [OH,OW,size·size]: the values of every pooling window, row by row."""
    w = np.lib.stride_tricks.sliding_window_view(a, (size, size))[::stride, ::stride]
    return w.reshape(w.shape[0], w.shape[1], -1)


def strict_windows(a: np.ndarray, size: int = 2, stride: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """For a map a[H,W] cut into size×size windows: (maxima [OH,OW], strict [OH,OW] bool), where
    strict means the window's maximum is non-zero and larger than its other values (no tie)."""
    w = pool_windows(a, size, stride)
    top = w.max(axis=2)
    strict = ((w == top[..., None]).sum(axis=2) == 1) & (top != 0)
    return top, strict


def example_window(a: np.ndarray, score: np.ndarray, size: int = 2, stride: int = 2) -> tuple:
    """The pooling window that shows the rule: among windows with a strict, non-zero maximum,
    the one with the largest score; only if there is none, the largest score overall."""
    _, strict = strict_windows(a, size, stride)
    masked = np.where(strict, score, -np.inf) if strict.any() else score
    return argmax2(masked)


def typical_window(a: np.ndarray, size: int = 2, stride: int = 2) -> tuple:
    """The forward pooling example: among the windows with a strict, non-zero maximum, those with
    the most non-zero values (a window the activation let through, not one at the map's dead
    edge), and of these the one whose maximum is the median (a typical window, not the largest)."""
    w = pool_windows(a, size, stride)
    top, strict = strict_windows(a, size, stride)
    nonzero = (w != 0).sum(axis=2)
    ok = strict if strict.any() else np.ones_like(strict)
    most = nonzero[ok].max()
    candidates = np.argwhere(ok & (nonzero == most))
    values = np.array([top[tuple(c)] for c in candidates])
    order = np.argsort(values, kind="stable")
    i, j = candidates[order[len(order) // 2]]
    return int(i), int(j)


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

COLOURS = ("red", "green", "blue")       # a colour picture's channels, in order
LETTERS = ("R", "G", "B")
PATCH = {1: 7, 3: 5}                     # the patch of pixels written out: grey 7×7, colour 5×5 per channel


def channel_letters(trace, x_name: str, C: int) -> tuple[str, ...]:
    """How the channels of tensor x_name are named: R, G, B for a colour picture's, else 0, 1, …"""
    return LETTERS if x_name == "input" and trace.format.colour and C == 3 else tuple(str(c) for c in range(C))


def marked_pixel(pixels: np.ndarray) -> tuple[int, int]:
    """The pixel the input steps write out: the one most unlike the picture's usual colour (grey:
    |pixel − the median|, the ink of a digit; colour: the same of its tint, each channel less the
    pixel's mean, so a coloured subject wins over dark lines and shading), less its distance from
    the middle, so it lies on the subject."""
    C, H, W = pixels.shape
    p = pixels.astype(np.int64)
    if C > 1:
        p = p * C - p.sum(axis=0, keepdims=True)             # C × (channel − mean): the tint, in whole numbers
    unlike = np.abs(p - np.median(p.reshape(C, -1), axis=1)[:, None, None]).sum(axis=0)
    if C > 1:
        unlike = unlike // C
    return argmax2(unlike + np.add.outer(-np.abs(np.arange(H) - H // 2), -np.abs(np.arange(W) - W // 2)))


def patch_around(r: int, c: int, H: int, W: int, n: int) -> tuple[int, int, int, int]:
    """(r0, c0, h, w): an n×n patch (smaller if the picture is) holding (r, c), inside the picture."""
    h, w = min(n, H), min(n, W)
    return min(max(r - n // 2, 0), H - h), min(max(c - n // 2, 0), W - w), h, w


def from_the_data(trace) -> str:
    """Whose pixels μ and σ were measured on."""
    return "all MNIST training pixels" if trace.format.mean == MNIST.mean else "this data's training pixels"


def input_steps(trace) -> list[Step]:
    return (colour_input_steps if trace.format.colour else grey_input_steps)(trace)


def grey_input_steps(trace) -> list[Step]:
    img = trace.image
    H, W = img.shape
    r, c = marked_pixel(img[None])
    r0, c0, ph, pw = patch_around(r, c, H, W, PATCH[1])
    patch = (slice(r0, r0 + ph), slice(c0, c0 + pw))
    bright, dark = num(trace, "image", (r, c)), num(trace, "image", (0, 0))
    who = trace.source or "this image"
    s1 = Step("input", "forward", "input", f"The input: {H}×{W} pixels", layer="input",
              caption=text(f"{who[:1].upper()}{who[1:]}, labelled {trace.label_words}. It is a grid of {H}×{W} = "
                           f"{H * W:,} pixels, each a whole number from 0 (black) to 255 (white). The network "
                           "sees nothing else."),
              lines=(text("pixel (", r, ", ", c, ") = ", bright), text("pixel (0, 0) = ", dark)),
              panels=(Panel("the image", img, "image", (S, S), style="gray", limit=255.0, marks=((r, c),),
                            box=(r0, c0, ph, pw)),
                      Panel(f"rows {r0}–{r0 + ph - 1}, columns {c0}–{c0 + pw - 1}", img[patch], "image", patch,
                            style="gray-numbers", limit=255.0, marks=((r - r0, c - c0),))))
    xb, xd = num(trace, "input", (0, 0, r, c)), num(trace, "input", (0, 0, 0, 0))
    black, white = num(trace, "norm", (0, 0)), num(trace, "norm", (0, 255))
    mu, sd = num(trace, "mean", (0,)), num(trace, "std", (0,))
    s2 = Step("input", "forward", "normalise", "Normalisation: centre the pixels near 0", layer="input",
              caption=text("Each pixel is divided by 255, then shifted by the mean μ and divided by the "
                           f"standard deviation σ of {from_the_data(trace)}, so the inputs are "
                           "centred near 0. Black (0) becomes ", black, ", white (255) ", white,
                           f"; the pixel marked here, {int(bright.value)}, becomes ", xb, "."),
              lines=(text("x = (p / 255 − μ) / σ,   μ = ", mu, ",   σ = ", sd),
                     text("(", bright, " / 255 − ", mu, ") / ", sd, " = ", xb),
                     text("(", dark, " / 255 − ", mu, ") / ", sd, " = ", xd)),
              panels=(heat("normalised input x", trace, "input", (0, 0, S, S), marks=((r, c),), box=(r0, c0, ph, pw)),
                      heat(f"the same {ph}×{pw} patch", trace, "input", (0, 0) + patch, style="numbers",
                           marks=((r - r0, c - c0),))))
    return [s1, s2]


def colour_input_steps(trace) -> list[Step]:
    """A colour picture: the picture and its three channel planes; a patch of each plane's
    numbers; then each channel normalised with its own μ and σ."""
    pixels = trace.tensor("pixels")
    C, H, W = pixels.shape
    r, c = marked_pixel(pixels)
    r0, c0, ph, pw = patch_around(r, c, H, W, PATCH[3])
    patch = (slice(r0, r0 + ph), slice(c0, c0 + pw))
    box, mark = (r0, c0, ph, pw), ((r - r0, c - c0),)
    who = trace.source or "this picture"
    values = [num(trace, "image", (r, c, ch)) for ch in range(C)]
    corner = [num(trace, "image", (0, 0, ch)) for ch in range(C)]

    def rgb(nums):
        return [part for ch, n in enumerate(nums) for part in ((", " if ch else "") + f"{LETTERS[ch]} ", n)]
    picture = Panel("the picture", pixels, "pixels", (S, S, S), style="rgb", marks=((r, c),), box=box)
    s1 = Step("input", "forward", "input", f"The input: {H}×{W} pixels, each 3 numbers (R, G, B)", layer="input",
              caption=text(f"{who[:1].upper()}{who[1:]}, labelled {trace.label_words}. Each of its {H}×{W} pixels is "
                           "3 whole numbers from 0 to 255: how much red, green and blue light. So the picture is "
                           f"3 planes (channels) of {H}×{W}, 3×{H}×{W} = {C * H * W:,} numbers; the network sees "
                           "nothing else."),
              lines=(text("pixel (", r, ", ", c, "):  ", *rgb(values)), text("pixel (0, 0):  ", *rgb(corner))),
              panels=(picture, *(Panel(f"{COLOURS[ch]} channel", pixels[ch], "pixels", (ch, S, S), style="gray",
                                       limit=255.0, tint=ch, marks=((r, c),), box=box) for ch in range(C))))
    s2 = Step("input", "forward", "input", "Each pixel: 3 numbers, one per channel", layer="input",
              caption=text(f"The boxed {ph}×{pw} pixels (rows {r0}–{r0 + ph - 1}, columns {c0}–{c0 + pw - 1}), channel "
                           "by channel: the same pixel has a number in each plane (marked), 0 for none of that "
                           "colour, 255 for all of it."),
              lines=(text("pixel (", r, ", ", c, "):  ", *rgb(values)),),
              panels=(picture, *(Panel(f"{COLOURS[ch]}, the {ph}×{pw} box", pixels[(ch,) + patch], "pixels",
                                       (ch,) + patch, style="gray-numbers", limit=255.0, tint=ch, marks=mark)
                                 for ch in range(C))))
    lines = [text("x = (p / 255 − μ) / σ, each channel with its own μ and σ:")]
    for ch in range(C):
        mu, sd = num(trace, "mean", (ch,)), num(trace, "std", (ch,))
        lines.append(text(f"{LETTERS[ch]}:  (", values[ch], " / 255 − ", mu, ") / ", sd, " = ",
                          num(trace, "input", (0, ch, r, c))))
    s3 = Step("input", "forward", "normalise", "Normalisation: each channel centred near 0", layer="input",
              caption=text("Each number is divided by 255, then shifted by its channel's mean μ and divided by its "
                           f"channel's standard deviation σ (of {from_the_data(trace)}, channel by channel), so every "
                           "channel's inputs are centred near 0. The marked pixel's 3 numbers become 3 inputs:"),
              lines=tuple(lines),
              panels=tuple(heat(f"x, {COLOURS[ch]}, the same box", trace, "input", (0, ch) + patch, style="numbers",
                                marks=mark) for ch in range(C)))
    return [s1, s2, s3]


# ----------------------------------------------------------------------------- activation

def act_step(trace, layer, before: str, k: int | None) -> Step:
    """The activation `layer` applied to one map (k) of `before`, or to a vector (k None)."""
    kind, after = layer.kind, layer.name
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
        f = SMOOTH_SYMBOL[kind]
        lines = tuple(text(f"{f}(", num(trace, before, sel + at), ") = ", num(trace, after, sel + at))
                      for at in (neg, pos))
        rng = SMOOTH_RANGE[kind]
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

def tie_note(trace, layer, before: str, k: int) -> str:
    """How many windows of map k tie for their maximum (words for the caption)."""
    a = trace.outputs[before][0, k]
    top, strict = strict_windows(a, layer.size, layer.stride)
    ties = int((~strict).sum())
    zeros = int((top == 0).sum())
    if not ties:
        return ""
    why = (f"{zeros} are all zeros after the activation" if zeros == ties else
           f"{zeros} are all zeros after the activation, {ties - zeros} repeat one value, as over the blank "
           "background" if zeros else "they repeat one value, as over the blank background")
    return (f" {ties} of {strict.size} windows of this map have no single maximum ({why}): there the gradient "
            "goes to the first maximum in reading order, so many 1s of the mask only break ties.")


def pool_cells(layer, i: int, j: int) -> list[tuple[int, int]]:
    """The input cells of output (i, j)'s window, row by row."""
    return [(i * layer.stride + p, j * layer.stride + q) for p in range(layer.size) for q in range(layer.size)]


def how_much_smaller(h: int, w: int, oh: int, ow: int) -> str:
    if oh * 2 == h and ow * 2 == w:
        return "width and height halve"
    return f"a {h}×{w} map becomes {oh}×{ow}"


def pool_steps(trace, layer, before: str, k: int) -> list[Step]:
    kind, after, size, st = layer.kind, layer.name, layer.size, layer.stride
    a = trace.outputs[before][0, k]
    n_maps, (H, W), (OH, OW) = trace.outputs[before].shape[1], a.shape, trace.outputs[after].shape[2:]
    i, j = typical_window(a, size, st)         # one clear, non-zero maximum; typical
    cells = pool_cells(layer, i, j)
    n = len(cells)
    ar = collect([num(trace, before, (0, k) + rc) for rc in cells], "max" if kind == "max" else "mean",
                 num(trace, after, (0, k, i, j)))
    moves = (f"moves on by {st}" + (" (the windows overlap)" if st < size else "")
             + f", so {how_much_smaller(H, W, OH, OW)}")
    if kind == "max":
        best = max(range(n), key=lambda m: ar.terms[m].value)
        winner = (cells[best],)
        formula = text("max(", *sum_parts([t.a for t in ar.terms], ", "), ") = ", ar.result)
        what = (f"Max pooling keeps the largest value of each {size}×{size} window and {moves}. It keeps how "
                "strongly a pattern was found, not exactly where.")
    else:
        winner = ()
        formula = text("(", *sum_parts([t.a for t in ar.terms]), f") / {n} = ", ar.result)
        what = (f"Average pooling replaces each {size}×{size} window by the mean of its {n} values and "
                f"{moves}: a smaller, blurrier map.")
    Hn = shape(trace, before, 2)
    window = (slice(i * st, i * st + size), slice(j * st, j * st + size))
    s1 = Step(after, "forward", "pool-window", f"{kind.capitalize()} pooling, map {k}: window ({i}, {j})",
              layer=after, arith=ar, caption=text(what),
              lines=(text("output size = (H − size) / stride + 1 = (", Hn, " − ", setting(layer, "size"), ") / ",
                          setting(layer, "stride"), " + 1 = ", shape(trace, after, 2),
                          *floor_note(H - size, st)),
                     formula),
              panels=(heat(f"{before} map {k}, {H}×{W}", trace, before, (0, k, S, S),
                           box=(i * st, j * st, size, size), marks=winner),
                      heat(f"the {size}×{size} window", trace, before, (0, k) + window, style="numbers",
                           marks=tuple((rr - i * st, cc - j * st) for rr, cc in winner)),
                      heat(f"{after} map {k}, {OH}×{OW}", trace, after, (0, k, S, S), marks=((i, j),))))
    fraction = "a quarter of the numbers" if OH * OW * 4 == H * W else f"{OH * OW} numbers per map instead of {H * W}"
    s2 = Step(after, "forward", "maps", f"{kind.capitalize()} pooling: all {n_maps} maps", layer=after,
              caption=text(f"Every window of every map: {n_maps} maps of {H}×{W} become {n_maps} maps of "
                           f"{OH}×{OW}, {fraction}."),
              panels=(heat(f"{before}: {n_maps} maps, {H}×{W}", trace, before, (0, S, S, S), focus=k,
                           names=tuple(f"{m}" for m in range(n_maps))),
                      heat(f"{after}: {n_maps} maps, {OH}×{OW}", trace, after, (0, S, S, S), focus=k,
                           names=tuple(f"{m}" for m in range(n_maps)), row=1 if n_maps > 6 else 0)))
    return [s1, s2]


def floor_note(span: int, stride: int) -> tuple:
    """Words after an output-size formula whose division is not exact: it is rounded down."""
    if span % stride == 0:
        return ()
    return (f"   ({span}/{stride} rounded down: a window that would not fit is left out)",)
