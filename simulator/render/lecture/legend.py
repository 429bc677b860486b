"""What the symbols on a step mean, in words a first-year student can follow.

    step_key(step)  [(symbol, words)]: what this step shows, most important first (the key
                    under its caption keeps as many as fit)
    KEYS, SYMBOLS   every key and every symbol, for the H overlay (of a digit network;
                    keys_for(step), symbols_for(step) word them for the step's data)

The key is read from the step's own strings (its title, caption, arithmetic, panel labels and
table cells): an index such as conv1_w[3, 0, 2, 1] is explained with its own numbers, a tensor
name such as act2 with the stage of the strip that makes it.
"""
from __future__ import annotations

import re

from ...engine.lecture.step import Table
from ...numbers import grid_format, ten_to
from .boxes import NUMBER_STYLES, has_colour_bar, panel_labels

KEYS = (("→ space", "next step"), ("←", "back"), ("PgUp PgDn", "a layer back / on"), ("Home End", "first / last"),
        ("Z", "zoom the figure (or double click a panel)"), ("H", "this help"), ("A", "autoplay; + − its pace"),
        ("0–9", "the filter shown"), ("N", "another test digit"), ("D", "draw a digit"), ("T", "theme"),
        ("Esc", "quit"))

# a network for other data: N takes another test picture; D only says the pad is for digits
PICTURE_KEYS = tuple(("N", "another test picture") if k == "N" else ("D", "draw (digit networks only)") if k == "D"
                     else (k, what) for k, what in KEYS)

SYMBOLS = (
    ("∂L/∂y", "how much the loss L changes when y changes a little: y a layer's output, x its input, "
              "W its weights; ∂pool1 is short for ∂L/∂pool1"),
    ("logits", "the last layer's 10 outputs z, one score per digit, before softmax"),
    ("act1, pool1", "the outputs of the 1st activation (relu in the strip), of the 1st pooling; act2 the 2nd …"),
    ("(19, 14)", "row 19, column 14: indices count from 0, (0, 0) is the top-left cell"),
    ("conv1_w[3, 0, 2, 1]", "a conv weight: [filter, input channel, row, column], each from 0"),
    ("×10⁻³", "beside a grid: its numbers are in units of 0.001"),
    ("12–18", "from 12 to 18, both included"),
    ("colour bar", "under a map: its colour scale, orange +, blue −, grey 0; the same in every step"),
    ("hatched", "zero padding around a map;  blank cells: not computed yet"),
    ("Σᵢⱼ", "the sum over every i and j;  · and × multiply;  xᵀ: x transposed"),
    ("[x > 0]", "1 where x > 0, else 0"),
    ("strip", "the network's stages; the current one boxed, … where more are left out"),
)



def keys_for(step) -> tuple:
    return KEYS if step.per == "digit" else PICTURE_KEYS


def symbols_for(step) -> tuple:
    """SYMBOLS worded for the step's data: one score per digit, or per class."""
    return tuple((s, w.replace("per digit", f"per {step.per}")) for s, w in SYMBOLS)


ORDINAL = {1: "1st", 2: "2nd", 3: "3rd"}
LETTERS = {"y": "the layer's output", "x": "its input", "W": "its weights", "b": "its biases", "z": "the scores",
           "Y": "the conv's output", "X": "its input", "θ": "a weight or bias"}


def step_strings(step) -> list[str]:
    """Every string a step shows: title, caption, arithmetic, panel labels, table cells."""
    out = [step.title, step.caption.text, *(t.text for t in step.lines)]
    for p in step.panels:
        if isinstance(p, Table):
            out += list(p.header) + [c.text for row in p.rows for c in row]
        else:
            out.append(panel_labels(p)[0])
            out += list(p.names) if p.style != "bars" else []
    return out


def unit_of(exponent: int) -> str:
    """10^exponent written out: 0.001 for −3."""
    return "0." + "0" * (-exponent - 1) + "1" if exponent < 0 else "1" + "0" * exponent


def stage_words(step, name: str) -> str | None:
    """act2 → "conv2's relu output": the stage of the strip that makes tensor `name`."""
    keys = [k for k, _ in step.stages]
    if name not in keys:
        return None
    i = keys.index(name)
    label = step.stages[i][1]
    maker = next((k for k, _ in reversed(step.stages[:i]) if re.fullmatch(r"(conv|fc)\d+", k)), None)
    if name == "flat":
        return "the flatten's output: every map laid end to end in one row"
    n = int(re.sub(r"\D", "", name))
    what = "activation" if name.startswith("act") else "pooling"
    return (f"the {ORDINAL.get(n, f'{n}th')} {what}'s output ({label}" + (f" after {maker}" if maker else "")
            + " in the strip)")


def step_key(step) -> list[tuple[str, str]]:
    """(symbol, words) for what this step shows, most important first."""
    strings = step_strings(step)
    joined = "\n".join(strings)
    out: list[tuple[str, str]] = []
    panels = [p for p in step.panels if not isinstance(p, Table)]
    exps = sorted({grid_format(p.array)[1] for p in panels if p.style in NUMBER_STYLES} - {0})
    for e in exps:
        out.append((ten_to(e), f"beside a grid: its numbers are in units of {unit_of(e)}"))
    m = re.search(r"([\w∂/]+)\[(\d+), (\d+), (\d+), (\d+)\]", joined)
    if m:
        out.append((m.group(0), f"filter {m[2]}, input channel {m[3]}, row {m[4]}, column {m[5]}; "
                                "each counted from 0"))
    m3 = re.search(r"([\w∂/]+)\[(\d+), (\d+), (\d+)\]", joined)
    if m3 and not m:
        out.append((m3.group(0), f"map {m3[2]}, row {m3[3]}, column {m3[4]}; each counted from 0"))
    m2 = re.search(r"(W|\w+_w)\[(\d+), (\d+)\]", joined)
    if m2 and not m and not m3:
        out.append((m2.group(0), f"row {m2[2]} (input {m2[2]}), column {m2[3]} (output {m2[3]}); from 0"))
    grads = list(dict.fromkeys(re.findall(r"∂L/∂([a-zA-Zθ])(?!\w)", joined)))
    if grads:
        grads.sort(key=lambda g: g != "y")            # y first: ∂L/∂y is what flows back
        sym = f"∂L/∂{grads[0]}"
        which = ", ".join(f"{g}: {LETTERS[g]}" for g in grads if g in LETTERS)
        short = re.search(r"(?<![/\w])∂(?!L)([a-z]\w*)", joined)
        out.append((sym, "how much the loss L changes when " + grads[0] + " changes a little"
                    + (f" ({which})" if which else "")
                    + (f"; ∂{short[1]} is short for ∂L/∂{short[1]}" if short else "")))
    if re.search(r"\blogits\b", joined):
        last = next((k for k, _ in reversed(step.stages) if re.fullmatch(r"fc\d+", k)), "the last layer")
        out.append(("logits", f"{last}'s outputs z, one score per {step.per}, before softmax"))
    named = "\n".join(s for s in strings if s != step.caption.text)     # prose says "flat" in other senses
    for name in dict.fromkeys(re.findall(r"(?<![\w])∂?((?:act|pool)\d+|flat)\b", named)):
        words = stage_words(step, name)
        if words:
            out.append((name, words))
    pos = re.search(r"\((\d+), (\d+)\)", step.title + "\n" + step.caption.text)
    if pos:
        out.append((pos.group(0), f"row {pos[1]}, column {pos[2]}, counted from 0 at the top left"))
    rng = re.search(r"(\d+)–(\d+)", joined)
    if rng:
        out.append((rng.group(0), f"from {rng[1]} to {rng[2]}, both included"))
    if "one-hot" in joined:
        out.append(("one-hot y", f"1 for the label's {step.per}, 0 for the others"))
    if "[x > 0]" in joined:
        out.append(("[x > 0]", "1 where x > 0, else 0"))
    if any(p.pad for p in panels):
        out.append(("hatched", "zero padding around the map"))
    if any(p.reveal is not None and p.reveal < p.array.size for p in panels):
        out.append(("blank cells", "not computed yet"))
    sums = re.search(r"Σ([ᵢⱼ]+)", joined)
    if sums:
        letters = ", ".join({"ᵢ": "i", "ⱼ": "j"}[c] for c in sums[1])
        out.append((sums.group(0), f"the sum over every {letters}"))
    if "ᵀ" in joined:
        out.append(("ᵀ", "transposed: rows and columns swapped"))
    if any(has_colour_bar(p) for p in panels):
        out.append(("colour bar", "a map's scale: ± its tensor's largest |value|, the same in every step"))
    return out
