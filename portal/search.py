"""Site search: one box across every content type, with tabs, facets and snippets.

The page and `GET /api/v1/search` both call `run()`, so they cannot disagree.
"""

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _

from portal import labels, listing
from portal.i18n import current_language, translated
from portal.indexing.sync import get_index
from portal.models import Agency, Sector, db
from portal.pagination import page_arg

bp = Blueprint("search", __name__, url_prefix="/<lang>/search")

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
        abort(
            400,
            description=_(
                '"%(value)s" is not a valid value for %(name)s.', value=kind[:40], name="type"
            ),
        )
    sort = args.get("sort") or "relevance"
    if sort not in SORTS:
        abort(
            400,
            description=_(
                '"%(value)s" is not a valid value for %(name)s.', value=sort[:40], name="sort"
            ),
        )
    per_page = args.get("per_page", str(PER_PAGE))
    if not per_page.isdigit() or not 1 <= int(per_page) <= max_per_page:
        abort(
            400,
            description=_(
                "The number of results per page must be from 1 to %(max)s.", max=max_per_page
            ),
        )
    filters = {name: args.get(name, "").strip()[:100] for name in FILTERS if args.get(name)}
    return Request(
        q=q, type=kind, filters=filters, sort=sort, page=page_arg(), per_page=int(per_page)
    )


def run(search, lang):
    """The engine's results for a search, or None when the index is not built."""
    index = get_index()
    if not search.q or not index.exists():
        return None
    return index.search(
        search.q,
        lang=lang,
        types=[search.type] if search.type else None,
        filters=search.filters,
        page=search.page,
        per_page=search.per_page,
        sort=search.sort,
    )


def facet_labels(results):
    """Functions giving readable names for facet values (slugs, level and status keys)."""
    records = {"agency": {}, "field": {}}
    if results is not None:
        for name, model in (("agency", Agency), ("field", Sector)):
            slugs = list(results.facets.get(name, {}))
            if slugs:
                records[name] = {
                    r.slug: r
                    for r in db.session.scalars(sa.select(model).where(model.slug.in_(slugs)))
                }

    def named(name):
        return lambda value: (
            translated(records[name][value], "name") if value in records[name] else value
        )

    return {
        "agency_label": named("agency"),
        "field_label": named("field"),
        "level_label": lambda value: labels.PROCEDURE_LEVELS.get(value, value),
        "status_label": lambda value: labels.SEARCH_STATUSES.get(value, value),
        "year_label": str,
    }


@bp.route("")
def index():
    search = read_request(request.args)
    results = run(search, current_language())
    if results is not None and search.page > 1 and not results.hits:
        abort(404)
    return render_template(
        "search/index.html",
        search=search,
        query=search.q,
        results=results,
        index_ready=get_index().exists(),
        **facet_labels(results),
    )
