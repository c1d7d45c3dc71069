"""The templates stay readable: no line longer than 120 characters.

Jinja allows line breaks inside `{{ … }}` and `{% … %}`, and `{%-` / `{{-` remove the
whitespace a break would otherwise add to the page, so a long line can always be wrapped
without changing what the page renders.
"""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
MAX_LENGTH = 120


def test_no_template_line_is_longer_than_120_characters():
    files = sorted(path for path in TEMPLATES.rglob("*") if path.is_file())
    assert files, f"no templates found in {TEMPLATES}"
    too_long = [
        f"{path.relative_to(TEMPLATES.parent)}:{number}: {len(line)} characters"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if len(line) > MAX_LENGTH
    ]
    message = f"template lines longer than {MAX_LENGTH} characters (wrap them):"
    assert not too_long, "\n".join([message, *too_long])


def test_no_heading_is_a_live_region():
    # role="status" on a heading takes away its heading role: screen readers no longer list it.
    heading = re.compile(r"<h[1-6]\b[^>]*\brole=", re.DOTALL)
    found = [
        f"{path.relative_to(TEMPLATES.parent)}:{text.count(chr(10), 0, match.start()) + 1}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for text in [path.read_text(encoding="utf-8")]
        for match in heading.finditer(text)
    ]
    assert not found, "headings with a role (keep them headings): " + ", ".join(found)


def test_every_time_element_gets_its_value_from_the_one_filter():
    # `.isoformat()` of a stored moment carries microseconds, which HTML does not allow.
    attribute = re.compile(r'datetime="([^"]*)"')
    found = [
        f"{path.relative_to(TEMPLATES.parent)}: {match[1]}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for match in attribute.finditer(path.read_text(encoding="utf-8"))
        if not re.fullmatch(r"\{\{ [\w.]+\|machine_time \}\}", match[1])
    ]
    assert not found, "datetime attributes not written as {{ value|machine_time }}: " + ", ".join(
        found
    )
