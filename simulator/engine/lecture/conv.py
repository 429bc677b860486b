"""A convolution layer, forward: its output size, single output pixels written out as sums of
products, and all its feature maps. Kernel, stride, padding and filter count come from the
layer (an arch.Conv); `k` is the filter in focus.

    out[k, i, j] = b[k] + Σ_c Σ_p,q  x[c, S·i + p − P, S·j + q − P] · w[k, c, p, q]
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..arch import Conv
from .forward import COLOURS, S, argmax2, argmin2, channel_letters, floor_note, heat, setting, shape, term_grids
from .step import Num, Panel, Step, combine, dot, labelled_sum, limit_of, num, signed, text

MAX_PARTS = 12     # channel sums written out on the conv-sum step; else the 11 largest and the rest


def window_refs(trace, layer: Conv, x_name: str, k: int, c: int, i: int, j: int) -> tuple[list, list]:
    """(inputs, weights) of output (k, i, j)'s window on channel c; inputs in the padding are 0."""
    F, St, P = layer.kernel, layer.stride, layer.padding
    H, W = trace.outputs[x_name].shape[2:]
    a_refs, b_refs = [], []
    for p in range(F):
        for q in range(F):
            r, cc = i * St + p - P, j * St + q - P
            a_refs.append((x_name, (0, c, r, cc)) if 0 <= r < H and 0 <= cc < W else Num(0.0, "pad", (r, cc)))
            b_refs.append((f"{layer.name}_w", (k, c, p, q)))
    return a_refs, b_refs


def corner_words(layer: Conv, i: int, j: int, H: int, W: int) -> str:
    """Where the window of output (i, j) starts in the input, (S·i − P, S·j − P) in numbers,
    when the stride spreads the windows out or this window hangs over the padding; else ''."""
    St, P, F = layer.stride, layer.padding, layer.kernel
    r, c = St * i - P, St * j - P
    if St == 1 and 0 <= r and 0 <= c and r + F <= H and c + F <= W:
        return ""
    return (f"      window from (S·i − P, S·j − P) = ({St}·{i} − {P}, {St}·{j} − {P}) = ({r}, {c})"
            .replace("-", "−"))


def colour_input(trace, x_name: str) -> bool:
    """Is tensor x_name the colour picture itself (its channels are red, green and blue)?"""
    return x_name == "input" and trace.format.colour


def previous_conv(trace, layer: Conv) -> str | None:
    convs = trace.arch.of_type(Conv)
    i = convs.index(layer)
    return convs[i - 1].name if i else None


def shape_step(trace, layer: Conv, x_name: str, k: int) -> Step:
    name, Name = layer.name, layer.name.capitalize()
    C, H, W = trace.outputs[x_name].shape[1:]
    K, OH, OW = trace.outputs[name].shape[1:]
    F, St, P = layer.kernel, layer.stride, layer.padding
    w_name = f"{name}_w"
    names = channel_letters(trace, x_name, C)
    if C == 1:
        title = f"{Name}: {K} filters, and the size of what comes out"
        what = (f"{Name} slides {K} small filters of {F}×{F} weights over {'the image' if x_name == 'input' else x_name}. "
                f"A filter is as deep as its input has channels: 1 here, so each is 1×{F}×{F}.")
    elif colour_input(trace, x_name):
        title = f"{Name}: {K} filters, each {C} channels deep"
        what = (f"{Name} slides {K} small filters over the picture. A filter is as deep as its input has channels: "
                f"{C} here (red, green, blue), so each is {C}×{F}×{F}, one {F}×{F} slice per colour.")
    else:
        title = f"{Name}: {K} filters, each {C} channels deep"
        what = (f"{Name}'s input has {C} channels (the {C} maps of {x_name}), so each of its {K} filters is "
                f"{C}×{F}×{F}: one {F}×{F} slice per input channel.")
    zeros = f"{P} zero{'s' if P > 1 else ''}"
    if P and St == 1 and OH == H:
        what += f" Padding adds a border of {zeros} so the output keeps the input's size."
    elif P:
        what += f" Padding adds a border of {zeros} around the input."
    elif OH < H:
        what += " No padding this time, so the maps shrink." if previous_conv(trace, layer) else \
            " No padding, so the maps shrink."
    if St > 1:
        what += f" Stride {St}: the filter jumps {St} pixels at a time, so the output is about 1/{St} as wide."
    lines = (text("output size = (H − F + 2·P) / S + 1     (input H, filter F, padding P, stride S)"),
             text("= (", shape(trace, x_name, 2), " − ", setting(layer, "kernel"), " + 2·", setting(layer, "padding"),
                  ") / ", setting(layer, "stride"), " + 1 = ", shape(trace, name, 2), *floor_note(H - F + 2 * P, St)))
    if C == 1:
        panels = (heat(f"{'input' if x_name == 'input' else x_name} (1 channel)", trace, x_name, (0, 0, S, S), pad=P),
                  heat(f"the {K} filters, 1×{F}×{F} each", trace, w_name, (S, 0, S, S), focus=k,
                       names=tuple(f"{i}" for i in range(K))))
    else:
        panels = (heat(f"input: {x_name}, {C} channels" + (" (padded)" if P else ""), trace, x_name, (0, S, S, S),
                       pad=P, names=names),
                  heat(f"filter {k}: {C} slices of {F}×{F}", trace, w_name, (k, S, S, S), names=names))
    return Step(name, "forward", "conv-shape", title, layer=name, caption=text(what), lines=lines, panels=panels)


def interior(layer: Conv, out_shape: tuple, in_shape: tuple) -> np.ndarray:
    """[OH,OW] bool: output positions whose window lies wholly inside the input (no padding)."""
    F, St, P = layer.kernel, layer.stride, layer.padding
    rows = np.arange(out_shape[0]) * St - P
    cols = np.arange(out_shape[1]) * St - P
    return (((rows >= 0) & (rows + F <= in_shape[0]))[:, None]) & (((cols >= 0) & (cols + F <= in_shape[1]))[None, :])


BEST = "Here the filter matches the image best"
SPARE = "Another position, the same recipe."


def window_positions(trace, layer: Conv, k: int) -> list[tuple[tuple[int, int], str]]:
    """Three output positions of map k, each with why it is shown: the corner over the padding
    (when there is padding), the best match, the opposite; spares keep the count at three.
    The best match and the opposite are looked for among the windows wholly inside the input
    (a typical window, not one half made of padding), unless there are none."""
    out = trace.outputs[layer.name][0, k]
    OH, OW = out.shape
    inside = interior(layer, out.shape, trace.arch.input_shape_of(layer)[1:])
    if not inside.any():
        inside = np.ones_like(inside)
    notes = {}
    if layer.padding:
        notes[(0, 0)] = "At the top-left corner the window hangs over the zero padding: those inputs are 0."
    where = " (of the windows wholly inside the image)" if not inside.all() else ""
    notes.setdefault(argmax2(np.where(inside, out, -np.inf)), f"{BEST}: the largest value of this map{where}.")
    notes.setdefault(argmin2(np.where(inside, out, np.inf)),
                     f"Here the pattern is the opposite of the filter: the most negative value{where}.")
    for spare in ((OH // 2, OW // 2), (OH - 1, OW - 1), (max(OH // 2 - 1, 0), max(OW // 2 - 1, 0)), (0, 0)):
        if len(notes) < 3:
            notes.setdefault(spare, SPARE)
    return sorted(notes.items())


def window_step(trace, layer: Conv, x_name: str, k: int, pos, note) -> Step:
    """One output pixel of a one-channel convolution, written out as F·F products."""
    i, j = pos
    name, F, St, P = layer.name, layer.kernel, layer.stride, layer.padding
    OW = trace.outputs[name].shape[3]
    a_refs, b_refs = window_refs(trace, layer, x_name, k, 0, i, j)
    ar = dot(trace, a_refs, b_refs, bias=num(trace, f"{name}_b", (k,)), result=num(trace, name, (0, k, i, j)))
    n = F * F
    src = "input x" if x_name == "input" else f"{x_name} map 0"
    return Step(name, "forward", "conv-window", f"{name.capitalize()}, filter {k}: one output pixel at ({i}, {j})",
                layer=name, arith=ar,
                caption=text(note, f" Multiply the {n} inputs under the window by the {n} weights, add them "
                             "up, add the bias: that is one pixel of the output map."),
                lines=(text(f"Σ {n} products = ", ar.total_num(), "   + bias ", ar.bias, "   = ", ar.result,
                            corner_words(layer, i, j, *trace.outputs[x_name].shape[2:])),),
                panels=(heat(src + (" (padded)" if P else ""), trace, x_name, (0, 0, S, S), pad=P,
                             box=(i * St - P, j * St - P, F, F)),
                        *term_grids(trace, ar, (F, F), ("x under the window", f"weights w of filter {k}", "x × w")),
                        heat(f"output map {k}", trace, name, (0, k, S, S), reveal=i * OW + j + 1,
                             marks=((i, j),))))


def colour_parts(trace, layer: Conv, k: int, pos) -> list:
    """Output pos of filter k on the colour picture, one dot product per channel (R, G, B)."""
    C = trace.outputs["input"].shape[1]
    return [dot(trace, *window_refs(trace, layer, "input", k, c, *pos)) for c in range(C)]


def product_scale(parts) -> dict:
    """One colour scale for the products of every channel of a pixel (limit, one_sided)."""
    values = np.array([t.value for part in parts for t in part.terms])
    return {"limit": limit_of(values), "one_sided": bool((values >= 0).all())}


def colour_channel_step(trace, layer: Conv, k: int, pos, note: str, c: int) -> Step:
    """One colour channel's share of an output pixel: the window's inputs of that channel times
    that channel's slice of the filter, F·F products, summed."""
    i, j = pos
    name, F, St, P = layer.name, layer.kernel, layer.stride, layer.padding
    C = trace.outputs["input"].shape[1]
    parts = colour_parts(trace, layer, k, pos)
    one = parts[c]
    n, colour, letter = F * F, COLOURS[c], channel_letters(trace, "input", C)[c]
    x, w, products = term_grids(trace, one, (F, F), (f"x, {letter}, under the window", f"slice {letter} of filter {k}",
                                                     "x × w"))
    products = replace(products, **product_scale(parts))          # the sum step's scale: the same colours there
    lead = {0: (f"{note} A pixel of a colour picture is {C} numbers, so filter {k} is {C}×{F}×{F}: a {F}×{F} "
                f"slice for each colour. The red channel first: its {n} inputs under the window times slice R, "
                f"{n} products, summed."),
            C - 1: (f"Last, the {colour} channel: its {n} inputs times slice {letter}, summed. The next step adds "
                    f"the {C} sums.")}
    return Step(name, "forward", "conv-window", f"{name.capitalize()}, filter {k} at ({i}, {j}): the {colour} channel",
                layer=name, arith=one,
                caption=text(lead.get(c, f"The {colour} channel the same way: its {n} inputs times slice {letter}, "
                                         "summed.")),
                lines=(text(f"{letter}: Σ {n} products = ", one.total_num(),
                            corner_words(layer, i, j, *trace.outputs["input"].shape[2:])),),
                panels=(heat(f"x, {colour} channel" + (" (padded)" if P else ""), trace, "input", (0, c, S, S), pad=P,
                             box=(i * St - P, j * St - P, F, F)),
                        x, w, products,
                        heat(f"filter {k}: {C}×{F}×{F}", trace, f"{name}_w", (k, S, S, S), focus=c,
                             names=channel_letters(trace, "input", C))))


def colour_sum_step(trace, layer: Conv, k: int, pos, note: str, detailed: bool) -> Step:
    """One output pixel of a convolution of the colour picture: Σ over channels, rows and
    columns, written per channel (R … + G … + B …), with every channel's products as a grid."""
    i, j = pos
    name, F, St, P = layer.name, layer.kernel, layer.stride, layer.padding
    C = trace.outputs["input"].shape[1]
    letters = channel_letters(trace, "input", C)
    parts = colour_parts(trace, layer, k, pos)
    total = combine(parts, num(trace, f"{name}_b", (k,)), num(trace, name, (0, k, i, j)))
    n = F * F
    per_channel = [bit for c in range(C) for bit in ((" + " if c else "") + f"{letters[c]} ", *signed(total.part_num(c)))]
    products = (f"Σ over the {C} channels, {F} rows and {F} columns: {C}·{F}·{F} = {C * n} products, each "
                f"channel's {n} in its own grid")
    words = (f"The {C} channel sums add up, with the bias, to one pixel of the output map. {products}." if detailed
             else f"{note} The same recipe: {products}, summed channel by channel; the {C} sums plus the bias "
                  "are one pixel of the output map.")
    products = [Panel(f"{letters[c]}: x × w", np.array([t.value for t in part.terms]).reshape(F, F), "terms", (c,),
                      style="numbers", **product_scale(parts)) for c, part in enumerate(parts)]
    return Step(name, "forward", "conv-sum", f"{name.capitalize()}, filter {k}: one output pixel at ({i}, {j})",
                layer=name, arith=total, caption=text(words),
                lines=(text(f"Σ {C}·{F}·{F} = ", *per_channel),
                       text("= ", total.total_num(), "   + bias ", *signed(total.bias), " = ", total.result,
                            corner_words(layer, i, j, *trace.outputs["input"].shape[2:]))),
                panels=(Panel("the picture" + (" (padded)" if P else ""), trace.tensor("pixels"), "pixels", (S, S, S),
                              style="rgb", pad=P, box=(i * St - P, j * St - P, F, F)),
                        *products,
                        heat(f"output map {k}", trace, name, (0, k, S, S), marks=((i, j),))))


def colour_window_steps(trace, layer: Conv, k: int) -> list[Step]:
    """Output pixels of a convolution of the colour picture: first the best match, each channel
    written out (R, G, B), then their sum; then the corner over the padding (if any) and the
    opposite of the filter, the sum alone. (The output map is drawn whole, the pixel marked:
    the positions are not in reading order.)"""
    C = trace.outputs["input"].shape[1]
    positions = [(pos, note) for pos, note in window_positions(trace, layer, k) if note != SPARE]
    positions.sort(key=lambda pn: not pn[1].startswith(BEST))
    steps = []
    for pos, note in positions:
        detailed = note.startswith(BEST)
        if detailed:
            steps += [colour_channel_step(trace, layer, k, pos, note, c) for c in range(C)]
        steps.append(colour_sum_step(trace, layer, k, pos, note, detailed))
    return steps


def channel_steps(trace, layer: Conv, x_name: str, k: int) -> list[Step]:
    """One output value of a many-channel convolution: one channel written out, then the sum
    of every channel's dot product and the bias."""
    name, F, St, P = layer.name, layer.kernel, layer.stride, layer.padding
    C = trace.outputs[x_name].shape[1]
    OW = trace.outputs[name].shape[3]
    names = tuple(f"{c}" for c in range(C))
    i, j = argmax2(trace.outputs[name][0, k])
    parts = [dot(trace, *window_refs(trace, layer, x_name, k, c, i, j)) for c in range(C)]
    total = combine(parts, num(trace, f"{name}_b", (k,)), num(trace, name, (0, k, i, j)))
    c = int(np.argmax([abs(p.total) for p in parts]))
    one, n, Name = parts[c], F * F, name.capitalize()
    box = (i * St - P, j * St - P, F, F)
    s1 = Step(name, "forward", "conv-window", f"{Name}, filter {k} at ({i}, {j}): channel {c} of {C}",
              layer=name, arith=one,
              caption=text(f"One output value needs all {C} channels. Channel {c} first: the {F}×{F} window of "
                           f"{x_name} map {c} times slice {c} of filter {k}, {n} products, summed."),
              lines=(text(f"channel {c}: Σ {n} products = ", one.total_num(),
                          corner_words(layer, i, j, *trace.outputs[x_name].shape[2:])),),
              panels=(heat(f"{x_name} map {c}" + (" (padded)" if P else ""), trace, x_name, (0, c, S, S),
                           pad=P, box=box),
                      *term_grids(trace, one, (F, F), (f"x: {x_name} map {c}", f"w: filter {k}, slice {c}", "x × w"))))
    partial = [total.part_num(ch) for ch in range(C)]
    lines = labelled_sum("Σ over channels", "c", partial,
                         ("= ", total.total_num(), " + bias ", *signed(total.bias), " = ", total.result),
                         MAX_PARTS, 3 if C <= 6 else 4)
    before = previous_conv(trace, layer)
    s2 = Step(name, "forward", "conv-sum", f"{Name}, filter {k} at ({i}, {j}): the sum over {C} channels",
              layer=name, arith=total,
              caption=text(f"The same is done for every channel; the {C} sums plus one bias are one output "
                           f"value. A {name} filter combines the patterns that "
                           + (f"{before} found." if before else "its input holds.")),
              lines=tuple(lines),
              panels=(heat(f"{x_name}: {C} channels, same window", trace, x_name, (0, S, S, S), pad=P, box=box,
                           focus=c, names=names),
                      heat(f"filter {k}: {C} slices", trace, f"{name}_w", (k, S, S, S), focus=c, names=names),
                      heat(f"{name} map {k}", trace, name, (0, k, S, S), marks=((i, j),), reveal=i * OW + j + 1)))
    return [s1, s2]


def maps_step(trace, layer: Conv, x_name: str, k: int) -> Step:
    name, Name = layer.name, layer.name.capitalize()
    C = trace.outputs[x_name].shape[1]
    K, OH, OW = trace.outputs[name].shape[1:]
    out = trace.outputs[name][0, k]
    lo, hi = argmin2(out), argmax2(out)
    stack = heat(f"{name}: {K} feature maps, {OH}×{OW}", trace, name, (0, S, S, S), focus=k,
                 names=tuple(f"{m}" for m in range(K)))
    if C == 1:
        title = f"{Name}: every position, every filter"
        what = (f"Doing that at all {OH}×{OW} positions gives one feature map per filter: {K} maps. Orange is "
                "positive, blue negative. Each map lights up where its filter's pattern appears.")
        panels = (heat("input" if x_name == "input" else x_name, trace, x_name, (0, 0, S, S)), stack)
    elif colour_input(trace, x_name):
        title = f"{Name}: every position, every filter"
        what = (f"Doing that at all {OH}×{OW} positions gives one feature map per filter: {K} maps. Orange is "
                "positive, blue negative. Each map lights up where its filter's pattern of colours appears.")
        panels = (Panel("the picture", trace.tensor("pixels"), "pixels", (S, S, S), style="rgb"), stack)
    else:
        title = f"{Name}: {K} feature maps of {OH}×{OW}"
        before = previous_conv(trace, layer)
        what = (f"All positions and all {K} filters: {K} maps of {OH}×{OW}. Each one responds to a "
                f"combination of the {'simpler ' + before if before else 'input'} patterns.")
        panels = (stack,)
    return Step(name, "forward", "maps", title, layer=name, caption=text(what),
                lines=(text(f"map {k}: smallest ", num(trace, name, (0, k) + lo), f" at {lo}, largest ",
                            num(trace, name, (0, k) + hi), f" at {hi}"),),
                panels=panels)


def conv_steps(trace, layer: Conv, x_name: str, k: int) -> list[Step]:
    """Every forward step of one convolution layer, its filter k in focus."""
    steps = [shape_step(trace, layer, x_name, k)]
    if colour_input(trace, x_name):
        steps += colour_window_steps(trace, layer, k)
    elif trace.outputs[x_name].shape[1] == 1:
        steps += [window_step(trace, layer, x_name, k, pos, note) for pos, note in window_positions(trace, layer, k)]
    else:
        steps += channel_steps(trace, layer, x_name, k)
    return steps + [maps_step(trace, layer, x_name, k)]
