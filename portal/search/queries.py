"""What the search page and `GET /api/v1/search` share: the request as the URL states it, and
the engine's results for it, so the two cannot disagree.
"""

import re
from dataclasses import dataclass, field, replace
from html import unescape

from flask import abort, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import labels, listing, workdays
from portal.downloads import FEED_ENTRIES, Column, feed_day
from portal.indexing.sync import SearchUnavailable, get_index, read
from portal.pagination import page_arg

PER_PAGE = 20
FILTERS = ("agency", "field", "level", "year", "status")
SORTS = ("relevance", "date")


@dataclass
class Request:
    """A search as the URL states it."""

    q: str = ""
    type: str = ""
    filters: dict = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    per_page: int = PER_PAGE

    def args(self, **changes):
        """Query arguments for a link to this search with some values changed."""
        values = {"q": self.q, "type": self.type, **self.filters, "sort": self.sort}
        values.update(changes)
        if values.get("sort") == "relevance":
            values.pop("sort")
        return {name: value for name, value in values.items() if value}


def read_request(args, max_per_page=PER_PAGE):
    """Check the query string; a clear 400 for anything that cannot be right."""
    q = listing.read_query(args)
    kind = args.get("type", "")
    if kind and kind not in labels.CONTENT_TYPES:
        abort(400, description=str(listing.invalid("type", kind)))
    sort = args.get("sort") or "relevance"
    if sort not in SORTS:
        abort(400, description=str(listing.invalid("sort", sort)))
    per_page = listing.whole_number(args.get("per_page", str(PER_PAGE)), 1, max_per_page)
    if per_page is None:
        message = _("The number of results per page must be from 1 to %(max)s.", max=max_per_page)
        abort(400, description=message)
    filters = {name: args.get(name, "").strip()[:100] for name in FILTERS if args.get(name)}
    for name, value in filters.items():
        if problem := listing.text_problem(name, value):
            abort(400, description=str(problem))
    return Request(q=q, type=kind, filters=filters, sort=sort, page=page_arg(), per_page=per_page)


def run(search, lang):
    """The engine's results for a search, or None when the index is not ready."""
    if not search.q or not ready():
        return None
    try:
        return read(
            lambda index: index.search(
                search.q,
                lang=lang,
                types=[search.type] if search.type else None,
                filters=search.filters,
                page=search.page,
                per_page=search.per_page,
                sort=search.sort,
            )
        )
    except SearchUnavailable:
        return None


def ready():
    """Whether the index is built and not found damaged."""
    index = get_index()
    return index.exists() and not index.corrupt()


_TAG = re.compile(r"<[^>]+>")


def feed_entries(search, lang):
    """The Atom feed's entries (portal/downloads.py): the search's first results, each
    linking to its page, dated by the result's date where it has one, else today."""
    results = run(replace(search, page=1, per_page=FEED_ENTRIES), lang)
    home = url_for("home.index", lang=lang, _external=True).rstrip("/")
    for hit in results.hits if results else []:
        url = home + hit.url
        shown = "vi" if hit.untranslated else lang
        yield {
            "id": url,
            "link": url,
            "title": (hit.title, shown),
            # The snippet is HTML (escaped text with <mark> around the matches).
            "summary": (unescape(_TAG.sub("", hit.snippet)), shown),
            "updated": feed_day(hit.date or workdays.today()),
        }


# A search's download holds its first results, best first (the engine ranks them all).
EXPORTED = 1000
COLUMNS = (
    Column("rank", _l("Rank")),
    Column("type", _l("Type"), labels=labels.CONTENT_TYPES),
    Column("title", _l("Title")),
    Column("date", _l("Date")),
    Column("excerpt", _l("Excerpt")),
    Column("missing", _l("Words it lacks")),
    Column("url", _l("Page on this portal")),
)


def export_rows(search, lang):
    """The download's rows: the search's first EXPORTED results in its order, each with
    the words it lacks (a result may match only some of them)."""
    home = url_for("home.index", lang=lang, _external=True).rstrip("/")
    for rank, hit in enumerate(_first_hits(search, lang), start=1):
        yield {
            "rank": rank,
            "type": hit.type,
            "title": hit.title,
            "date": hit.date.isoformat() if hit.date else "",
            "excerpt": unescape(_TAG.sub("", hit.snippet)),
            "missing": " ".join(hit.missing_terms),
            "url": home + hit.url,
        }


def _first_hits(search, lang, each=100):
    """The search's first EXPORTED hits, a page of `each` (the engine's most) at a time."""
    each = min(each, EXPORTED)
    for number in range(1, -(-EXPORTED // each) + 1):
        results = run(replace(search, page=number, per_page=each), lang)
        if not results or not results.hits:
            return
        yield from results.hits[: EXPORTED - (number - 1) * each]
        if number * each >= results.total:
            return
