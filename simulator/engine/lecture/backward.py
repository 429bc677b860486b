"""The backward half of the lecture: ∂L/∂logits back to the input, then one SGD update.

Gradients are the trace's tensors named "d:<tensor>" (model.backward's results); the 1/0
masks are the engine's own backward of all-ones ("mask:pool1", "deriv:act1").
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from .forward import ACT_NAME, S, VECTOR_GRID, argmax2, example_window, heat, largest_terms, term_grids, term_vectors, tie_note, vector
from .step import Arithmetic, Num, Panel, Step, Table, Term, combine, dot, fmt, limit_of, num, product_parts, signed, sub, sum_parts, text

ZOOM = 5    # a dense layer's ∂L/∂W is shown as this many rows × columns around the example weight

DIGITS = tuple(str(d) for d in range(10))


def _absmax(a: np.ndarray) -> tuple:
    return argmax2(np.abs(a))


def logits_step(trace) -> Step:
    lab = trace.label
    others = [k for k in np.argsort(-trace.probs[0]) if k != lab]
    o = int(others[0])
    rows = tuple((text(k), text(num(trace, "probs", (0, k))), text(num(trace, "onehot", (0, k))),
                  text(num(trace, "d:logits", (0, k)))) for k in range(10))

    def line(k):
        return text(f"∂L/∂z{sub(k)} = p{sub(k)} − y{sub(k)} = ", num(trace, "probs", (0, k)), " − ",
                    num(trace, "onehot", (0, k)), " = ", num(trace, "d:logits", (0, k)))
    return Step("∂logits", "backward", "grad-logits", "Backward starts: ∂L/∂z = p − y", layer="softmax",
                caption=text("Now the other direction: how would the loss change if each score changed? "
                             "For softmax followed by −ln, the answer is simply p minus the one-hot label: "
                             f"negative for the right digit ({lab}: push its score up), positive for the "
                             "others (push down)."),
                lines=(line(lab), line(o)),
                panels=(Table(("digit", "p", "y (one-hot)", "∂L/∂z = p − y"), rows, mark_row=lab),
                        Panel("∂L/∂z", trace.grads["logits"][0], "d:logits", (0, S), style="bars",
                              limit=limit_of(trace.grads["logits"]), marks=((lab,),), names=DIGITS)))


def dense_wgrad_step(trace, x_name, layer, w_name, b_name, section) -> Step:
    gw = trace.param_grads[w_name]
    i, j = _absmax(gw)
    ar = dot(trace, [("d:" + layer, (0, j))], [(x_name, (0, i))], result=num(trace, "d:" + w_name, (i, j)))
    t = ar.terms[0]
    D, M = gw.shape
    i0, r1, j0, c1 = zoom_block(i, j, D, M)
    return Step(section, "backward", "dense-dw", f"{section[1:].upper()}: the weights' gradient, dW = xᵀ·∂y",
                layer=section[1:], arith=ar,
                caption=text(f"Weight W[{i}, {j}] links input {i} to output {j}, so by the chain rule its "
                             "gradient is the output's gradient times the input. Every weight at once: "
                             f"the outer product of x ({D}) and ∂L/∂y ({M})."),
                lines=(text(f"∂L/∂W[{i}, {j}] = ∂L/∂y[{j}] · ∂y[{j}]/∂W[{i}, {j}] "
                            f"= ∂L/∂y[{j}] · x[{i}]"),
                       text("= ", *signed(t.a), " × ", *signed(t.b), " = ", ar.result),
                       text(f"∂L/∂b[{j}] = ∂L/∂y[{j}] = ", num(trace, "d:" + b_name, (j,)))),
                panels=(vector(f"x: {x_name} ({D})", trace, x_name, marks=((i,),)),
                        vector(f"∂L/∂y: ∂{layer} ({M})", trace, "d:" + layer, marks=((j,),)),
                        heat(f"zoom: ∂L/∂W[{i0}–{r1 - 1}, {j0}–{c1 - 1}]", trace, "d:" + w_name,
                             (slice(i0, r1), slice(j0, c1)), style="numbers", marks=((i - i0, j - j0),)),
                        heat(f"all of ∂L/∂W ({D} × {M}), drawn on its side", trace, "d:" + w_name, (S, S),
                             marks=((i, j),), transpose=True, row=1, box=(i0, j0, r1 - i0, c1 - j0))))


def zoom_block(i: int, j: int, D: int, M: int) -> tuple[int, int, int, int]:
    """(i0, r1, j0, c1): up to ZOOM×ZOOM weights around W[i, j], inside the D×M matrix."""
    h, w = min(ZOOM, D), min(ZOOM, M)
    i0 = min(max(i - h // 2, 0), D - h)
    j0 = min(max(j - w // 2, 0), M - w)
    return i0, i0 + h, j0, j0 + w


def dense_xgrad_step(trace, x_name, layer, w_name, section) -> Step:
    gx = trace.grads[x_name][0]
    i = int(np.argmax(np.abs(gx)))
    M = trace.outputs[layer].shape[1]
    ar = dot(trace, [("d:" + layer, (0, j)) for j in range(M)], [(w_name, (i, j)) for j in range(M)],
             result=num(trace, "d:" + x_name, (0, i)))
    grid = VECTOR_GRID.get(M)
    result = vector(f"∂L/∂x: ∂{x_name}", trace, "d:" + x_name, marks=((i,),))
    if M <= 10:   # every term fits in a table
        written = (text(f"= Σ of the {M} products = ", ar.result),)
        rows = tuple((text(j), text(t.a), text(t.b), text(ar.term_num(j))) for j, t in enumerate(ar.terms))
        panels = (Table(("j", "∂L/∂y[j]", f"W[{i}, j]", "product"), rows, mark_row=trace.label), result)
    else:
        show = largest_terms(ar, 3)
        written = (text("largest by |product|: ", *product_parts([ar.terms[t] for t in show]), " + …"),
                   text("= ", ar.result))
        panels = (*term_vectors(trace, ar, grid, (f"∂L/∂y: ∂{layer}", f"row {i} of W", "product"), show),
                  replace(result, label=f"= ∂L/∂x: ∂{x_name}"))
    return Step(section, "backward", "dense-dx", f"{section[1:].upper()}: the input's gradient, ∂x = ∂y·Wᵀ",
                layer=section[1:], arith=ar,
                caption=text(f"Input {i} fed all {M} outputs, so its gradient collects from each of them: "
                             f"output j's gradient times the weight W[{i}, j] that carried it."),
                lines=(text(f"∂L/∂x[{i}] = Σⱼ ∂L/∂y[j] · W[{i}, j]"), *written),
                panels=panels)


def act_back_step(trace, before: str, after: str, k: int | None) -> Step:
    kind = trace.config.activation
    sel = (0, k) if k is not None else (0,)
    dy, deriv = trace.grads[after][sel], trace.act_derivs[after][sel]
    passed = argmax2(np.abs(dy) * (deriv > 0))
    blocked = argmax2(np.abs(dy) * (deriv == 0)) if kind == "relu" and (deriv == 0).any() else None
    if kind == "relu":
        rule = "∂L/∂x = ∂L/∂y × [x > 0]"
        what = ("Back through ReLU: where the input was positive the gradient passes unchanged (× 1); "
                "where it was negative the output did not depend on it, so the gradient is 0.")
    else:
        rule = "∂L/∂x = ∂L/∂y × y(1 − y)" if kind == "sigmoid" else "∂L/∂x = ∂L/∂y × (1 − y²)"
        what = (f"Back through {ACT_NAME[kind]}: the gradient is multiplied by the slope of the curve at "
                "that point, which is small where the curve is flat (large |x|).")
    lines = [text(rule)]
    arith = None
    for at in (passed, blocked):
        if at is None:
            continue
        ar = dot(trace, [("d:" + after, sel + at)], [("deriv:" + after, sel + at)],
                 result=num(trace, "d:" + before, sel + at))
        arith = arith or ar
        lines.append(text(f"at {at[0] if len(at) == 1 else at}: ", *signed(ar.terms[0].a), " × ",
                          *signed(ar.terms[0].b), " = ", ar.result))
    marks = tuple(m for m in (passed, blocked) if m is not None)
    slope = "1 where x > 0, else 0" if kind == "relu" else "the slope"
    if k is not None:
        idx = (0, k, S, S)
        panels = (heat(f"∂L/∂y: ∂{after} map {k}", trace, "d:" + after, idx, marks=marks),
                  heat(f"× {slope}", trace, "deriv:" + after, idx, style="gray", limit=1.0, marks=marks),
                  heat(f"= ∂L/∂x: ∂{before} map {k}", trace, "d:" + before, idx, marks=marks))
    else:
        panels = (vector(f"∂L/∂y: ∂{after}", trace, "d:" + after, marks=marks),
                  vector(f"× {slope}", trace, "deriv:" + after, style="gray", limit=1.0, marks=marks),
                  vector(f"= ∂L/∂x: ∂{before}", trace, "d:" + before, marks=marks))
    return Step("∂" + after, "backward", "act-back", f"Back through {ACT_NAME[kind]} ({after})",
                layer=after, arith=arith, caption=text(what), lines=tuple(lines), panels=panels)


def unflatten_step(trace) -> Step:
    g = trace.grads["flat"][0]
    idx = int(np.argmax(np.abs(g)))
    c, r, s = (int(v) for v in np.unravel_index(idx, (16, 5, 5)))
    return Step("∂flat", "backward", "unflatten", "Un-flatten: 400 gradients back into 16 maps of 5×5",
                layer="flat",
                caption=text("Flattening only moved numbers, so going back only moves their gradients to "
                             "where the numbers came from."),
                lines=(text(f"∂L/∂pool2[{c}, {r}, {s}] = ∂L/∂flat[{idx}] = ", num(trace, "d:flat", (0, idx))),),
                panels=(vector("∂L/∂flat: 400", trace, "d:flat", marks=((idx,),)),
                        heat("∂L/∂pool2: 16 maps, 5×5", trace, "d:pool2", (0, S, S, S), focus=c,
                             marks=((r, s),), names=tuple(str(m) for m in range(16)))))


def pool_back_step(trace, before: str, after: str, k: int) -> Step:
    kind = trace.config.pool
    dy_map = np.abs(trace.grads[after][0, k])
    # the example window has one clear, non-zero maximum, and among those the largest |∂L/∂y|
    i, j = example_window(trace.outputs[before][0, k], dy_map) if kind == "max" else _absmax(dy_map)
    cells = [(2 * i + p, 2 * j + q) for p in range(2) for q in range(2)]
    dy = num(trace, "d:" + after, (0, k, i, j))
    box = (2 * i, 2 * j, 2, 2)
    idx = (0, k, S, S)
    if kind == "max":
        mask = trace.pool_masks[after][0, k]
        win = next(rc for rc in cells if mask[rc] > 0)
        lose = next(rc for rc in cells if mask[rc] == 0)
        ar = dot(trace, [("mask:" + after, (0, k) + rc) for rc in cells], [dy] * 4)
        xs = [num(trace, before, (0, k) + rc) for rc in cells]
        lines = (text("forward: max(", *sum_parts(xs, ", "), ") = ", num(trace, after, (0, k, i, j)),
                      f", the max at {win}"),
                 text("∂L/∂x = ∂L/∂y at the window's maximum, 0 elsewhere"),
                 text(f"at the max {win}: ", num(trace, "mask:" + after, (0, k) + win), " × ", *signed(dy), " = ",
                      num(trace, "d:" + before, (0, k) + win),
                      f";   at {lose}: ", num(trace, "mask:" + after, (0, k) + lose), " × ", *signed(dy), " = ",
                      num(trace, "d:" + before, (0, k) + lose)))
        what = ("Back through max pooling: only the maximum of each window affected the output, so it "
                "gets the whole gradient and the other three get 0. The 1/0 mask records the winners."
                + tie_note(trace, before, k))
        panels = (heat(f"{before} map {k} (forward)", trace, before, idx, box=box, marks=(win,)),
                  heat("1/0 mask: the maxima", trace, "mask:" + after, idx, style="gray", limit=1.0, box=box),
                  heat(f"∂L/∂y: ∂{after} map {k}", trace, "d:" + after, idx, marks=((i, j),)),
                  heat(f"∂L/∂x: ∂{before} map {k}", trace, "d:" + before, idx, box=box))
    else:
        ar = None
        lines = (text("∂L/∂x = ∂L/∂y / 4 for each of the 4 cells of the window"),
                 text(f"window ({i}, {j}): ", dy, " / 4 = ", num(trace, "d:" + before, (0, k) + cells[0])))
        what = ("Back through average pooling: each of the 4 inputs counted for a quarter of the output, "
                "so each gets a quarter of its gradient.")
        panels = (heat(f"∂L/∂y: ∂{after} map {k}", trace, "d:" + after, idx, marks=((i, j),)),
                  heat(f"∂L/∂x: ∂{before} map {k}", trace, "d:" + before, idx, box=box))
    return Step("∂" + after, "backward", "pool-back", f"Back through {kind} pooling ({after}), map {k}",
                layer=after, arith=ar, caption=text(what), lines=lines, panels=panels)


def nonzero_products(trace, x_name, layer, w_name, k, pad) -> np.ndarray:
    """[C,FH,FW]: for each weight of filter k, how many of its gradient's products X·∂Y are non-zero."""
    x = trace.outputs[x_name][0] != 0
    x = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))
    dy = trace.grads[layer][0, k] != 0
    C, FH, FW = trace.params[w_name].shape[1:]
    OH, OW = dy.shape
    return np.array([[[int((x[c, p:p + OH, q:q + OW] & dy).sum()) for q in range(FW)] for p in range(FH)]
                     for c in range(C)])


def example_weight(trace, x_name, layer, w_name, pad) -> tuple:
    """(k, c, p, q): the weight whose gradient sums the most non-zero products, over all filters
    (largest |∇| among those within 10% of the most), so the example shows a real sum."""
    count = np.stack([nonzero_products(trace, x_name, layer, w_name, k, pad)
                      for k in range(trace.params[w_name].shape[0])])
    grad = np.abs(trace.param_grads[w_name])
    return argmax2(np.where(count >= 0.9 * count.max(), grad, -1.0))


def conv_wgrad_step(trace, x_name, layer, w_name, b_name, pad) -> Step:
    k, c, p, q = example_weight(trace, x_name, layer, w_name, pad)
    OH = trace.outputs[layer].shape[2]
    H = trace.outputs[x_name].shape[2]
    a_refs, b_refs = [], []
    for i in range(OH):
        for j in range(OH):
            r, cc = i + p - pad, j + q - pad
            a_refs.append(("d:" + layer, (0, k, i, j)))
            b_refs.append((x_name, (0, c, r, cc)) if 0 <= r < H and 0 <= cc < H else Num(0.0, "pad", (r, cc)))
    ar = dot(trace, a_refs, b_refs, result=num(trace, "d:" + w_name, (k, c, p, q)))
    show = largest_terms(ar, 3)
    nonzero = sum(t.value != 0 for t in ar.terms)
    products = np.array([t.value for t in ar.terms])
    off = f"−{pad}" if pad else ""
    C = trace.param_grads[w_name].shape[1]
    dw_panel = (heat(f"∂L/∂W: filter {k}", trace, "d:" + w_name, (k, 0, S, S), style="numbers",
                     marks=((p, q),)) if C == 1 else
                heat(f"∂L/∂W: filter {k}, 6 slices", trace, "d:" + w_name, (k, S, S, S), focus=c,
                     marks=((p, q),), names=tuple(str(m) for m in range(C))))
    return Step("∂" + w_name[:5], "backward", "conv-dw",
                f"{layer.capitalize()}: ∂L/∂W, a correlation of X with ∂Y",
                layer=layer, arith=ar,
                caption=text(f"Weight ({c}, {p}, {q}) of filter {k} touched one input at each of the "
                             f"{OH * OH} positions the filter visited. Its gradient adds up, over all of them, "
                             "that input times the output's gradient there: ∂Y slides over X like a filter. "
                             f"A product is 0 where X is 0 or where pooling or {ACT_NAME[trace.config.activation]} "
                             "stopped the gradient; this weight was picked because its sum has among the most "
                             "non-zero products of "
                             f"all {layer} weights."),
                lines=(text(f"∂L/∂W[{k}, {c}, {p}, {q}] = Σᵢⱼ ∂L/∂Y[i, j] · X[i+{p}{off}, j+{q}{off}]"),
                       text("largest by |product|: ", *product_parts([ar.terms[t] for t in show]),
                            f" + …  ({nonzero} of the {OH * OH} products are non-zero)"),
                       text("= ", ar.result, f",   and ∂L/∂b[{k}] = Σ ∂L/∂Y = ",
                            num(trace, "d:" + b_name, (k,)))),
                panels=(heat(f"X: {x_name} map {c}", trace, x_name, (0, c, S, S), pad=pad,
                             box=(p - pad, q - pad, OH, OH)),
                        heat(f"∂L/∂Y: ∂{layer} map {k}", trace, "d:" + layer, (0, k, S, S)),
                        Panel(f"∂Y × X (shifted): {nonzero} non-zero", products.reshape(OH, OH), "terms", (),
                              limit=limit_of(products), one_sided=bool((products >= 0).all()),
                              marks=tuple(divmod(t, OH) for t in show)),
                        dw_panel))


def _conv_dx_part(trace, x_name, layer, w_name, kk, c, h, w, pad) -> Arithmetic:
    """∂X[c,h,w] from filter kk alone: the 5×5 window of zero-padded ∂Y times the rotated filter."""
    OH = trace.outputs[layer].shape[2]
    a_refs, b_refs = [], []
    for p2 in range(5):
        for q2 in range(5):
            r, cc = h + pad - 4 + p2, w + pad - 4 + q2
            a_refs.append(("d:" + layer, (0, kk, r, cc)) if 0 <= r < OH and 0 <= cc < OH
                          else Num(0.0, "pad", (r, cc)))
            b_refs.append((w_name, (kk, c, 4 - p2, 4 - q2)))
    return dot(trace, a_refs, b_refs)


def conv_dx_steps(trace, x_name, layer, w_name, k, detail: bool) -> list[Step]:
    pad = {"conv1": 2, "conv2": 0}[layer]
    gx = trace.grads[x_name][0]
    c = int(np.argmax(np.abs(gx).reshape(gx.shape[0], -1).max(axis=1)))
    h, w = _absmax(gx[c])
    K = trace.params[w_name].shape[0]
    parts = [_conv_dx_part(trace, x_name, layer, w_name, kk, c, h, w, pad) for kk in range(K)]
    total = combine(parts, None, num(trace, "d:" + x_name, (0, c, h, w)))
    edge = 4 - pad
    box = (h + pad - 4, w + pad - 4, 5, 5)
    steps = []
    if detail:   # the filter with the largest share, written out
        k = int(np.argmax([abs(p.total) for p in parts]))
        one = parts[k]
        steps.append(Step("∂" + layer, "backward", "conv-dx",
                          f"{layer.capitalize()}: the input's gradient, filter {k} alone",
                          layer=layer, arith=one,
                          caption=text(f"Input ({c}, {h}, {w}) was seen by filter {k} (the largest share) at 25 "
                                       "window positions. Going back, the filter's weights carry the output "
                                       "gradients back: a full convolution of zero-padded ∂Y with the filter "
                                       "turned 180°."),
                          lines=(text(f"filter {k}: Σ 25 products = ", one.total_num()),),
                          panels=(heat(f"∂Y map {k}, padded", trace, "d:" + layer,
                                       (0, k, S, S), pad=edge, box=box),
                                  *term_grids(trace, one, (5, 5), ("∂Y under the window", f"filter {k}, slice {c}, "
                                                                                    "rotated 180°", "product")))))
    partial = [total.part_num(kk) for kk in range(K)]
    rows = [partial[i:i + 6] for i in range(0, K, 6)]
    lines = []
    for n, row in enumerate(rows):
        tail = () if n == len(rows) - 1 else (" +",)
        lines.append(text("Σ over filters: " if n == 0 else "   ", *sum_parts(row), *tail))
    lines.append(text("= ", total.result))
    name = "the input image" if x_name == "input" else x_name
    steps.append(Step("∂" + layer, "backward", "conv-dx-sum",
                      f"{layer.capitalize()}: ∂L/∂{x_name}[{c}, {h}, {w}], summed over {K} filters",
                      layer=layer, arith=total,
                      caption=text(f"Every filter that saw this input sends its share back; the {K} shares add "
                                   f"up to the gradient of {name} at ({h}, {w})."
                                   + (" Pixels are not weights, so nothing learns from this map, but it "
                                      "shows which pixels would change the loss most." if x_name == "input"
                                      else "")),
                      lines=tuple(lines),
                      panels=(heat(f"∂L/∂Y: ∂{layer}, {K} maps", trace, "d:" + layer, (0, S, S, S), pad=edge,
                                   box=box, focus=k, names=tuple(str(m) for m in range(K))),
                              heat(f"∂L/∂X: ∂{x_name} map {c}", trace, "d:" + x_name, (0, c, S, S),
                                   marks=((h, w),)))))
    return steps


def update_steps(trace) -> list[Step]:
    lr = Num(trace.lr, "lr")
    rows, first = [], None
    for name in ("conv1_w", "conv2_w", "fc1_w", "fc2_w", "fc3_w"):
        g = trace.param_grads[name]
        at = tuple(int(v) for v in np.unravel_index(int(np.argmax(np.abs(g))), g.shape))
        theta, grad, new = num(trace, name, at), num(trace, "d:" + name, at), num(trace, "new:" + name, at)
        ar = Arithmetic("update", (Term(theta, None, theta.value), Term(lr, grad, lr.value * grad.value)), (),
                        theta.value - lr.value * grad.value, None, new)
        first = first or (name, at, ar)
        rows.append((text(f"{name}{list(at)}"), text(theta), text(grad), text(new)))
    name, at, ar = first
    n_params = sum(p.size for p in trace.params.values())
    s1 = Step("update", "update", "update", "The update: θ ← θ − α·∇θ", layer="update", arith=ar,
              caption=text(f"Every one of the {n_params:,} weights and biases takes a small step against its "
                           "gradient, downhill for the loss on this digit. α, the learning rate, sets the "
                           "step size. In each layer, the weight with the largest |∇θ|:"),
              lines=(text("θ ← θ − α · ∇θ,   α = ", lr),
                     text(f"{name}{list(at)}: ", ar.terms[0].a, " − ", lr, " × ", *signed(ar.terms[1].b), " = ",
                          ar.result)),
              panels=(Table(("weight", "θ", "∇θ", "θ − α∇θ"), tuple(rows), mark_row=0),))
    lab = trace.label
    pb, pa = num(trace, "probs", (0, lab)), num(trace, "probs_after", (0, lab))
    lb, la = num(trace, "loss", ()), num(trace, "loss_after", ())
    if fmt(la.value) == fmt(lb.value):     # the claim must match the numbers as written
        went = "did not change at the digits shown (the model already knows this digit)"
    else:
        went = "went down" if la.value < lb.value else "went up (one step can overshoot on a single digit)"
    s2 = Step("update", "update", "after", "The same digit again, after one step", layer="update",
              caption=text(f"Run digit {lab} through the network again with the new weights: the loss {went}. "
                           "Training is just this, repeated over thousands of digits, so that the "
                           "weights improve on all of them, not only this one."),
              lines=(text("before:  L = ", lb, f",   p{sub(lab)} = ", pb),
                     text("after:   L = ", la, f",   p{sub(lab)} = ", pa)),
              panels=(Panel("p before the step", trace.probs[0], "probs", (0, S), style="bars", limit=1.0,
                            marks=((lab,),), names=DIGITS),
                      Panel("p after the step", trace.probs_after[0], "probs_after", (0, S), style="bars",
                            limit=1.0, marks=((lab,),), names=DIGITS)))
    return [s1, s2]


def backward_steps(trace, k1: int, k2: int) -> list[Step]:
    steps = [logits_step(trace)]
    dense = (("act4", "logits", "fc3_w", "fc3_b", "∂fc3"), ("act3", "fc2", "fc2_w", "fc2_b", "∂fc2"),
             ("flat", "fc1", "fc1_w", "fc1_b", "∂fc1"))
    for (x_name, layer, w_name, b_name, section), act in zip(dense, ("act4", "act3", None)):
        steps.append(dense_wgrad_step(trace, x_name, layer, w_name, b_name, section))
        steps.append(dense_xgrad_step(trace, x_name, layer, w_name, section))
        if act is not None:
            steps.append(act_back_step(trace, {"act4": "fc2", "act3": "fc1"}[act], act, None))
    steps.append(unflatten_step(trace))
    steps.append(pool_back_step(trace, "act2", "pool2", k2))
    steps.append(act_back_step(trace, "conv2", "act2", k2))
    steps.append(conv_wgrad_step(trace, "pool1", "conv2", "conv2_w", "conv2_b", 0))
    steps += conv_dx_steps(trace, "pool1", "conv2", "conv2_w", k2, detail=True)
    steps.append(pool_back_step(trace, "act1", "pool1", k1))
    steps.append(act_back_step(trace, "conv1", "act1", k1))
    steps.append(conv_wgrad_step(trace, "input", "conv1", "conv1_w", "conv1_b", 2))
    steps += conv_dx_steps(trace, "input", "conv1", "conv1_w", k1, detail=False)
    return steps + update_steps(trace)
