"""The two lessons the lecture's seed asked for, 'why convolutions' (parameter counts) and
'tensors and their rank', are registered everywhere a lesson is: the command line, the scene
registry and the app's lessons menu. What they draw is tested in test_lessons_params.py and
test_lessons_tensors.py."""
from simulator import cli_args
from simulator.render import ui
from simulator.render.lessons import LESSON_SCENES, LessonOptions
from simulator.render.lessons.menu import KEYS, LessonMenu
from simulator.render.ui.theme import THEMES

SIZE = (1280, 800)


def test_both_lessons_are_registered_everywhere():
    for name in ("params", "tensors"):
        assert name in cli_args.LESSONS and name in LESSON_SCENES
    assert len(KEYS) >= len(LESSON_SCENES)
    menu = LessonMenu(THEMES["dark"], LessonOptions())
    menu.layout(SIZE, ui.Sizes.for_window(SIZE, THEMES["dark"]))
    assert [n for n, _ in menu.rows] == list(LESSON_SCENES)
