"""What a visitor reads on a page: `visible_text(html)`, for assertions about a page's text.

The text is what a browser's innerText gives, on one line: tags removed, character references
decoded, the contents of <head>, <script>, <style> and <template> left out, and runs of
whitespace collapsed to one space. A block element (a paragraph, a list item, a table cell …)
or a <br> separates the words on either side; an inline element (<a>, <strong>, <span> …) does
not, so "<b>Sở</b> Tư pháp" reads "Sở Tư pháp" and "1520/STC-VP</span>:" reads "1520/STC-VP:".

Import it in a test module with `from pagetext import visible_text`: tests/ is on sys.path
under pytest's default ("prepend") import mode.
"""

import re
from html.parser import HTMLParser

# Elements whose text a visitor never reads on the page.
UNREAD = frozenset({"head", "script", "style", "template"})

# Elements a browser lays out as blocks (or table parts, or line breaks): their edges
# separate words. Everything else is inline and joins the text on either side.
# fmt: off
BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "body", "br", "caption", "dd", "details",
    "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1",
    "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend", "li", "main",
    "menu", "nav", "ol", "optgroup", "option", "p", "pre", "section", "summary", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
})
# fmt: on

# The whitespace a browser collapses: not the no-break space (&nbsp;), which it keeps.
_SPACES = re.compile(r"[ \t\n\r\f]+")


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.unread = 0  # how many unread elements we are inside

    def handle_starttag(self, tag, attrs):
        if tag in UNREAD:
            self.unread += 1
        elif tag in BLOCKS:
            self.parts.append(" ")

    def handle_startendtag(self, tag, attrs):
        if tag in BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in UNREAD:
            self.unread = max(self.unread - 1, 0)
        elif tag in BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data):
        if not self.unread:
            self.parts.append(data)


def visible_text(html):
    """The text of `html` (a page or a part of one) as a visitor reads it, on one line."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return _SPACES.sub(" ", "".join(reader.parts)).strip()


# A letter only Vietnamese uses among the page's languages (tone marks, ă â đ ê ô ơ ư).
_VIETNAMESE = re.compile(
    "[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.IGNORECASE
)
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)


class _LanguageReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open = []  # (tag, language) of each element we are inside
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag not in _VOID:
            inherited = self.open[-1][1] if self.open else None
            self.open.append((tag, dict(attrs).get("lang") or inherited))

    def handle_endtag(self, tag):
        while self.open and self.open.pop()[0] != tag:
            pass

    def handle_data(self, data):
        if not self.open or any(tag in UNREAD or tag == "title" for tag, _ in self.open):
            return
        # A proper name (Cà Mau, Công Khai) is capitalised: a common word is not.
        words = re.findall(r"\w+", data)
        if self.open[-1][1] != "vi" and any(
            w[0].islower() and _VIETNAMESE.search(w) for w in words
        ):
            self.found.append(_SPACES.sub(" ", data).strip())


def unmarked_vietnamese(html):
    """The text runs of `html` that hold Vietnamese words yet are not inside lang="vi"."""
    reader = _LanguageReader()
    reader.feed(html)
    reader.close()
    return reader.found
