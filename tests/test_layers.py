"""The one-way rules between the program's layers, read from the source and checked at import:
the screens get their options as arguments (no module under simulator/render imports the
command line), and the engine never imports pygame."""
import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "simulator"


def imported_modules(path: Path, text: str | None = None) -> set[str]:
    """Absolute names of every module `path` (or `text` as if it were that file) imports,
    relative imports resolved."""
    package = ".".join(path.relative_to(ROOT).parent.parts)     # what a relative import starts from
    names = set()
    for node in ast.walk(ast.parse(path.read_text() if text is None else text, str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = ".".join(parts[:len(parts) - (node.level - 1)])
                base = f"{anchor}.{base}" if base else anchor
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def offenders(folder: str, forbidden: str) -> list[str]:
    return sorted(f"{path.relative_to(ROOT)} imports {forbidden}"
                  for path in (PACKAGE / folder).rglob("*.py")
                  if any(name == forbidden or name.startswith(forbidden + ".") for name in imported_modules(path)))


def test_the_import_reader_resolves_relative_imports():
    """The checks below can fail: the reader sees each way a render module could import cli."""
    render = PACKAGE / "render"
    assert "simulator.cli" in imported_modules(render / "app.py", "from ..cli import train_config")
    assert "simulator.cli" in imported_modules(render / "app" / "x.py", "from ...cli import THEMES")
    assert "simulator.cli" in imported_modules(render / "lessons" / "__init__.py", "from ...cli import has_display")
    assert "simulator.cli" in imported_modules(render / "z.py", "from .. import cli")
    assert "simulator.cli" in imported_modules(render / "z.py", "import simulator.cli as c")
    assert "simulator.cli" not in imported_modules(render / "app" / "x.py", "from ..cli import x")


@pytest.mark.parametrize("folder, forbidden", [("render", "simulator.cli"), ("render", "simulator.cli_args"),
                                               ("engine", "pygame"), ("engine", "simulator.render"),
                                               ("engine", "simulator.cli"), ("engine", "simulator.cli_args")])
def test_no_module_imports_against_the_layers(folder, forbidden):
    assert offenders(folder, forbidden) == []


def test_importing_every_screen_leaves_the_command_line_unloaded():
    """Transitively too: importing every module under simulator/render never loads the command
    line (simulator.cli, or its parser simulator.cli_args)."""
    code = ("import importlib, pkgutil, sys, simulator.render as r\n"
            "for m in pkgutil.walk_packages(r.__path__, 'simulator.render.'):\n"
            "    importlib.import_module(m.name)\n"
            "print('simulator.cli' in sys.modules or 'simulator.cli_args' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120,
                         env={**os.environ, "SDL_VIDEODRIVER": "dummy"})
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "False"


def test_the_command_line_offers_exactly_the_screens_themes():
    from simulator.cli_args import THEMES
    from simulator.render.ui.theme import THEMES as THEME_OBJECTS
    assert THEMES == tuple(THEME_OBJECTS)
