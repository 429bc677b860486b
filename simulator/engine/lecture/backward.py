"""The backward half of the lecture, layer by layer: ∂L/∂logits, a dense layer's two
gradients, an activation, un-flatten, a pooling layer, and the SGD update at the end (the
convolutions are in conv_back.py).

Gradients are the trace's tensors named "d:<tensor>" (the engine's backward results); the 1/0
masks are the engine's own backward of all-ones ("mask:pool1", "deriv:act1").
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from .dense import bars, class_cell, near_one, prob_parts, shown_classes
from .forward import (ACT_NAME, S, argmax2, example_window, heat, largest_terms, pool_cells, pool_windows, term_vectors,
                      tie_note, vector, vector_grid)
from .step import (Arithmetic, Num, Step, Table, Term, dot, fmt, limit_of, num, signed, sub,
                   parse_number, shown_and_rest, sum_parts, text, with_decimals)

ZOOM = 5    # a dense layer's ∂L/∂W is shown as this many rows × columns around the example weight


def _absmax(a: np.ndarray) -> tuple:
    return argmax2(np.abs(a))


def logits_step(trace) -> Step:
    lab = trace.label
    others = [k for k in np.argsort(-trace.probs[0]) if k != lab]
    o = int(others[0])
    ks = shown_classes(trace)
    rows = tuple((class_cell(trace, k), text(*prob_parts(trace, k)), text(num(trace, "onehot", (0, k))),
                  text(num(trace, "d:logits", (0, k)))) for k in ks)

    def line(k):
        if k == lab and near_one(trace, k):     # p − 1 of a p that rounds to 1: write what it is
            return text(f"∂L/∂z{sub(k)} = p{sub(k)} − 1 = −Σⱼ≠{sub(k)} pⱼ = ", num(trace, "d:logits", (0, k)))
        return text(f"∂L/∂z{sub(k)} = p{sub(k)} − y{sub(k)} = ", *prob_parts(trace, k), " − ",
                    num(trace, "onehot", (0, k)), " = ", num(trace, "d:logits", (0, k)))
    return Step("∂logits", "backward", "grad-logits", "Backward starts: ∂L/∂z = p − y", layer="softmax",
                caption=text("Now the other direction: how would the loss change if each score changed? "
                             "For softmax followed by −ln, the answer is simply p minus the one-hot label: "
                             f"negative for the right {trace.kind} ({trace.class_words(lab)}: push its score up), "
                             "positive for the others (push down)."),
                lines=(line(lab), line(o)),
                panels=(Table((trace.kind, "p", "y (one-hot)", "∂L/∂z = p − y"), rows, mark_row=ks.index(lab)),
                        bars("∂L/∂z", trace, "d:logits", limit=limit_of(trace.grads["logits"]))))


def dense_wgrad_step(trace, dense, x_name) -> Step:
    key, layer = trace.arch.param_prefix(dense), dense.name
    w_name, b_name, section = f"{key}_w", f"{key}_b", "∂" + key
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


def dense_xgrad_step(trace, dense, x_name) -> Step:
    key, layer = trace.arch.param_prefix(dense), dense.name
    w_name, section = f"{key}_w", "∂" + key
    gx = trace.grads[x_name][0]
    i = int(np.argmax(np.abs(gx)))
    M = trace.outputs[layer].shape[1]
    ar = dot(trace, [("d:" + layer, (0, j)) for j in range(M)], [(w_name, (i, j)) for j in range(M)],
             result=num(trace, "d:" + x_name, (0, i)))
    grid = vector_grid(M)
    result = vector(f"∂L/∂x: ∂{x_name}", trace, "d:" + x_name, marks=((i,),))
    if M <= 10:   # every term fits in a table
        written = (text(f"= Σ of the {M} products = ", ar.result),)
        rows = tuple((text(j), text(t.a), text(t.b), text(ar.term_num(j))) for j, t in enumerate(ar.terms))
        mark = trace.label if layer == "logits" else int(np.argmax([abs(t.value) for t in ar.terms]))
        panels = (Table(("j", "∂L/∂y[j]", f"W[{i}, j]", "product"), rows, mark_row=mark), result)
    else:
        show = largest_terms(ar, 3)
        written = (text("largest by |product|: ", *shown_and_rest(ar, show)),
                   text("= ", ar.result))
        panels = (*term_vectors(trace, ar, grid, (f"∂L/∂y: ∂{layer}", f"row {i} of W", "product"), show),
                  replace(result, label=f"= ∂L/∂x: ∂{x_name}"))
    return Step(section, "backward", "dense-dx", f"{section[1:].upper()}: the input's gradient, ∂x = ∂y·Wᵀ",
                layer=section[1:], arith=ar,
                caption=text(f"Input {i} fed all {M} outputs, so its gradient collects from each of them: "
                             f"output j's gradient times the weight W[{i}, j] that carried it."),
                lines=(text(f"∂L/∂x[{i}] = Σⱼ ∂L/∂y[j] · W[{i}, j]"), *written),
                panels=panels)


SMOOTH_RULE = {"sigmoid": "∂L/∂x = ∂L/∂y × y(1 − y)", "tanh": "∂L/∂x = ∂L/∂y × (1 − y²)"}


def act_back_step(trace, act, before: str, k: int | None) -> Step:
    kind, after = act.kind, act.name
    sel = (0, k) if k is not None else (0,)
    dy, deriv = trace.grads[after][sel], trace.act_derivs[after][sel]
    passed = argmax2(np.abs(dy) * (deriv > 0))
    if kind == "relu":
        blocked = argmax2(np.abs(dy) * (deriv == 0)) if (deriv == 0).any() else None
        rule = "∂L/∂x = ∂L/∂y × [x > 0]"
        what = text("Back through ReLU: where the input was positive the gradient passes unchanged (× 1); "
                    "where it was negative the output did not depend on it, so the gradient is 0. "
                    "([x > 0] is 1 where x > 0, else 0.)")
    else:
        rule = SMOOTH_RULE[kind]
        blocked = flattest(dy, deriv)
        what = slope_words(trace, kind, after, before, sel, passed, blocked)
        blocked = None if blocked == passed else blocked
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
                layer=after, arith=arith, caption=what, lines=tuple(lines), panels=panels)


STEEPEST = {"sigmoid": 0.25, "tanh": 1.0}     # the curve's slope at x = 0, its largest
STEEPEST_WORDS = {"sigmoid": "1/4", "tanh": "1"}


def flattest(dy: np.ndarray, deriv: np.ndarray) -> tuple:
    """Where the curve is flattest among the places a real gradient arrives (|∂L/∂y| at least a
    tenth of its largest): the second example of a smooth activation's backward step."""
    mag = np.abs(dy)
    real = mag >= 0.1 * mag.max() if mag.max() > 0 else np.ones_like(mag, bool)
    return argmax2(np.where(real, -deriv, -np.inf))


def slope_words(trace, kind: str, after: str, before: str, sel: tuple, steep: tuple, flat: tuple):
    """The caption of a smooth activation's backward step, worded after its two examples' slopes:
    "small where the curve is flat" only when the flatter one is under half the steepest slope."""
    name = ACT_NAME[kind]
    s1, s2 = num(trace, "deriv:" + after, sel + steep), num(trace, "deriv:" + after, sel + flat)
    x2 = num(trace, before, sel + flat)
    head = (f"Back through {name}: the gradient is multiplied by the slope of the curve at that point, "
            f"at most {STEEPEST_WORDS[kind]} (at x = 0) and small where the curve is flat (large |x|). ")
    if s2.value < 0.5 * STEEPEST[kind]:
        return text(head, "Here the largest gradient is multiplied by ", s1, ", and where x = ", x2,
                    " the curve is flat and the slope only ", s2, ".")
    return text(head, "Here no value is far enough from 0 for that: where the incoming gradient is large, "
                "the flattest point, x = ", x2, ", still has a slope of ", s2, ".")


def unflatten_step(trace, before: str) -> Step:
    g = trace.grads["flat"][0]
    C, H, W = trace.outputs[before].shape[1:]
    n = C * H * W
    idx = int(np.argmax(np.abs(g)))
    c, r, s = (int(v) for v in np.unravel_index(idx, (C, H, W)))
    return Step("∂flat", "backward", "unflatten", f"Un-flatten: {n} gradients back into {C} map"
                f"{'s' if C > 1 else ''} of {H}×{W}", layer="flat",
                caption=text("Flattening only moved numbers, so going back only moves their gradients to "
                             "where the numbers came from."),
                lines=(text(f"∂L/∂{before}[{c}, {r}, {s}] = ∂L/∂flat[{idx}] = ", num(trace, "d:flat", (0, idx))),),
                panels=(vector(f"∂L/∂flat: {n}", trace, "d:flat", marks=((idx,),)),
                        heat(f"∂L/∂{before}: {C} map{'s' if C > 1 else ''}, {H}×{W}", trace, "d:" + before,
                             (0, S, S, S), focus=c, marks=((r, s),), names=tuple(str(m) for m in range(C)))))


def coverage(layer, shape) -> np.ndarray:
    """[H,W]: in how many pooling windows each input cell lies (0 past the last window)."""
    H, W = shape
    OH, OW = (H - layer.size) // layer.stride + 1, (W - layer.size) // layer.stride + 1
    cover = np.zeros((H, W), np.int64)
    for i in range(OH):
        for j in range(OW):
            cover[i * layer.stride:i * layer.stride + layer.size, j * layer.stride:j * layer.stride + layer.size] += 1
    return cover


def pool_back_step(trace, layer, before: str, k: int) -> Step:
    kind, after, size, st = layer.kind, layer.name, layer.size, layer.stride
    a = trace.outputs[before][0, k]
    dy_map = np.abs(trace.grads[after][0, k])
    overlap = st < size
    cover = coverage(layer, a.shape)
    n = size * size
    if kind == "max":
        # the example window has one clear, non-zero maximum that is the maximum of no other window,
        # and among those the largest |∂L/∂y|
        mask = trace.pool_masks[after][0, k]
        best = pool_windows(a, size, st).argmax(axis=2)
        rows = np.arange(best.shape[0])[:, None] * st + best // size
        cols = np.arange(best.shape[1])[None, :] * st + best % size
        single = mask[rows, cols] == 1
        i, j = example_window(a, np.where(single, dy_map, -np.inf) if single.any() else dy_map, size, st)
    else:
        # a window with a cell in no other window (every cell, unless the windows overlap)
        alone = np.array([[any(cover[rc] == 1 for rc in pool_cells(layer, i, j)) for j in range(dy_map.shape[1])]
                          for i in range(dy_map.shape[0])])
        i, j = argmax2(np.where(alone, dy_map, -np.inf))
    cells = pool_cells(layer, i, j)
    dy = num(trace, "d:" + after, (0, k, i, j))
    box = (i * st, j * st, size, size)
    idx = (0, k, S, S)
    shared = (" The windows overlap, so a cell adds up the gradients of every window it counts in; the "
              + ("example's maximum is the maximum of this window only." if kind == "max" else
                 "example cell is in this window only.") if overlap else "")
    if kind == "max":
        xs = [num(trace, before, (0, k) + rc) for rc in cells]
        win = cells[int(np.argmax([x.value for x in xs]))]
        lose = next((rc for rc in cells if mask[rc] == 0), None)
        ar = dot(trace, [("mask:" + after, (0, k) + rc) for rc in cells], [dy] * n)
        back = [text(f"at the max {win}: ", num(trace, "mask:" + after, (0, k) + win), " × ", *signed(dy), " = ",
                     num(trace, "d:" + before, (0, k) + win),
                     *((f";   at {lose}: ", num(trace, "mask:" + after, (0, k) + lose), " × ", *signed(dy), " = ",
                        num(trace, "d:" + before, (0, k) + lose)) if lose else ()))]
        lines = (text("forward: max(", *sum_parts(xs, ", "), ") = ", num(trace, after, (0, k, i, j)),
                      f", the max at {win}"),
                 text("∂L/∂x = ∂L/∂y at the window's maximum, 0 elsewhere"), *back)
        what = (f"Back through max pooling: only the maximum of each window affected the output, so it "
                f"gets the whole gradient and the other {n - 1} get 0. "
                + ("The mask counts the windows each cell wins." if overlap else "The 1/0 mask records the winners.")
                + shared + tie_note(trace, layer, before, k))
        panels = (heat(f"{before} map {k} (forward)", trace, before, idx, box=box, marks=(win,)),
                  heat("mask: windows won" if overlap else "1/0 mask: the maxima", trace, "mask:" + after, idx,
                       style="gray",
                       limit=float(max(1, trace.pool_masks[after].max())), box=box),
                  heat(f"∂L/∂y: ∂{after} map {k}", trace, "d:" + after, idx, marks=((i, j),)),
                  heat(f"∂L/∂x: ∂{before} map {k}", trace, "d:" + before, idx, box=box))
    else:
        ar = None
        cell = next(rc for rc in cells if cover[rc] == 1)
        lines = (text(f"∂L/∂x = ∂L/∂y / {n} for each of the {n} cells of the window"),
                 text(f"window ({i}, {j}), cell {cell}: ", dy, f" / {n} = ", num(trace, "d:" + before, (0, k) + cell)))
        what = (f"Back through average pooling: each of the {n} inputs counted for 1/{n} of the output, "
                f"so each gets 1/{n} of its gradient." + shared)
        panels = (heat(f"∂L/∂y: ∂{after} map {k}", trace, "d:" + after, idx, marks=((i, j),)),
                  heat(f"∂L/∂x: ∂{before} map {k}", trace, "d:" + before, idx, box=box))
    return Step("∂" + after, "backward", "pool-back", f"Back through {kind} pooling ({after}), map {k}",
                layer=after, arith=ar, caption=text(what), lines=lines, panels=panels)


def row_format(theta: float, lr: float, grad: float, new: float) -> tuple[int, int | None]:
    """How to write θ − α × ∇θ = θ − α∇θ = θ' so the row adds up as written: (d, g) with θ, α∇θ
    and θ' to d decimals, ∇θ as fmt writes it (g None) or to g decimals, the fewest digits
    (from 4 significant of the largest, and enough to show the step at all) for which
    α × ∇θ-as-written rounds to α∇θ-as-written and θ-as-written − α∇θ-as-written is θ'-as-written."""
    step = lr * grad
    big = max(abs(theta), abs(new), 1e-30)
    first = max(0, 3 - int(np.floor(np.log10(big))))               # 4 significant digits of the largest
    if step != 0:
        first = max(first, -int(np.floor(np.log10(abs(step)))))   # the step's first digit shows
    lead = int(np.floor(np.log10(abs(grad)))) if grad != 0 else 0
    grads = [(None, parse_number(fmt(grad)))] + [(max(0, k - lead), round(grad, max(0, k - lead))) for k in (4, 5, 6, 7)]
    for d in range(first, first + 6):
        target, step_d = round(new, d), round(step, d)
        if round(round(theta, d) - step_d, d) != target:
            continue
        for g_dec, g_written in grads:
            if round(lr * g_written, d) == step_d:
                return d, g_dec
    return first, None


def update_steps(trace) -> list[Step]:
    lr = Num(trace.lr, "lr")
    rows, first = [], None
    for name in (n for n in trace.arch.param_shapes if n.endswith("_w")):
        g = trace.param_grads[name]
        at = tuple(int(v) for v in np.unravel_index(int(np.argmax(np.abs(g))), g.shape))
        theta, grad, new = num(trace, name, at), num(trace, "d:" + name, at), num(trace, "new:" + name, at)
        ar = Arithmetic("update", (Term(theta, None, theta.value), Term(lr, grad, lr.value * grad.value)), (),
                        theta.value - lr.value * grad.value, None, new)
        d, g_dec = row_format(theta.value, lr.value, grad.value, new.value)
        theta, new = with_decimals(theta, d), with_decimals(new, d)
        grad = grad if g_dec is None else with_decimals(grad, g_dec)
        step = Num(lr.value * grad.value, "×", (1,), d)
        first = first or (name, at, ar, theta, grad, step, new)
        rows.append((text(f"{name}{list(at)}"), text(theta), text(grad), text(new)))
    name, at, ar, theta, grad, step, new = first
    n_params = sum(p.size for p in trace.params.values())
    s1 = Step("update", "update", "update", "The update: θ ← θ − α·∇θ", layer="update", arith=ar,
              caption=text(f"Every one of the {n_params:,} weights and biases takes a small step against its "
                           f"gradient, downhill for the loss on this {trace.thing}. α, the learning rate, sets the "
                           "step size: here α = ", lr, ", ", *(trace.lr_rule or ("as given",)), " (training itself "
                           f"uses momentum and a batch of {trace.thing}s). In each layer, the weight with the "
                           "largest |∇θ|:"),
              lines=(text("θ ← θ − α · ∇θ,   α = ", lr),
                     text(f"{name}{list(at)}: ", theta, " − ", lr, " × ", *signed(grad), " = ", theta,
                          " − ", *signed(step), " = ", new)),
              panels=(Table(("weight", "θ", "∇θ", "θ − α∇θ"), tuple(rows), mark_row=0),))
    lab = trace.label
    lb, la = num(trace, "loss", ()), num(trace, "loss_after", ())
    thing = trace.thing
    if fmt(la.value) == fmt(lb.value):     # the claim must match the numbers as written
        went = f"did not change at the digits shown (the model already knows this {thing})"
    else:
        went = "went down" if la.value < lb.value else f"went up (one step can overshoot on a single {thing})"
    who = f"digit {lab}" if trace.digits else f"the {thing}, labelled {trace.label_words},"
    s2 = Step("update", "update", "after", f"The same {thing} again, after one step", layer="update",
              caption=text(f"Run {who} through the network again with the new weights (one step of α = ", lr,
                           f"): the loss {went}. "
                           f"Training is just this, repeated over thousands of {thing}s, so that the "
                           "weights improve on all of them, not only this one."),
              lines=(text("before:  L = ", lb, f",   p{sub(lab)} = ", *prob_parts(trace, lab)),
                     text("after:   L = ", la, f",   p{sub(lab)} = ", *prob_parts(trace, lab, "probs_after"))),
              panels=(bars("p before the step", trace, "probs", limit=1.0),
                      bars("p after the step", trace, "probs_after", limit=1.0)))
    return [s1, s2]
