"""--size / --keys / --max-frames / --screenshot: parsing, one-line errors, and that a scripted
key really reaches the screen (the same events a person's key press makes)."""
import numpy as np
import pygame
import pytest

from simulator.render.ui import script
from simulator.render.ui.script import Action, Script, parse_keys, parse_size

from test_cli import assert_one_line_error, main_py


def test_parse_keys_names_repeats_and_clicks():
    actions = parse_keys("right*3 0 page_up  space click:400,300 keypad_+ [ A")
    assert [a.kind for a in actions] == ["key"] * 6 + ["click"] + ["key"] * 3
    assert [a.key for a in actions[:3]] == [pygame.K_RIGHT] * 3
    assert actions[3].key == pygame.K_0 and actions[4].key == pygame.K_PAGEUP
    assert actions[5].key == pygame.K_SPACE and actions[6].pos == (400, 300)
    assert actions[7].key == pygame.K_KP_PLUS and actions[8].key == pygame.K_LEFTBRACKET
    assert actions[9].key == pygame.K_a
    assert parse_keys("") == () and parse_keys("  ") == ()


@pytest.mark.parametrize("text, word", [
    ("right nosuchkey", "nosuchkey"), ("right*0", "right*0"), ("click:1", "click:1"),
    ("click:-4,5", "click:-4,5"), ("space*x", "space*x"), ("*3", "*3"),
])
def test_parse_keys_refuses_with_the_bad_item(text, word):
    with pytest.raises(ValueError, match=word.replace("*", r"\*")):
        parse_keys(text)


@pytest.mark.parametrize("text, size", [("1280x800", (1280, 800)), ("1920X1080", (1920, 1080)),
                                        ("1024×768", (1024, 768))])
def test_parse_size(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["1280", "x800", "10x10", "99999x800", "1280x800x3", "-1280x800", "wide"])
def test_parse_size_refuses(text):
    with pytest.raises(Exception, match="size|window"):
        parse_size(text)


def test_script_plays_one_action_per_frame_after_the_first():
    s = Script(parse_keys("a click:5,6 b"))
    assert s.events(0) == []
    down, up = s.events(1)
    assert (down.type, up.type, down.key, down.unicode) == (pygame.KEYDOWN, pygame.KEYUP, pygame.K_a, "a")
    move, press, release = s.events(2)
    assert move.type == pygame.MOUSEMOTION and press.type == pygame.MOUSEBUTTONDOWN and press.pos == (5, 6)
    assert press.button == 1 and release.type == pygame.MOUSEBUTTONUP
    assert s.events(3)[0].key == pygame.K_b and s.events(4) == [] and s.done(4) and not s.done(3)


@pytest.mark.parametrize("command", [["app"], ["lecture"], ["lesson", "graph"]])
def test_cli_errors_are_one_line(command):
    assert_one_line_error(main_py(*command, "--keys", "right bogus*2", display=True), "--keys", "bogus")
    assert_one_line_error(main_py(*command, "--size", "12x7", display=True), "--size", "12x7")


def test_scripted_keys_reach_the_lesson_window(tmp_path, monkeypatch):
    """In-process through the window runner every screen uses: 0 sets y = 0, ↑ twice makes it
    0.2, a click on nothing changes nothing; the loop ends after --max-frames."""
    from simulator.render import ui
    from simulator.render.lessons import open_lesson
    from simulator.render.ui.theme import THEMES
    pygame.display.init()
    pygame.font.init()
    screen = pygame.display.set_mode((1024, 768))
    scene = open_lesson("graph", THEMES["dark"])
    window = ui.Window(scene, ui.WindowOptions(size=(1024, 768), keys=parse_keys(". 0 up*2 click:5,5"),
                                               max_frames=6), screen=screen)
    try:
        window.run()
        assert window.frames == 6
    finally:
        window.close()
        pygame.display.quit()
    graph = getattr(scene, "scene", scene)          # (until the graph lesson draws at window size)
    assert (graph.x, graph.y) == (1.3, 0.2)


def test_scripted_keys_give_the_same_lecture_frame_as_goto(tmp_path, mnist_dir):
    """Three → presses from step 1 show exactly the picture of --goto 4, and not that of step 1."""
    shots = {name: tmp_path / f"{name}.png" for name in ("keys", "goto", "start")}
    for name, extra in (("keys", ["--keys", "right*3", "--max-frames", "6"]),
                        ("goto", ["--goto", "4", "--max-frames", "2"]), ("start", ["--max-frames", "2"])):
        proc = main_py("lecture", "--data", mnist_dir, "--size", "1024x768", "--screenshot", shots[name],
                       *extra, display=True)
        assert proc.returncode == 0, proc.stderr
    pixels = {name: pygame.surfarray.array3d(pygame.image.load(str(p))) for name, p in shots.items()}
    assert pixels["keys"].shape[:2] == (1024, 768)
    assert np.array_equal(pixels["keys"], pixels["goto"])
    assert not np.array_equal(pixels["keys"], pixels["start"])


def test_screenshot_to_an_unwritable_place_is_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert_one_line_error(main_py("lesson", "pooling", "--max-frames", "1", "--screenshot", blocker / "s.png",
                                  display=True), "s.png")


def test_every_window_has_the_four_flags():
    from simulator.cli_args import build_parser
    sub = build_parser()._subparsers._group_actions[0].choices
    for command in ("app", "lecture", "lesson"):
        flags = {o for a in sub[command]._actions for o in a.option_strings}
        assert {"--size", "--keys", "--max-frames", "--screenshot"} <= flags, command
    assert Action("key", 1) == Action("key", 1) and script.DEFAULT_SIZE == (1280, 800)
