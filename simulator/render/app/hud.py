"""The top bar (title and the run's numbers: step, epoch, images/s, FPS, learning rate, batch
size, speed, state) and the short messages ("screenshot saved …") that fade out."""
from __future__ import annotations

import pygame

from .layers import describe
from .widgets import CHECK, Sizes, Text, fmt

STATE_LABELS = {"running": "TRAINING", "paused": "PAUSED", "diverged": "DIVERGED"}


FPS_CAP = 60


class Hud:
    name = "hud"

    def __init__(self, theme, text: Text):
        self.theme, self.text = theme, text
        self.rect = pygame.Rect(0, 0, 10, 10)
        self.sizes = Sizes.for_window((1280, 800), theme)
        self.surface: pygame.Surface | None = None
        self._key = None

    def layout(self, rect: pygame.Rect, sizes: Sizes) -> None:
        self.rect, self.sizes = rect, sizes
        self.surface = pygame.Surface(rect.size)
        self._key = None

    def update(self, snap, fps: float, shown_step: int | None = None, held: bool = False) -> bool:
        """shown_step: presenter mode's picture is of that step's network (None: live); held:
        the presenter is paused on one product."""
        """Redraw when a shown value changes (FPS is rounded, so this is a few times a second);
        True when it did."""
        if snap is None:
            return False
        model = describe(snap.arch)
        # most important first: a narrow window drops from the end
        stats = [("step", f"{snap.step:,}"), ("epoch", f"{snap.epoch + 1} ({snap.epoch_progress:.0%})"),
                 ("training images/s", f"{snap.images_per_sec:,.0f}"), ("lr", f"{fmt(snap.lr, sig=2)} (peak {fmt(snap.lr_peak, sig=2)})"
                                                                  if snap.schedule != "constant" else fmt(snap.lr, sig=2)),
                 ("speed", snap.speed), ("batch", f"{snap.batch_size}"),
                 ("FPS", f"{min(fps, FPS_CAP):.0f}")]
        key = (tuple(stats), snap.status, model, shown_step, held)
        if key == self._key:
            return False
        self._key = key
        with CHECK.scope(self.name, self.rect, self.rect.topleft):
            self._draw_surface(snap, stats, model, shown_step, held)
        return True

    def _draw_surface(self, snap, stats, models, shown_step, held: bool) -> None:
        th, tx, sz = self.theme, self.text, self.sizes
        surf = self.surface
        surf.fill(th.panel)
        pygame.draw.line(surf, th.panel_border, (0, self.rect.h - 1), (self.rect.w, self.rect.h - 1))
        cy = self.rect.h // 2
        pad = sz.px(10)
        colour = {"running": th.good, "paused": th.accent, "diverged": th.bad}[snap.status]
        label = STATE_LABELS[snap.status]
        if shown_step is not None:       # the picture is of an older network than the one training
            labels = (f"PRESENTER{' · HELD' if held else ''} · picture of step {shown_step:,}",
                      f"PRESENTER · step {shown_step:,}", "PRESENTER")
            label = next(s for s in labels if tx.width(s, sz.small, "bold") <= self.rect.w // 3) \
                if tx.width(labels[-1], sz.small, "bold") <= self.rect.w // 3 else labels[-1]
        w = tx.width(label, sz.small, "bold") + 2 * pad
        ph = tx.height(sz.small, "bold") + sz.px(6)
        pill = pygame.Rect(self.rect.w - w - pad, cy - ph // 2, w, ph)
        pygame.draw.rect(surf, colour, pill, border_radius=ph // 2)
        tx.draw(surf, label, pill.center, sz.small, th.background, "bold", anchor="center")
        r = tx.draw(surf, "CNN Simulator", (pad, cy), sz.title, th.text, "bold", anchor="midleft")
        gap = sz.px(14)

        def need(items):
            return sum(tx.width(k, sz.small) + 5 + tx.width(v, sz.body, "bold") for k, v in items) + gap * (len(items) - 1)

        x_model = r.right + gap
        model = next((m for m in models if need(stats) + tx.width(m, sz.small) + gap <= pill.x - gap - x_model),
                     models[-1])
        show_model = need(stats) + tx.width(model, sz.small) + gap <= pill.x - gap - x_model
        x = x_model + (tx.width(model, sz.small) + gap if show_model else 0)
        while len(stats) > 2 and need(stats) > pill.x - gap - x:
            stats = stats[:-1]
        if show_model:
            tx.draw(surf, model, (x_model, cy), sz.small, th.muted, anchor="midleft")
        widths = [tx.width(k, sz.small) + 5 + tx.width(v, sz.body, "bold") for k, v in stats]
        spacing = max(gap, (pill.x - gap - x - sum(widths)) // max(1, len(stats) - 1))
        for (k, v), wdt in zip(stats, widths):
            kr = tx.draw(surf, k, (x, cy), sz.small, th.muted, anchor="midleft")
            tx.draw(surf, v, (kr.right + 5, cy), sz.body, th.text, "bold", anchor="midleft")
            x += wdt + spacing

    def draw(self, target: pygame.Surface) -> None:
        if self.surface is not None and self._key is not None:
            target.blit(self.surface, self.rect)


class Toast:
    """One short message at the bottom of the window, fading after a few seconds."""

    def __init__(self, theme, text: Text, seconds: float = 3.0):
        self.theme, self.text, self.seconds = theme, text, seconds
        self.sizes = Sizes.for_window((1280, 800), theme)
        self.message, self.until = "", 0.0

    def show(self, message: str, now: float) -> None:
        self.message, self.until = message, now + self.seconds

    def visible(self, now: float) -> bool:
        return bool(self.message) and now <= self.until

    def draw(self, target: pygame.Surface, now: float, bottom: int) -> None:
        if not self.message or now > self.until:
            return
        img = self.text.surface(self.message, self.sizes.body, self.theme.text)
        box = img.get_rect(midbottom=(target.get_width() // 2, bottom)).inflate(24, 12)
        pygame.draw.rect(target, self.theme.panel, box, border_radius=8)
        pygame.draw.rect(target, self.theme.accent, box, 1, border_radius=8)
        rect = target.blit(img, img.get_rect(center=box.center))
        with CHECK.scope("toast", target.get_rect(), layer=2):
            CHECK.record(rect, self.message, self.sizes.body)

