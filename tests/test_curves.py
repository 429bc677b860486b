"""train's curves.png is drawn with the kit: every label inside its panel at the text floor of a
1280×800 window, the loss axis in decades down to whatever the run reached, the accuracy axis on
the range that moves, and a written file that is a PNG of the drawn picture."""
import math

import numpy as np
import pygame

from simulator.render import ui
from simulator.render.curves import SIZE, decade, render_curves, save_curves


def rows(losses, accs):
    return [{"step": 50 * i, "epoch": 0, "loss": loss, "train_acc": acc, "test_acc": acc if i % 4 == 0 else "",
             "images_per_sec": 1000} for i, (loss, acc) in enumerate(zip(losses, accs))]


def test_curves_are_drawn_with_the_kit_whatever_the_loss_reaches(tmp_path):
    n = 60
    losses = np.geomspace(2.3, 3e-6, n)                     # below 0.001: labels like 1×10⁻⁶
    accs = np.linspace(0.3, 0.995, n)
    ui.CHECK.enable(min_gap=ui.check.MIN_GAP, floor=14)
    try:
        surface = render_curves(rows(losses, accs))
        texts = [t for _, _, t in ui.CHECK.texts()]
        loss_panel = [t for panel, _, t in ui.CHECK.texts() if panel.startswith("Training loss")]
        assert ui.CHECK.violations(surface.get_rect()) == []
    finally:
        ui.CHECK.disable()
    assert surface.get_size() == SIZE
    low, high = math.floor(math.log10(losses.min())), math.ceil(math.log10(losses.max()))
    assert [decade(t) for t in range(low, high + 1)] == [t for t in loss_panel if t in {decade(k) for k in range(-9, 3)}]
    assert "1×10⁻⁶" in texts and "training step" in texts
    path = tmp_path / "curves.png"
    save_curves(path, rows(losses, accs))
    assert pygame.image.load(str(path)).get_size() == SIZE


def test_a_run_with_no_numbers_yet_says_so():
    ui.CHECK.enable(floor=14)
    try:
        render_curves([])
        assert "no data yet" in [t for _, _, t in ui.CHECK.texts()]
    finally:
        ui.CHECK.disable()
