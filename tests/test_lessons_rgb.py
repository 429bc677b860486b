"""The RGB-convolution lesson: the pixel's arithmetic on screen is the engine's (each channel's
sum, the bias, the total, the conv2d_forward value), the lesson opens on the engine's pixel,
the output size and one output channel per filter are written out, any image size lays out,
and a bad --image is one line."""
import numpy as np
import pygame
import pytest
from conftest import fast_lessons
from render_kit import make, not_blank, show
from PIL import Image

from simulator import cli
from simulator.engine.lessons import rgb as rgb_math
from simulator.numbers import fmt
from simulator.render import ui
from simulator.render.lessons import LessonOptions
from simulator.render.ui.theme import THEMES


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    return fast_lessons(tmp_path, monkeypatch)


@pytest.fixture
def options(mnist_dir):
    return LessonOptions(data=mnist_dir)


def test_rgb_scene_pixel_arithmetic(options):
    scene = make("rgb", options)
    scene.demo()
    surface, texts, problems = show(scene)
    assert problems == [] and not_blank(surface)
    i, j = scene.hover
    d = rgb_math.pixel_detail(scene.conv, i, j)
    assert d.total == pytest.approx(float(scene.conv.output[i, j]), abs=1e-9)     # the sum is conv2d_forward's
    sums = [fmt(v, 3) for v in d.channel_sums]
    assert sums[0] in texts                                          # red's sum, then + green, + blue
    for s in sums[1:]:
        assert (f"+ ({s})" if s.startswith("−") else f"+ {s}") in texts
    assert f"+ {fmt(scene.conv.b, 3)} (b)" in texts and f"= {fmt(d.total, 3)}" in texts
    assert f"conv2d_forward: {fmt(float(scene.conv.output[i, j]), 3)}" in texts
    assert f"Σ 9 products = {fmt(d.channel_sums[0], 3)}" in texts
    scene.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_4))
    assert scene.names[scene.choice] == "blur"
    assert show(scene)[2] == []


def test_rgb_opens_on_the_engines_pixel_not_flat_sky(options):
    scene = make("rgb", options)
    assert scene.hover == rgb_math.default_pixel(scene.image)
    d = rgb_math.pixel_detail(scene.conv, *scene.hover)
    assert np.abs(d.channel_sums).min() > 0.05          # every channel responds (the centre's sky gave −0.003 ×3)


def test_the_mouse_over_a_map_picks_its_pixel(options):
    scene = make("rgb", options)
    show(scene)
    rect, _ = scene.maps[-1]                            # the output map: the image scaled to rect's size
    assert rect.w % scene.w and rect.h % scene.h        # not a whole number of screen pixels per image pixel
    shown = pixels_shown(scene.w, scene.h, rect.size)   # which image pixel each screen pixel shows
    for y in range(0, rect.h, 3):
        for x in range(0, rect.w, 2):
            scene.handle(pygame.event.Event(pygame.MOUSEMOTION, pos=(rect.x + x, rect.y + y), rel=(0, 0),
                                            buttons=(0, 0, 0)))
            assert scene.hover == shown[x][y], (x, y)


def pixels_shown(w: int, h: int, size) -> list:
    """[x][y] → (row, column) of a w×h image that pygame's scaling to `size` shows at (x, y):
    an image whose pixels carry their own row and column, scaled and read back."""
    image = np.zeros((w, h, 3), np.uint8)
    image[..., 0] = np.arange(h)[None, :]
    image[..., 1] = np.arange(w)[:, None]
    scaled = pygame.surfarray.array3d(pygame.transform.scale(pygame.surfarray.make_surface(image), size))
    return [[(int(scaled[x, y, 0]), int(scaled[x, y, 1])) for y in range(size[1])] for x in range(size[0])]


def test_rgb_scene_shows_the_output_size_and_every_filters_channel(options):
    scene = make("rgb", options)
    scene.demo()
    _, texts, _ = show(scene)
    _, h, w = scene.image.shape
    oh, ow = scene.conv.output.shape
    assert f"W: ({w} − 3 + 2·1)/1 + 1 = {ow}" in texts and f"H: ({h} − 3 + 2·1)/1 + 1 = {oh}" in texts
    assert (ow, oh) == (rgb_math.output_size(w), rgb_math.output_size(h))
    k = len(rgb_math.FILTERS)
    assert scene.bank.shape == (k, oh, ow)
    assert any(s.startswith(f"All {k} filters at once") and f"→ {k}×{oh}×{ow}" in s for s in texts)
    assert [f"channel {n + 1}" for n in range(k)] == [s for s in texts if s.startswith("channel ")]
    assert any("padding" in s for s in texts)
    x, y = scene.bank_rects[5].center                       # a click on a channel chooses its filter
    scene.handle(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=(x, y)))
    assert scene.choice == 5
    np.testing.assert_allclose(scene.conv.output, scene.bank[5], atol=1e-12)


def test_a_short_window_says_less_but_keeps_the_arithmetic(options):
    scene = make("rgb", options, THEMES["projector"])
    _, texts, problems = show(scene, (1024, 768))
    assert problems == []
    assert scene.bank_rect is None                          # the 8-filter strip is left out …
    i, j = scene.hover
    assert f"= {fmt(rgb_math.pixel_detail(scene.conv, i, j).total, 3)}" in texts      # … the sum is not


@pytest.mark.parametrize("w, h", [(96, 10), (20, 72), (3, 3), (400, 50)])
def test_rgb_lays_out_any_image_size(tmp_path, w, h):
    path = tmp_path / "img.png"
    Image.fromarray((np.random.default_rng(0).random((h, w, 3)) * 255).astype(np.uint8)).save(path)
    for theme in ("dark", "projector"):
        scene = make("rgb", LessonOptions(image=path), THEMES[theme])
        scene.demo()
        for size in ((1024, 768), (1280, 800)):
            assert show(scene, size)[2] == [], (theme, size)


def test_rgb_zoom_writes_every_number_at_the_zoom_size(options):
    pygame.font.init()
    scene = make("rgb", options, THEMES["projector"])
    show(scene, (1024, 768))
    zoom = scene.zoom_target(None)
    sizes = ui.Sizes.zoomed((1024, 768), scene.theme)
    zoom.layout(pygame.Rect(0, 0, 1024, 740), sizes)
    ui.CHECK.enable(min_gap=ui.check.MIN_GAP, floor=sizes.floor)
    try:
        surface = pygame.Surface((1024, 768))
        zoom.draw(surface)
        texts = [t for _, _, t in ui.CHECK.texts()]
        assert ui.CHECK.violations(surface.get_rect()) == []
        assert min(ui.CHECK.sizes()) >= 0.04 * 768
    finally:
        ui.CHECK.disable()
    i, j = scene.hover
    assert f"= {fmt(rgb_math.pixel_detail(scene.conv, i, j).total, 3)}" in texts
    assert sum(t == fmt(scene.conv.w[0, 0, 1, 0], 2) for t in texts) >= 3      # the weights' numbers, every channel


def test_rgb_scene_bad_image_is_a_one_line_error(tmp_path, capsys):
    bad = tmp_path / "bad.png"
    bad.write_text("nope")
    assert cli.main(["lesson", "rgb", "--image", str(bad), "--export", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "cannot read image" in err


@pytest.mark.parametrize("theme", ["light", "projector"])
def test_rgb_in_the_other_themes(theme, options):
    scene = make("rgb", options, THEMES[theme])
    scene.demo()
    surface, _, problems = show(scene)
    assert problems == [] and not_blank(surface, THEMES[theme])
