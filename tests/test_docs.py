"""The docs hold together: every relative link and image in README.md, the other top-level
Markdown files, docs/ and the assets' notes points at a file that exists, and every #anchor at a
heading of its target (GitHub's slugs); the README stays a short page for users that opens with
the two commands a clone needs, and CI runs exactly its test command."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted({*ROOT.glob("*.md"), *(ROOT / "docs").rglob("*.md"), *(ROOT / "simulator" / "assets").rglob("*.md")})
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


def prose(text: str) -> str:
    """The page without fenced code blocks and inline code, where brackets are not links."""
    text = re.sub(r"^```.*?^```[^\n]*$", "", text, flags=re.S | re.M)
    return re.sub(r"`[^`\n]*`", "", text)


def slugs(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped (letters, digits, _ and - kept),
    spaces to -, a repeated slug numbered -1, -2, ..."""
    seen: dict[str, int] = {}
    out = set()
    text = re.sub(r"^```.*?^```[^\n]*$", "", page.read_text(encoding="utf-8"), flags=re.S | re.M)
    for line in text.splitlines():
        m = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not m:
            continue
        title = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", m.group(1))        # a link keeps its text
        slug = re.sub(r"[^\w\- ]", "", title.replace("`", "").lower()).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out


def links(page: Path) -> list[str]:
    return [m.group(1) for m in LINK.finditer(prose(page.read_text(encoding="utf-8")))]


def test_the_pages_have_links_to_check():
    assert ROOT / "README.md" in PAGES and (ROOT / "docs" / "benchmarks.md") in PAGES
    assert len(links(ROOT / "README.md")) >= 10


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(page):
    broken = []
    for target in links(page):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):          # http:, https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        if not dest.exists():
            broken.append(f"{target}: no such file")
        elif not dest.resolve().is_relative_to(ROOT):
            broken.append(f"{target}: outside the repository")
        elif anchor and dest.suffix == ".md" and anchor not in slugs(dest):
            broken.append(f"{target}: no heading #{anchor} in {dest.relative_to(ROOT)}")
    assert not broken, broken


def test_slugs_follow_githubs_rule():
    page = ROOT / "docs" / "engine.md"
    assert {"choosing-a-variant-cnn_simulator_simd", "start-up-and-numbas-cache", "the-ops-api"} <= slugs(page)


def test_readme_is_short_and_opens_with_the_two_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) < 200
    first_block = re.search(r"^```\n(.*?)^```", text, flags=re.S | re.M).group(1).splitlines()
    assert [line.split("#")[0].strip() for line in first_block] == ["make run", "make test"]
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line and not line.startswith("#")]
    assert ci[-1] == "make test"
