"""Content-Security-Policy: every page carries it, it allows scripts and styles from our own files only, and no
template holds what such a policy would block (the browser tests also fail on any violation Chromium reports)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = sorted(
    p for base in (ROOT / "templates", ROOT / "gongzhi") for p in base.rglob("*.html") if ".venv" not in p.parts
)

INLINE = {
    "a <script> without src": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I),
    "a <style> element": re.compile(r"<style\b", re.I),
    "a style attribute": re.compile(r"\sstyle\s*=", re.I),
    "an inline event handler": re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I),
    "a javascript: URL": re.compile(r"javascript:", re.I),
}


def test_there_are_templates_to_read():
    assert len(TEMPLATES) > 50


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_needs_unsafe_inline(template: Path):
    text = template.read_text(encoding="utf-8")
    found = [what for what, pattern in INLINE.items() if pattern.search(text)]
    assert not found, f"{template.relative_to(ROOT)} has {', '.join(found)}: move it to static/js or static/css"


@pytest.mark.parametrize("pattern", list(INLINE.values()), ids=list(INLINE))
def test_the_scan_catches_what_it_names(pattern):
    samples = [
        "<script>alert(1)</script>",
        "<style>p{}</style>",
        '<p style="color:red">',
        '<a onclick="x()">',
        "javascript:x",
    ]
    assert any(pattern.search(s) for s in samples)
    assert not pattern.search('<script src="/static/js/forms.js" defer></script><script type="application/json">')


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/login/", "/healthz", "/api/v1/docs"])
def test_every_response_carries_the_policy(client, path):
    header = client.get(path)["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in header and "unsafe-eval" not in header
