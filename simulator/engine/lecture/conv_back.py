"""A convolution layer, backward: the weights' gradient (a correlation of the input X with
the output's gradient ∂Y) and the input's gradient (∂Y carried back through the filters).
Kernel, stride and padding come from the layer (an arch.Conv).

    ∂L/∂W[k, c, p, q] = Σ_i,j ∂L/∂Y[k, i, j] · X[c, S·i + p − P, S·j + q − P]
    ∂L/∂X[c, h, w]    = Σ_k Σ_p,q ∂L/∂Y[k, i, j] · W[k, c, p, q]   over S·i + p − P = h, S·j + q − P = w
"""
from __future__ import annotations

import numpy as np

from ..arch import Act, Conv, Pool
from .forward import COLOURS, S, argmax2, channel_letters, heat, largest_terms, term_grids
from .step import Arithmetic, Num, Panel, Step, combine, dot, labelled_sum, limit_of, num, shown_and_rest, text

ORDINAL = {2: "second", 3: "third"}
MAX_PARTS = 12     # per-filter shares written out on the conv-dx-sum step; else the 11 largest and the rest


def _absmax(a: np.ndarray) -> tuple:
    return argmax2(np.abs(a))


def nonzero_products(trace, x_name: str, layer: Conv, k: int) -> np.ndarray:
    """[C,F,F]: for each weight of filter k, how many of its gradient's products X·∂Y are non-zero."""
    St, P = layer.stride, layer.padding
    x = np.pad(trace.outputs[x_name][0] != 0, ((0, 0), (P, P), (P, P)))
    dy = trace.grads[layer.name][0, k] != 0
    C, FH, FW = trace.params[f"{layer.name}_w"].shape[1:]
    OH, OW = dy.shape
    return np.array([[[int((x[c, p:p + St * (OH - 1) + 1:St, q:q + St * (OW - 1) + 1:St] & dy).sum())
                       for q in range(FW)] for p in range(FH)] for c in range(C)])


def example_weight(trace, x_name: str, layer: Conv) -> tuple:
    """(k, c, p, q): the weight whose gradient sums the most non-zero products, over all filters
    (largest |∇| among those within 10% of the most), so the example shows a real sum."""
    count = np.stack([nonzero_products(trace, x_name, layer, k) for k in range(layer.filters)])
    grad = np.abs(trace.param_grads[f"{layer.name}_w"])
    return argmax2(np.where(count >= 0.9 * count.max(), grad, -1.0))


def index_expr(letter: str, stride: int, offset: int, pad: int) -> str:
    """How X is indexed in the ∂W formula: 'i+3', 'i+3−2', '2·i+1−1'."""
    return f"{f'{stride}·' if stride > 1 else ''}{letter}+{offset}" + (f"−{pad}" if pad else "")


def conv_wgrad_step(trace, layer: Conv, x_name: str) -> Step:
    name, St, P = layer.name, layer.stride, layer.padding
    w_name, b_name = f"{name}_w", f"{name}_b"
    k, c, p, q = example_weight(trace, x_name, layer)
    OH, OW = trace.outputs[name].shape[2:]
    H, W = trace.outputs[x_name].shape[2:]
    a_refs, b_refs = [], []
    for i in range(OH):
        for j in range(OW):
            r, cc = St * i + p - P, St * j + q - P
            a_refs.append(("d:" + name, (0, k, i, j)))
            b_refs.append((x_name, (0, c, r, cc)) if 0 <= r < H and 0 <= cc < W else Num(0.0, "pad", (r, cc)))
    ar = dot(trace, a_refs, b_refs, result=num(trace, "d:" + w_name, (k, c, p, q)))
    show = largest_terms(ar, 3)
    nonzero = sum(t.value != 0 for t in ar.terms)
    products = np.array([t.value for t in ar.terms])
    C = trace.param_grads[w_name].shape[1]
    dw_panel = (heat(f"∂L/∂W: filter {k}", trace, "d:" + w_name, (k, 0, S, S), style="numbers",
                     marks=((p, q),)) if C == 1 else
                heat(f"∂L/∂W: filter {k}, {C} slices", trace, "d:" + w_name, (k, S, S, S), focus=c,
                     marks=((p, q),), names=channel_letters(trace, x_name, C)))
    x_words = (f"{x_name}, {COLOURS[c]} channel" if channel_letters(trace, x_name, C)[0] == "R" else
               f"{x_name} map {c}")
    later = trace.arch.layers[trace.arch.layers.index(layer) + 1:]
    stoppers = ((["max pooling"] if any(isinstance(a, Pool) and a.kind == "max" for a in later) else [])
                + (["ReLU"] if any(isinstance(a, Act) and a.kind == "relu" for a in later) else []))
    stopped = " or ".join(stoppers)
    span = (St * (OH - 1) + 1, St * (OW - 1) + 1)
    stride_words = (f" With stride {St} the filter's steps are {St} apart, so this weight met every {ORDINAL.get(St, f'{St}th')} input."
                    if St > 1 else "")
    return Step("∂" + name, "backward", "conv-dw",
                f"{name.capitalize()}: ∂L/∂W, a correlation of X with ∂Y",
                layer=name, arith=ar,
                caption=text(f"Weight ({c}, {p}, {q}) of filter {k} touched one input at each of the "
                             f"{OH * OW} positions the filter visited. Its gradient adds up, over all of them, "
                             "that input times the output's gradient there: ∂Y slides over X like a filter."
                             + stride_words + " A product is 0 where X is 0"
                             + (f" or where {stopped} stopped the gradient" if stopped else "")
                             + "; this weight was picked because its sum has among the most non-zero products "
                             f"of all {name} weights."),
                lines=(text(f"∂L/∂W[{k}, {c}, {p}, {q}] = Σᵢⱼ ∂L/∂Y[i, j] · X[{index_expr('i', St, p, P)}, "
                            f"{index_expr('j', St, q, P)}]"),
                       text("largest by |product|: ", *shown_and_rest(ar, show)),
                       text("= ", ar.result, f"   ({nonzero} of the {OH * OW} products are non-zero);   "
                            f"∂L/∂b[{k}] = Σ ∂L/∂Y = ", num(trace, "d:" + b_name, (k,)))),
                panels=(heat(f"X: {x_words}", trace, x_name, (0, c, S, S), pad=P,
                             box=(p - P, q - P) + span),
                        heat(f"∂L/∂Y: ∂{name} map {k}", trace, "d:" + name, (0, k, S, S)),
                        Panel(f"∂Y × X (shifted): {nonzero} non-zero", products.reshape(OH, OW), "terms", (),
                              limit=limit_of(products), one_sided=bool((products >= 0).all()),
                              marks=tuple(divmod(t, OW) for t in show)),
                        dw_panel))


def _conv_dx_part(trace, x_name: str, layer: Conv, kk: int, c: int, h: int, w: int) -> Arithmetic:
    """∂X[c,h,w] from filter kk alone: the F×F window of zero-padded (and, with a stride,
    spread-out) ∂Y times the filter turned 180°. Window cells no output reached are 0."""
    F, St, P = layer.kernel, layer.stride, layer.padding
    OH, OW = trace.outputs[layer.name].shape[2:]
    a_refs, b_refs = [], []
    for p2 in range(F):
        for q2 in range(F):
            p, q = F - 1 - p2, F - 1 - q2
            ni, nj = h + P - p, w + P - q            # = S·i, S·j of the output that used W[p, q] on X[h, w]
            hit = ni % St == 0 and nj % St == 0 and 0 <= ni // St < OH and 0 <= nj // St < OW
            a_refs.append(("d:" + layer.name, (0, kk, ni // St, nj // St)) if hit else Num(0.0, "pad", (ni, nj)))
            b_refs.append((f"{layer.name}_w", (kk, c, p, q)))
    return dot(trace, a_refs, b_refs)


def conv_dx_steps(trace, layer: Conv, x_name: str, k: int, detail: bool) -> list[Step]:
    name, F, St, P = layer.name, layer.kernel, layer.stride, layer.padding
    gx = trace.grads[x_name][0]
    c = int(np.argmax(np.abs(gx).reshape(gx.shape[0], -1).max(axis=1)))
    h, w = _absmax(gx[c])
    K = layer.filters
    parts = [_conv_dx_part(trace, x_name, layer, kk, c, h, w) for kk in range(K)]
    total = combine(parts, None, num(trace, "d:" + x_name, (0, c, h, w)))
    edge = F - 1 - P
    # the outputs (i, j) whose window covered x[c, h, w]: the same cells of every filter's ∂Y map
    seen = tuple(dict.fromkeys(t.a.index[2:] for t in parts[0].terms if t.a.tensor != "pad"))
    if St == 1:       # ∂Y padded by F − 1 − P: the window under the turned filter is a plain box
        where = dict(pad=edge, box=(h + P - (F - 1), w + P - (F - 1), F, F))
    else:             # spread out by the stride: the cells themselves are marked
        where = dict(marks=seen)
    steps = []
    if detail:   # the filter with the largest share, written out
        k = int(np.argmax([abs(p.total) for p in parts]))
        one = parts[k]
        hits = sum(t.a.tensor != "pad" for t in one.terms)
        marks = tuple(t.a.index[2:] for t in one.terms if t.a.tensor != "pad")
        how = ("a full convolution of zero-padded ∂Y with the filter turned 180°." if St == 1 else
               f"a full convolution with the filter turned 180°, over ∂Y spread out by the stride ({St - 1} "
               f"zero{'s' if St > 2 else ''} between its values): only {hits} of the {F * F} filter positions "
               "met this input.")
        panel = (heat(f"∂Y map {k}, padded", trace, "d:" + name, (0, k, S, S), **where) if St == 1 else
                 heat(f"∂Y map {k}: the {hits} outputs that saw it", trace, "d:" + name, (0, k, S, S), marks=marks))
        steps.append(Step("∂" + name, "backward", "conv-dx",
                          f"{name.capitalize()}: the input's gradient, filter {k} alone",
                          layer=name, arith=one,
                          caption=text(f"Input ({c}, {h}, {w}) was seen by filter {k} (the largest share) at {hits} "
                                       "window positions. Going back, the filter's weights carry the output "
                                       f"gradients back: {how}"),
                          lines=(text(f"filter {k}: Σ {F * F} products = ", one.total_num()),),
                          panels=(panel,
                                  *term_grids(trace, one, (F, F), ("∂Y under the window", f"filter {k}, slice {c}, "
                                                                                    "rotated 180°", "product")))))
    lines = labelled_sum("Σ over filters", "k", [total.part_num(kk) for kk in range(K)], ("= ", total.result),
                         MAX_PARTS, 6)
    x_words = "the input image" if x_name == "input" else x_name
    colour = channel_letters(trace, x_name, gx.shape[0])[0] == "R"
    if colour:
        x_words = f"the picture's {COLOURS[c]} channel"
    steps.append(Step("∂" + name, "backward", "conv-dx-sum",
                      f"{name.capitalize()}: ∂L/∂{x_name}[{c}, {h}, {w}], summed over {K} filters",
                      layer=name, arith=total,
                      caption=text(f"Every filter that saw this input sends its share back; the {K} shares add "
                                   f"up to the gradient of {x_words} at ({h}, {w})."
                                   + (f" With stride {St} only {len(seen)} output position"
                                      f"{'s' if len(seen) != 1 else ''} of each ∂Y map saw it (marked)."
                                      if St > 1 else "")
                                   + (" Pixels are not weights, so nothing learns from this map, but it "
                                      "shows which pixels would change the loss most." if x_name == "input"
                                      else "")),
                      lines=tuple(lines),
                      panels=(heat(f"∂L/∂Y: ∂{name}, {K} maps", trace, "d:" + name, (0, S, S, S), focus=k,
                                   names=tuple(str(m) for m in range(K)), **where),
                              heat(f"∂L/∂X: ∂{x_name} " + (f"{COLOURS[c]} channel" if colour else f"map {c}"), trace,
                                   "d:" + x_name, (0, c, S, S), marks=((h, w),)))))
    return steps
