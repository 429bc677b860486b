"""curves.png for a headless run: training loss and accuracy against step, drawn with Pillow."""
from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from . import paths
from .engine.checkpoint import atomic_write

FONT_PATH = paths.FONT
WIDTH, HEIGHT, MARGIN = 1000, 420, 60
LOSS_COLOUR, TRAIN_COLOUR, TEST_COLOUR = (214, 69, 65), (52, 120, 198), (40, 160, 90)


def _floats(rows, key):
    return [(float(r["step"]), float(r[key])) for r in rows if r.get(key) not in ("", None)]


def _panel(draw, font, box, title, series, y_range=None):
    """One chart in box=(x0,y0,x1,y1): axes, 5 ticks per axis, each series a polyline."""
    x0, y0, x1, y1 = box
    draw.rectangle(box, outline=(90, 90, 90))
    draw.text((x0, y0 - 22), title, fill=(20, 20, 20), font=font)
    points = [p for _, _, pts in series for p in pts]
    if not points:
        draw.text((x0 + 10, y0 + 10), "no data yet", fill=(120, 120, 120), font=font)
        return
    xmin, xmax = min(p[0] for p in points), max(p[0] for p in points)
    ymin, ymax = y_range or (min(p[1] for p in points), max(p[1] for p in points))
    xmax, ymax = max(xmax, xmin + 1), max(ymax, ymin + 1e-6)
    sx = lambda x: x0 + (x - xmin) / (xmax - xmin) * (x1 - x0)
    sy = lambda y: y1 - (y - ymin) / (ymax - ymin) * (y1 - y0)
    for i in range(5):
        yv = ymin + (ymax - ymin) * i / 4
        draw.line([(x0 - 4, sy(yv)), (x0, sy(yv))], fill=(90, 90, 90))
        draw.text((x0 - 52, sy(yv) - 7), f"{yv:.3g}", fill=(60, 60, 60), font=font)
        xv = xmin + (xmax - xmin) * i / 4
        draw.text((sx(xv) - 12, y1 + 4), f"{xv:.0f}", fill=(60, 60, 60), font=font)
    legend_x = x0 + 8
    for label, colour, pts in series:
        if len(pts) == 1:
            x, y = sx(pts[0][0]), sy(pts[0][1])
            draw.ellipse([x - 3, y - 3, x + 3, y + 3], fill=colour)
        elif pts:
            draw.line([(sx(x), sy(y)) for x, y in pts], fill=colour, width=2)
        draw.text((legend_x, y0 + 6), label, fill=colour, font=font)
        legend_x += font.getlength(label) + 18


def render_curves(rows: list[dict]) -> Image.Image:
    image = Image.new("RGB", (WIDTH, HEIGHT), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT_PATH), 13)
    half = WIDTH // 2
    _panel(draw, font, (MARGIN, 40, half - 20, HEIGHT - 40), "training loss (per 50 steps)",
           [("loss", LOSS_COLOUR, _floats(rows, "loss"))])
    _panel(draw, font, (half + MARGIN, 40, WIDTH - 20, HEIGHT - 40), "accuracy",
           [("train", TRAIN_COLOUR, _floats(rows, "train_acc")),
            ("test", TEST_COLOUR, _floats(rows, "test_acc"))])
    draw.text((WIDTH // 2 - 20, HEIGHT - 20), "step", fill=(60, 60, 60), font=font)
    return image


def save_curves(path: Path, rows: list[dict]) -> None:
    buf = io.BytesIO()
    render_curves(rows).save(buf, format="PNG")
    atomic_write(path, lambda f: f.write(buf.getvalue()))
