"""The templates stay readable: no line longer than 120 characters.

Jinja allows line breaks inside `{{ … }}` and `{% … %}`, and `{%-` / `{{-` remove the
whitespace a break would otherwise add to the page, so a long line can always be wrapped
without changing what the page renders.
"""

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
