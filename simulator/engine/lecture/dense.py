"""The forward pass's classifier: flatten, a dense layer as a matrix-vector product, softmax
and the loss. Numbers are Nums read from the trace, as everywhere in the lecture; widths and
names come from the trace's Arch.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..dataformat import MAX_SHOWN, shown_classes as format_shown_classes
from .forward import S, heat, largest_terms, term_vectors, vector, vector_grid
from .step import Num, Panel, Step, Table, collect, dot, fmt, limit_of, num, shown_and_rest, signed, sub, text

MAX_ROWS = MAX_SHOWN  # classes a table or a bar chart shows: with more, the label's and the most probable
MAX_NAME = 14        # characters of a class name written under a bar or in a table (else its number)


def shown_classes(trace, which: str = "probs") -> list[int]:
    """The classes a table or bar chart shows: all of them when they are few, else the label
    and the most probable others (by `which`), in class order."""
    return format_shown_classes(trace.tensor(which)[0], trace.label, MAX_ROWS)


def class_names(trace, ks) -> tuple[str, ...]:
    """The names written for classes ks under bars: their names when all are short, else their numbers."""
    names = [trace.format.classes[k] for k in ks]
    return tuple(names if max(len(n) for n in names) <= MAX_NAME else [str(k) for k in ks])


def class_cell(trace, k: int):
    """The first cell of a table row: the digit, or the class's number and (short) name."""
    name = trace.format.classes[k]
    return text(k) if trace.digits else text(f"{k} {name}" if len(name) <= MAX_NAME else k)


def bars(label: str, trace, which: str, marks_label: bool = True, **kw) -> Panel:
    """One bar per shown class of tensor `which` [1,K] (probabilities, scores, gradients)."""
    ks = shown_classes(trace)
    values = trace.tensor(which)[0]
    index = (0, S) if len(ks) == values.size else (0, ks)
    label += "" if len(ks) == values.size else f" (the label and the {len(ks) - 1} most probable)"
    return Panel(label, values[index[1]], which, index, style="bars", names=class_names(trace, ks),
                 marks=((ks.index(trace.label),),) if marks_label else (), **kw)


def others_note(trace) -> str:
    """Words for a table or chart that leaves classes out."""
    n = trace.format.n_classes
    shown = len(shown_classes(trace))
    return "" if shown == n else (f" The table shows the label's class and the {shown - 1} most probable others of "
                                  f"the {n} classes; its last row adds up the other {n - shown}.")


def flatten_step(trace, before: str) -> Step:
    """The maps of `before` [C,H,W] laid end to end as one vector."""
    flat = trace.outputs["flat"][0]
    C, H, W = trace.outputs[before].shape[1:]
    idx = int(np.argmax(flat))
    c, r, s = (int(v) for v in np.unravel_index(idx, (C, H, W)))
    n = C * H * W
    maps = "the image" if before == "input" else f"the {C} maps of {H}×{W}"
    grid = vector_grid(n)
    return Step("flat", "forward", "flatten", f"Flatten: {C}×{H}×{W} {'pixels' if before == 'input' else 'maps'} "
                f"become one row of {n}", layer="flat",
                caption=text(f"The dense layers need a plain list of numbers, so {maps} "
                             f"{'is' if before == 'input' else 'are'} laid end to end, map after map, row after "
                             f"row: {n} numbers, nothing computed."),
                lines=(text(f"index = map·{H * W} + row·{W} + column = ", c, f"·{H * W} + ", r, f"·{W} + ", s,
                            " = ", idx),
                       text("flat[", idx, f"] = {before}[", c, ", ", r, ", ", s, "] = ",
                            num(trace, before, (0, c, r, s)))),
                panels=(heat(f"{before}: {C} map{'s' if C > 1 else ''}, {H}×{W}", trace, before, (0, S, S, S),
                             focus=c, marks=((r, s),), names=tuple(f"{m}" for m in range(C))),
                        vector(f"flat: {n} numbers ({grid[1]} per row)", trace, "flat", marks=((idx,),))))


def dense_step(trace, layer, x_name: str, j: int) -> Step:
    """Output j of dense layer `layer` (y = x·W + b) written out: its largest products."""
    key = trace.arch.param_prefix(layer)
    D = trace.outputs[x_name].shape[1]
    M = trace.outputs[layer.name].shape[1]
    ar = dot(trace, [(x_name, (0, i)) for i in range(D)], [(f"{key}_w", (i, j)) for i in range(D)],
             bias=num(trace, f"{key}_b", (j,)), result=num(trace, layer.name, (0, j)))
    show = largest_terms(ar, 3)
    many = D > 3
    return Step(key, "forward", "dense", f"{key.upper()}: {D} → {M}, a matrix times a vector",
                layer=key, arith=ar,
                caption=text(f"Every one of the {M} outputs is a weighted sum of all {D} inputs plus a bias: "
                             f"y = x·W + b. Output {j}, written out"
                             + (f": of its {D} products the three largest by |product|, and the sum of the other "
                                f"{D - len(show)}:" if many else ":")),
                lines=(text(f"y[{j}] = Σᵢ x[i]·W[i, {j}] + b[{j}]"),
                       text(*shown_and_rest(ar, show)),
                       text("= ", ar.total_num(), " + ", *signed(ar.bias), " = ", ar.result)),
                panels=(*term_vectors(trace, ar, vector_grid(D), (f"x: {x_name}, {D}", f"column {j} of W", "x × w"),
                                      show),
                        vector(f"= y: {M} outputs", trace, layer.name, marks=((j,),))))


SURE = 0.5    # "sure": the top probability is more than all the others together


def near_one(trace, k: int, which: str = "probs") -> bool:
    """p_k would be written "1" though it is not 1: write it 1 − (1 − p_k) instead."""
    p = float(trace.tensor(which)[0, k])
    return fmt(p) == "1" and p < 1.0


def prob_parts(trace, k: int, which: str = "probs") -> list:
    """p_k as written: its value, or "1 − q" with q = 1 − p_k to 4 digits when p_k rounds to 1."""
    if near_one(trace, k, which):
        return ["1 − ", num(trace, "comp:" + which, (0, k))]
    return [num(trace, which, (0, k))]


def softmax_steps(trace) -> list[Step]:
    z = trace.outputs["logits"][0]
    m = int(np.argmax(z))
    lab, K = trace.label, z.size
    exps = [num(trace, "exps", (0, k)) for k in range(K)]
    ar = collect(exps, "sum")
    ks = shown_classes(trace)
    rows = tuple((class_cell(trace, k), text(num(trace, "logits", (0, k))), text(exps[k]), text(*prob_parts(trace, k)))
                 for k in ks)
    if len(ks) < K:      # the classes left out, as one sum that the table's Σ needs
        rest = float(np.sum([e.value for i, e in enumerate(exps) if i not in set(ks)], dtype=np.float64))
        rows += ((text(f"other {K - len(ks)}"), text(""), text(Num(rest, "Σ−", tuple(ks))), text("")),)
    pm = int(np.argmax(trace.probs[0]))
    rest = num(trace, "rest", (0,))
    if near_one(trace, lab):      # then the label holds the maximum: Σ = 1 + rest exactly
        p_line = text("Σ = 1 + ", rest, f",   p{sub(lab)} = 1 / Σ = ", *prob_parts(trace, lab))
        loss_line = text(f"L = −ln p{sub(lab)} = ln(1 + Σⱼ≠{sub(lab)} e^(zⱼ − z{sub(lab)})) = ln(1 + ", rest, ") = ",
                         num(trace, "loss", ()))
    else:
        p_line = text("Σ = ", ar.total_num(), f",   p{sub(lab)} = ", exps[lab], " / ", ar.total_num(),
                      " = ", num(trace, "probs", (0, lab)))
        loss_line = text(f"L = −ln p{sub(lab)} = −ln ", num(trace, "probs", (0, lab)), " = ", num(trace, "loss", ()))
    kind = trace.kind
    s1 = Step("softmax", "forward", "softmax", "Softmax: scores become probabilities", layer="softmax",
              arith=ar,
              caption=text(f"The {K} scores z are turned into probabilities: exponentiate (after subtracting "
                           "the largest, which changes nothing but avoids overflow), then divide by the "
                           "sum so they add up to 1." + others_note(trace)),
              lines=(text("pₖ = e^(zₖ − m) / Σⱼ e^(zⱼ − m),   m = max z = ", num(trace, "logits", (0, m))), p_line),
              panels=(Table((kind, "z (score)", "e^(z − m)", "p"), rows, mark_row=ks.index(lab)),
                      bars(f"p for each {kind}", trace, "probs", limit=1.0)))
    verdict = "right" if pm == lab else "wrong"
    s2 = Step("loss", "forward", "loss", "The loss: −ln of the right answer's probability", layer="loss",
              caption=text(f"The label is {trace.label_words}. The loss (ln: the natural logarithm) is small when "
                           f"p{sub(lab)} is near 1 and "
                           f"grows without bound as it nears 0. The network's guess is {trace.class_words(pm)} (p = ",
                           *prob_parts(trace, pm), f"): {verdict}.", *untrained_note(trace)),
              lines=(loss_line,),
              panels=(bars(f"p for each {kind}", trace, "probs", limit=1.0),))
    return [s1, s2]


def untrained_note(trace) -> tuple:
    """Fresh weights: why the guess means nothing. Sure (top p > SURE) only when the numbers say
    so, then why (softmax exponentiates random score gaps); else that the scores are still close."""
    if trace.trained:
        return ()
    z = trace.outputs["logits"][0]
    a, b = (int(v) for v in np.argsort(-z, kind="stable")[:2])
    gap = (f"z{sub(a)} = ", num(trace, "logits", (0, a)), f" against the next, z{sub(b)} = ",
           num(trace, "logits", (0, b)), f", becomes p{sub(a)} = ", *prob_parts(trace, a), f" against p{sub(b)} = ",
           num(trace, "probs", (0, b)))
    if float(trace.probs[0, a]) > SURE:
        return (" Why so sure, with random weights? Random weights give arbitrary scores, and softmax "
                "exponentiates them: the top score ", *gap, ". Until the network is trained this confidence "
                "means nothing (--checkpoint traces a trained one).")
    return (" With random weights the scores are arbitrary and close together, so the probabilities are "
            "spread out: the top score ", *gap, ". The guess is little better than chance until the network "
            "is trained (--checkpoint traces a trained one).")


def logits_bars(trace) -> Panel:
    return bars(f"logits z: one score per {trace.kind}", trace, "logits", limit=limit_of(trace.outputs["logits"]))


def dense_steps(trace, layer, x_name: str) -> list[Step]:
    """A dense layer's step; the last one (the logits) shows its example for the label's score,
    and the scores as bars."""
    if layer.name != "logits":
        return [dense_step(trace, layer, x_name, int(np.argmax(trace.outputs[layer.name][0])))]
    step = dense_step(trace, layer, x_name, trace.label)
    key = trace.arch.param_prefix(layer)
    D = trace.outputs[x_name].shape[1]
    K = trace.format.n_classes
    return [replace(step, panels=step.panels[:3] + (logits_bars(trace),),
                    title=f"{key.upper()}: {D} → {K}, one score per {trace.kind}")]
