"""The network3d lesson's space: where every neuron sits, how the camera projects them into a
view, and the z-buffer that draws them.

Model space: x runs along the network (one volume after the other), y down a map's rows, z
across its columns, mirrored (column k at z = −k) so that from the home view column 0 is on the
left, as in the digit's thumbnail. A dense layer is a grid with the same number of columns as
every other dense layer of the network, so its height is proportional to its neuron count."""
from __future__ import annotations

import math

import numpy as np
import pygame

from ...engine.lessons import network as net

SPACING, FIRST_SPACING = 8.0, 12.0   # model units between one volume's last slice and the next volume
DENSE_SPACING = 1.6             # model units between two neurons of a dense layer
INPUT_PLANES = 6.0              # model units between the planes of a colour input


def dense_columns(shown: net.View) -> int:
    """Columns of every dense layer's grid: the largest one square, the others as many columns,
    so a dense layer's height is proportional to its neuron count (120 → 11 rows, 84 → 8, 10 → 1)."""
    sizes = [C for _, (C, H, W) in shown.volumes if H == 1 and W == 1]
    return math.ceil(math.sqrt(max(sizes))) if sizes else 1


def layout(shown: net.View) -> dict[str, tuple[float, float, int]]:
    """{shown layer: (x of its first slice, gap between its slices, columns if drawn as a grid)}.
    A [C,H,W] volume is C slices of H×W neurons, thinner gaps for more channels (a 6-map layer
    2.6 units apart, a 16-map one 1.0; pooling 0.8 of that; a colour input's three planes
    INPUT_PLANES apart, so that each can be seen); a dense layer (or any [C,1,1]) is one
    slice of C neurons in a grid of dense_columns(shown) columns."""
    out, x = {}, 0.0
    cols = dense_columns(shown)
    for i, (name, (C, H, W)) in enumerate(shown.volumes):
        if i:
            x += FIRST_SPACING if i == 1 else SPACING
        if H == 1 and W == 1:
            out[name] = (x, 0.0, cols)
            continue
        gap = 0.0 if C == 1 else min(2.6, 16.0 / C) * (0.8 if shown.links.get(name, ("",))[0] == "pool" else 1.0)
        if i == 0 and C > 1:
            gap = INPUT_PLANES       # a colour input: its red, green and blue planes apart, each seen
        out[name] = (x, gap, 0)
        x += (C - 1) * gap
    return out


def neuron_positions(shown: net.View):
    """Model-space (x, y, z) of every shown neuron and its (layer index, c, r, k), layer by layer,
    channel-major (c, then row r, then column k). Column k sits at z = −k (centred): seen from
    the home view a map reads left to right like its picture."""
    xyz, ids = [], []
    places = layout(shown)
    for li, (name, (C, H, W)) in enumerate(shown.volumes):
        x0, gap, cols = places[name]
        if cols:                                     # dense: C neurons in rows of `cols`, row by row
            rows = math.ceil(C / cols)
            r, k = np.divmod(np.arange(C), cols)
            xyz.append(np.stack([np.full(C, x0), (r - rows / 2 + 0.5) * DENSE_SPACING,
                                 -(k - cols / 2 + 0.5) * DENSE_SPACING], 1))
            ids.append(np.stack([np.full(C, li), np.arange(C), np.zeros(C, int), np.zeros(C, int)], 1))
            continue
        c, r, k = (a.ravel() for a in np.meshgrid(np.arange(C), np.arange(H), np.arange(W), indexing="ij"))
        xyz.append(np.stack([x0 + c * gap, r - H / 2 + 0.5, -(k - W / 2 + 0.5)], 1))
        ids.append(np.stack([np.full(c.size, li), c, r, k], 1))
    return np.concatenate(xyz).astype(np.float64), np.concatenate(ids).astype(np.int64)


def project(p: np.ndarray, camera, view: pygame.Rect, captions, caption_h: int):
    """Screen x, y, depth and pixels per unit of the points p[N, 3] (centred model space) seen by
    camera = (yaw, pitch, distance), centred in view and shrunk until every point's square and
    every caption fits: captions = [(mask of its layer's points, width in pixels)], each drawn
    centred below or above its layer, caption_h tall."""
    yaw, pitch, distance = camera
    cy, sy, cp, sp = math.cos(yaw), math.sin(yaw), math.cos(pitch), math.sin(pitch)
    x = p[:, 0] * cy + p[:, 2] * sy
    z = -p[:, 0] * sy + p[:, 2] * cy
    y = p[:, 1] * cp - z * sp
    z = p[:, 1] * sp + z * cp
    depth = np.maximum(z + distance, 1.0)
    scale = 2.4 * view.height / depth               # long lens: gentle perspective
    sx, sy = x * scale, y * scale
    half = np.clip(scale * 0.85, 1, 24) / 2
    X, Y = sx - (sx.min() + sx.max()) / 2, sy - (sy.min() + sy.max()) / 2
    room_x, room_y = view.width / 2 - 6, view.height / 2 - 6
    fit = min(1.0, room_x / (float(np.abs(X).max() + half.max()) or 1.0),
              room_y / (float(np.abs(Y).max() + half.max()) or 1.0))
    line = caption_h + 8
    for mask, width in captions:
        xl, yl = abs(float(X[mask].mean())), float(np.abs(Y[mask]).max() + half[mask].max())
        if xl > 0:
            fit = min(fit, max(0.05, (room_x - width / 2) / xl))
        fit = min(fit, max(0.05, (room_y - line) / (yl or 1.0)))
    for _ in range(20):               # the squares' size is clipped, not proportional: check them as drawn
        drawn = np.clip(scale * fit * 0.85, 1, 24) / 2
        if (np.abs(X) * fit + drawn).max() <= room_x and (np.abs(Y) * fit + drawn).max() <= room_y:
            break
        fit *= 0.97
    return X * fit + view.centerx, Y * fit + view.centery, depth, scale * fit


def splat(surface, view: pygame.Rect, sx, sy, depth, size, rgb) -> None:
    """Draw every neuron as a size×size square, nearer squares over farther ones, clipped to
    `view`. A z-buffer in NumPy: each covered pixel keeps the smallest depth rank
    (np.minimum.at), so there is no sort over the pixels and no fill per neuron."""
    n = len(depth)
    by_rank = np.argsort(depth, kind="stable")          # rank → neuron, nearest first
    rank = np.empty(n, np.int64)
    rank[by_rank] = np.arange(n)
    xs, ys, rs = [], [], []
    x0, y0 = sx.astype(np.int64) - size // 2, sy.astype(np.int64) - size // 2
    for s in np.unique(size):
        idx = np.flatnonzero(size == s)
        oy, ox = np.divmod(np.arange(s * s), s)
        xs.append((x0[idx, None] + ox).ravel())
        ys.append((y0[idx, None] + oy).ravel())
        rs.append(np.repeat(rank[idx], s * s))
    xs, ys, rs = (np.concatenate(a) for a in (xs, ys, rs))
    keep = (xs >= view.left) & (xs < view.right) & (ys >= view.top) & (ys < view.bottom)
    pixel = (ys[keep] - view.top) * view.width + (xs[keep] - view.left)
    zbuf = np.full(view.width * view.height, n, np.int64)
    np.minimum.at(zbuf, pixel, rs[keep])
    hit = np.flatnonzero(zbuf < n)
    owner = by_rank[zbuf[hit]]
    target = pygame.surfarray.pixels3d(surface)
    target[view.left + hit % view.width, view.top + hit // view.width] = rgb[owner]
    del target                                          # unlock the surface
