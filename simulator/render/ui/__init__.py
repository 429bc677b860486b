"""The UI kit every screen shares: text sized from the window, one number format, one
heat-map colouring with its colour bar, and the layout check.

A screen uses it like this::

    from simulator.render import ui

    sizes = ui.Sizes.for_window(surface.get_size(), theme)   # at layout time
    text = ui.Text(theme)                                     # one per screen, cached renders
    with ui.CHECK.scope("conv", panel_rect):                  # texts below belong to this panel
        text.draw(surface, f"z = {ui.fmt(z)}", (x, y), sizes.body)
        surface.blit(ui.heat_tile(maps, limit, theme, scale, one_sided=True), pos)
        ui.colour_bar(surface, text, bar_rect, limit, theme, sizes.small, one_sided=True)

- Sizes are pixels: `sizes.title/body/small` (small is the smallest size any number is
  drawn in: 14 px at 1280×800), `sizes.px(n)` for figures and gaps. Bigger windows and the
  projector theme make both text and figures bigger. When a text does not fit, say less
  (`first_fitting` over shorter wordings, or drop a panel); `clip_text` is a last resort and
  the layout check reports every cut.
- `fmt` (simulator.numbers) is the only number formatter: fixed decimals, `sig=` for
  significant digits, "NaN" for NaN, a real minus sign.
- `heat`/`heat_tile`/`heat_strip` colour values (zero in theme.zero, never the background);
  `one_sided=True` after ReLU. Every heat map gets a `colour_bar` (its bar alone: `ramp`); padding gets `hatch`.
- The layout check: a test calls `ui.CHECK.enable()` (`enable(min_gap=ui.check.MIN_GAP)`
  also flags texts 1-4 px apart side by side, which read as one), renders the screen, then asserts
  `ui.CHECK.violations(screen_rect) == []`: every text inside its panel's scope rect, no two
  texts overlapping (per layer), nothing cut with "…". Screens whose text goes through
  `Text.draw`/`Numbers.draw` are recorded automatically; other drawing code calls
  `ui.CHECK.record(rect_on_screen, text)` after blitting a text.
"""
from ...numbers import fmt, fmt_cell, parse_number, power_of_ten, ten_to  # noqa: F401
from .check import CHECK, LayoutCheck  # noqa: F401
from .heat import colour_bar, colour_bar_width, hatch, heat, heat_strip, heat_tile, is_dead, ramp  # noqa: F401
from .text import Numbers, Sizes, Text, clip_text, first_fitting, fit_size, wrap  # noqa: F401
