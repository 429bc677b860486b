"""How every screen writes a number: the one formatter (no pygame, no NumPy math, so the
engine's lecture steps and every screen share it).

    fmt(0.5)            "0.500"      fixed decimals (digits=3)
    fmt(-0.0004)        "0.000"      never "−0.000"
    fmt(-2.5, 1)        "−2.5"       a real minus sign
    fmt(123456.0)       "1.23×10⁵"   huge values as ×10ⁿ
    fmt(0.01234, sig=4) "0.01234"    significant digits (the lecture), ×10⁻ⁿ below 0.001
    fmt(7, sig=4)       "7"          ints stay ints in sig mode
    fmt(nan)            "NaN"        (None too); ±inf → "∞", "−∞"

parse_number inverts it (tests read captions back with it).
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
