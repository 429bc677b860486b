"""How every screen writes a number: the one formatter (no pygame, no NumPy math, so the
engine's lecture steps and every screen share it).

    fmt(0.5)            "0.500"      fixed decimals (digits=3)
    fmt(-0.0004)        "0.000"      never "−0.000"
    fmt(-2.5, 1)        "−2.5"       a real minus sign
    fmt(123456.0)       "1.23×10⁵"   huge values as ×10ⁿ
    fmt(0.01234, sig=4) "0.01234"    significant digits (the lecture), ×10⁻ⁿ below 0.001
    fmt(7, sig=4)       "7"          ints stay ints in sig mode
    fmt(nan)            "NaN"        (None too); ±inf → "∞", "−∞"

parse_number inverts it (tests read captions back with it). A grid of numbers is written
alike in every cell: grid_format picks (decimals, exponent), grid_text writes a cell, and
exponent_label is the " (×10⁻³)" its label then carries.
"""
from __future__ import annotations

import math

SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
_BACK = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")
NAN = "NaN"


def _ten(mantissa: str, exponent: int) -> str:
    return f"{mantissa}×10{str(exponent).translate(SUPERSCRIPT)}"


def _scientific(v: float, decimals: int) -> str:
    mantissa, exponent = f"{v:.{decimals}e}".split("e")
    return _ten(mantissa, int(exponent))


def fmt(v, digits: int = 3, sig: int | None = None) -> str:
    """A number as shown on screen (see the module docstring)."""
    if v is None:
        return NAN
    if sig is not None and isinstance(v, int) and not isinstance(v, bool):
        return str(v).replace("-", "−")
    if sig is not None and type(v).__module__ == "numpy" and "int" in type(v).__name__:
        return str(int(v)).replace("-", "−")
    v = float(v)
    if math.isnan(v):
        return NAN
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    if sig is not None:
        a = abs(v)
        if v == 0.0:
            s = "0"
        elif a >= 1000:
            s = f"{v:.1f}" if a < 1e5 else _scientific(v, sig - 2)
        elif a >= 0.001:
            s = f"{v:.{sig}g}"
            if "e" in s:
                s = f"{v:.{sig - 1}f}"
        else:
            s = _scientific(v, sig - 2)
        return s.replace("-", "−")
    if abs(v) >= 1e5:
        return _scientific(v, 2).replace("-", "−")
    text = f"{v:.{digits}f}"
    if text.lstrip("-").strip("0.") == "":
        text = text.lstrip("-")
    return text.replace("-", "−")


def fmt_cell(v: float, digits: int = 2) -> str:
    """fmt for a small grid cell: |v| ≥ 1000 as "1e8" (at most five characters)."""
    if v is not None and math.isfinite(v) and abs(v) >= 1000:
        text = f"{v:.0e}".replace("e+0", "e").replace("e+", "e").replace("e-0", "e-")
        return text.replace("-", "−")
    return fmt(v, digits)


def parse_number(token: str) -> float:
    """Inverse of fmt / fmt_cell for what they print ("NaN", "∞" and ×10ⁿ included)."""
    t = token.strip().replace("−", "-")
    if t == NAN:
        return float("nan")
    if t in ("∞", "-∞"):
        return float(t.replace("∞", "inf"))
    if "×10" in t:
        mantissa, exponent = t.split("×10")
        return float(mantissa) * 10.0 ** int(exponent.translate(_BACK))
    return float(t)


def power_of_ten(limit: float) -> int:
    """The exponent e so that values up to `limit` read as a few digits ×10^e (0 when ≥ 0.1)."""
    if not math.isfinite(limit) or limit <= 0 or limit >= 0.1:
        return 0
    return int(math.floor(math.log10(limit)))


def ten_to(e: int) -> str:
    """"×10⁻³" for e = −3."""
    return _ten("", e)


def _finite(values) -> list[float]:
    """The finite values of a number, a sequence or an array, as floats."""
    if hasattr(values, "ravel"):
        values = values.ravel().tolist()
    elif not isinstance(values, (list, tuple)):
        values = [values]
    out = []
    for v in values:
        if isinstance(v, (list, tuple)):
            out.extend(_finite(v))
        elif math.isfinite(float(v)):
            out.append(float(v))
    return out


def grid_format(values) -> tuple[int, int]:
    """(decimals, exponent) for writing every cell of a number grid the same way: values are
    shown as v / 10^exponent with `decimals` decimals, at most 4 characters before the sign.
    A grid whose largest |value| is under 0.01 is written in units of 10^exponent (the panel
    says "×10⁻³"), so no cell needs an 'e' and no cell of a 2-decimal grid reads 1e-2."""
    v = _finite(values)
    m = max((abs(x) for x in v), default=0.0)
    if v and all(x == round(x) for x in v) and m < 1000:
        return 0, 0
    if m == 0.0:
        return 0, 0
    exponent = 0
    if m < 0.01:
        exponent = math.floor(math.log10(m))
        m = m / 10.0 ** exponent
    decimals = 0 if m >= 100 else 1 if m >= 10 else 2
    return decimals, exponent


def grid_text(v: float, decimals: int, exponent: int) -> str:
    """One cell of a grid written with grid_format's choice; a cell that rounds to zero is '0'."""
    x = float(v) / 10.0 ** exponent
    s = f"{x:.{decimals}f}"
    if float(s) == 0.0:
        return "0"
    return s.replace("-", "−")


def exponent_label(exponent: int) -> str:
    """' (×10⁻³)' for a grid written in units of 10^exponent, '' otherwise."""
    return f" ({ten_to(exponent)})" if exponent else ""


def percent(p: float, digits: int = 1) -> str:
    """A probability as a percentage with `digits` decimals ("12.3%"); a p under 1 that would
    round to 100 is written "> 99.9%" (softmax never reaches 1, so "100.0%" would be false)."""
    text = fmt(100.0 * float(p), digits)
    if text == fmt(100.0, digits) and float(p) < 1.0:
        return "> " + fmt(100.0 - 10.0 ** -digits, digits) + "%"
    return text + "%"
