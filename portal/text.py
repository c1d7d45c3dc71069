"""Text helpers shared by features: safe Markdown, and the search engine's accent folding."""

import difflib
import html
import re
import unicodedata

import nh3
from flask_babel import lazy_gettext as _l
from markdown_it import MarkdownIt
from markupsafe import Markup
from wtforms.validators import Length

from portal.searching.analysis import fold

__all__ = [
    "EMAIL",
    "PHONE",
    "WEB_ADDRESS",
    "fold",
    "most",
    "nfc",
    "plain_text",
    "render_markdown",
    "stripped",
    "word_diff",
]

# What a form accepts as a phone number as citizens dial it (0290 3831 925, 1022), an
# e-mail address, and a web address (http or https only: never a javascript: link).
PHONE = re.compile(r"\+?[0-9][0-9 .()-]{1,58}[0-9]\Z")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+\Z")
WEB_ADDRESS = re.compile(r"https?://[^\s/?#]+\.[^\s/?#]+([/?#]\S*)?\Z", re.IGNORECASE)

# CommonMark plus tables; raw HTML is escaped by markdown-it and nh3 cleans the rest.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

_ALLOWED_TAGS = {
    "a",
    "abbr",
    "blockquote",
    "br",
    "code",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}


_HEADING = re.compile(r"<h([1-6])>(.*?)</h\1>", re.DOTALL)


def render_markdown(text, top=2):
    """Markdown from an admin, as HTML that cannot carry script or styles; its headings
    start at `top` (2 under the page's <h1>, 3 inside a section headed by an <h2>)."""
    html = _markdown.render(text or "")
    html = _HEADING.sub(_heading_levels(html, top), html)
    clean = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "abbr": {"title"}},
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer",
    )
    return Markup(clean)  # noqa: S704 (nh3 has just sanitised it)


def plain_text(text):
    """Markdown from an admin as the text a reader reads (for a feed): no markup, the
    paragraphs kept apart by a blank line."""
    bare = nh3.clean(_markdown.render(text or ""), tags=set())
    return _BLANK_LINES.sub("\n\n", html.unescape(bare)).strip()


_BLANK_LINES = re.compile(r"\n\s*\n\s*")


def _heading_levels(html, top):
    """A replacement for _HEADING that renumbers the headings as a screen reader's outline
    needs them: the highest level used becomes `top`, the next one `top + 1` …, and none is
    more than one level below the heading before it ("#" then "###" is h2 then h3)."""
    ranks = {level: rank for rank, level in enumerate(sorted(set(_HEADING_LEVEL.findall(html))))}
    previous = top - 1

    def renumber(match):
        nonlocal previous
        previous = min(top + ranks[match[1]], previous + 1, 6)
        return f"<h{previous}>{match[2]}</h{previous}>"

    return renumber


_HEADING_LEVEL = re.compile(r"<h([1-6])>")


def word_diff(old, new):
    """What changed between two texts, word by word: [(op, text)] with op one of "same",
    "deleted", "inserted", for a readable diff (line breaks are kept as words)."""
    before, after = re.findall(r"\s+|\S+", old or ""), re.findall(r"\s+|\S+", new or "")
    parts = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(("same", "".join(before[i1:i2])))
            continue
        if i2 > i1:
            parts.append(("deleted", "".join(before[i1:i2])))
        if j2 > j1:
            parts.append(("inserted", "".join(after[j1:j2])))
    return parts


def most(characters):
    """A form field's length limit, with its message in the visitor's language (WTForms'
    own is English only)."""
    return Length(
        max=characters,
        message=_l("Keep it to %(max)d characters; this has %(length)d."),
    )


def nfc(value):
    """Text as one form of Unicode (NFC): "ế" typed as e + two marks is stored as "ế"."""
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def stripped(value):
    """A form field's text without the spaces around it (a WTForms filter)."""
    return value.strip() if isinstance(value, str) else value
