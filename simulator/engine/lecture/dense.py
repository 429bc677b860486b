"""The forward pass's second half: flatten, the dense layers as matrix-vector products,
softmax and the loss. Numbers are Nums read from the trace, as everywhere in the lecture.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from .forward import S, VECTOR_GRID, act_step, heat, largest_terms, term_vectors, vector
from .step import Panel, Step, Table, collect, dot, limit_of, num, product_parts, sub, text


def flatten_step(trace) -> Step:
    flat = trace.outputs["flat"][0]
    idx = int(np.argmax(flat))
    c, r, s = np.unravel_index(idx, (16, 5, 5))
    return Step("flat", "forward", "flatten", "Flatten: 16×5×5 maps become one row of 400", layer="flat",
                caption=text("The dense layers need a plain list of numbers, so the 16 maps of 5×5 are laid "
                             "end to end, map after map, row after row: 400 numbers, nothing computed."),
                lines=(text("index = map·25 + row·5 + column = ", int(c), "·25 + ", int(r), "·5 + ", int(s),
                            " = ", idx),
                       text("flat[", idx, "] = pool2[", int(c), ", ", int(r), ", ", int(s), "] = ",
                            num(trace, "pool2", (0, int(c), int(r), int(s))))),
                panels=(heat("pool2: 16 maps, 5×5", trace, "pool2", (0, S, S, S), focus=int(c),
                             marks=((int(r), int(s)),), names=tuple(f"{m}" for m in range(16))),
                        vector("flat: 400 numbers (20 per row)", trace, "flat", marks=((idx,),))))


def dense_step(trace, x_name: str, layer: str, w_name: str, b_name: str, j: int) -> Step:
    D = trace.outputs[x_name].shape[1]
    M = trace.outputs[layer].shape[1]
    ar = dot(trace, [(x_name, (0, i)) for i in range(D)], [(w_name, (i, j)) for i in range(D)],
             bias=num(trace, b_name, (j,)), result=num(trace, layer, (0, j)))
    show = largest_terms(ar, 3)
    written = product_parts([ar.terms[t] for t in show]) + [" + "]
    grid = VECTOR_GRID[D]
    return Step(layer, "forward", "dense", f"{layer.upper()}: {D} → {M}, a matrix times a vector",
                layer=layer, arith=ar,
                caption=text(f"Every one of the {M} outputs is a weighted sum of all {D} inputs plus a bias: "
                             f"y = x·W + b. Output {j}, written out: of its {D} products, the three largest "
                             "by |product|:"),
                lines=(text(f"y[{j}] = Σᵢ x[i]·W[i, {j}] + b[{j}]"),
                       text(*written, "…"),
                       text("= ", ar.total_num(), " + ", ar.bias, " = ", ar.result)),
                panels=(*term_vectors(trace, ar, grid, (f"x: {x_name}, {D}", f"column {j} of W", "x × w"), show),
                        vector(f"= y: {M} outputs", trace, layer, marks=((j,),))))


def softmax_steps(trace) -> list[Step]:
    z = trace.outputs["logits"][0]
    m = int(np.argmax(z))
    lab = trace.label
    exps = [num(trace, "exps", (0, k)) for k in range(10)]
    ar = collect(exps, "sum")
    rows = tuple((text(k), text(num(trace, "logits", (0, k))), text(exps[k]), text(num(trace, "probs", (0, k))))
                 for k in range(10))
    pm = int(np.argmax(trace.probs[0]))
    s1 = Step("softmax", "forward", "softmax", "Softmax: scores become probabilities", layer="softmax",
              arith=ar,
              caption=text("The 10 scores z are turned into probabilities: exponentiate (after subtracting "
                           "the largest, which changes nothing but avoids overflow), then divide by the "
                           "sum so they add up to 1."),
              lines=(text("pₖ = e^(zₖ − m) / Σⱼ e^(zⱼ − m),   m = max z = ", num(trace, "logits", (0, m))),
                     text("Σ = ", ar.total_num(), f",   p{sub(lab)} = ", exps[lab], " / ", ar.total_num(),
                          " = ", num(trace, "probs", (0, lab)))),
              panels=(Table(("digit", "z (score)", "e^(z − m)", "p"), rows, mark_row=lab),
                      Panel("p for each digit", trace.probs[0], "probs", (0, S), style="bars", limit=1.0,
                            marks=((lab,),), names=tuple(str(d) for d in range(10)))))
    verdict = "right" if pm == lab else "wrong"
    s2 = Step("loss", "forward", "loss", "The loss: −ln of the right answer's probability", layer="loss",
              caption=text(f"The label is {lab}. The loss (ln: the natural logarithm) is small when p{sub(lab)} "
                           "is near 1 and "
                           f"grows without bound as it nears 0. The network's guess is {pm} (p = ",
                           num(trace, "probs", (0, pm)), f"): {verdict}.", *untrained_note(trace)),
              lines=(text(f"L = −ln p{sub(lab)} = −ln ", num(trace, "probs", (0, lab)), " = ",
                          num(trace, "loss", ())),),
              panels=(Panel("p for each digit", trace.probs[0], "probs", (0, S), style="bars", limit=1.0,
                            marks=((lab,),), names=tuple(str(d) for d in range(10))),))
    return [s1, s2]


def untrained_note(trace) -> tuple:
    """Why random weights can be sure and wrong: softmax exponentiates score gaps."""
    if trace.trained:
        return ()
    z = trace.outputs["logits"][0]
    a, b = (int(v) for v in np.argsort(-z, kind="stable")[:2])
    return (" Why so sure, with random weights? Random weights give arbitrary scores, and softmax "
            f"exponentiates them: the top score z{sub(a)} = ", num(trace, "logits", (0, a)), f" against the next, "
            f"z{sub(b)} = ", num(trace, "logits", (0, b)), f", becomes p{sub(a)} = ", num(trace, "probs", (0, a)),
            f" against p{sub(b)} = ", num(trace, "probs", (0, b)), ". Until the network is trained this confidence "
            "means nothing (--checkpoint traces a trained one).")


def fc3_bars(trace) -> Panel:
    return Panel("logits z: one score per digit", trace.outputs["logits"][0], "logits", (0, S), style="bars",
                 limit=limit_of(trace.outputs["logits"]), marks=((trace.label,),),
                 names=tuple(str(d) for d in range(10)))


def forward_dense_steps(trace) -> list[Step]:
    """Flatten to the loss: the classifier half of the forward pass."""
    steps = [flatten_step(trace)]
    steps.append(dense_step(trace, "flat", "fc1", "fc1_w", "fc1_b", int(np.argmax(trace.outputs["fc1"][0]))))
    steps.append(act_step(trace, "fc1", "act3", None))
    steps.append(dense_step(trace, "act3", "fc2", "fc2_w", "fc2_b", int(np.argmax(trace.outputs["fc2"][0]))))
    steps.append(act_step(trace, "fc2", "act4", None))
    fc3 = dense_step(trace, "act4", "logits", "fc3_w", "fc3_b", trace.label)
    fc3 = replace(fc3, panels=fc3.panels[:3] + (fc3_bars(trace),), section="fc3", layer="fc3",
                  title="FC3: 84 → 10, one score per digit")
    steps.append(fc3)
    return steps + softmax_steps(trace)
