"""The README and docs/ link only inside the repository, to files that exist."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_link_of_a_page_is_a_file_of_the_repository(page):
    text = page.read_text()
    targets = [(page.parent / link).resolve() for link in LINK.findall(text) if "://" not in link]
    assert [t for t in targets if not t.is_file() or ROOT not in t.parents] == []
    assert "../shared" not in text
