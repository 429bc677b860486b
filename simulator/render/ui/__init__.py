"""The kit every screen is built from: one window runner and scene contract, one text path
with one size rule, one number format, heat colours with their colour bars, hatching, and
the layout check.

    window.py   Window / run_window: the loop, resizing, F11, --size/--keys/--max-frames/
                --screenshot, the exit line; Scene: the contract every screen keeps (actions.py:
                what handle/update return); zoom.py: Z, a Zoomable over the whole window
    sizes.py    Sizes: text sizes from the window height and the theme's floor, figure units
    text.py     Text: every string drawn (cached, recorded by the check); wrap, paragraph,
                first_fitting / fit_size (say less, never smaller)
    heat.py     heat colouring (zero visible, one-sided after ReLU), colour_bar, hatch
    check.py    CHECK: texts outside their panel, overlapping, cut, or under the floor
    theme.py    colours and fonts; script.py the scripted flags; export.py PNG and GIF files

A screen uses it like this::

    from simulator.render import ui

    class MyScene(ui.Scene):
        def layout(self, size, sizes):            # sizes = ui.Sizes for this window and theme
            self.sizes = sizes
        def draw(self, surface):
            with ui.CHECK.scope("conv", panel_rect):  # texts below belong to this panel
                self.text.draw(surface, f"z = {ui.fmt(z)}", (x, y), self.sizes.body)
                surface.blit(ui.heat_tile(maps, limit, theme, scale, one_sided=True), pos)
                ui.colour_bar(surface, self.text, bar_rect, limit, theme, self.sizes.small, one_sided=True)

`fmt` (simulator.numbers) is the only number formatter: fixed decimals, `sig=` for significant
digits, "NaN", a real minus sign; `grid_format`/`grid_text` write a grid of numbers alike.
"""
from ...numbers import fmt, fmt_cell, fmt_percent, grid_format, grid_text, parse_number, power_of_ten, ten_to  # noqa: F401
from .check import CHECK, LayoutCheck  # noqa: F401
from .heat import (colour_bar, colour_bar_width, hatch, heat, heat_strip, heat_tile, is_dead, ramp,  # noqa: F401
                   scaled_index, scaled_span)
from .sizes import Sizes  # noqa: F401
from .text import (Text, as_runs, clip_text, first_fitting, fit_size, paragraph, paragraph_height,  # noqa: F401
                   wrap, wrap_runs)
from . import export, figures, script  # noqa: F401
from .actions import BACK, FULLSCREEN, QUIT, SCREENSHOT, Open, Replace  # noqa: F401
from .window import Scene, Window, WindowOptions, run_window  # noqa: F401
from .zoom import ZoomScene, Zoomable  # noqa: F401
