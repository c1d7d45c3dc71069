"""The site search page: one box across every content type, with tabs, facets and snippets;
a search's first results as an Atom feed."""

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _

from portal import downloads, labels
from portal.i18n import current_language, translated
from portal.models import Agency, Sector, db
from portal.search import queries

bp = Blueprint("search", __name__, url_prefix="/<lang>/search")


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
    search = queries.read_request(request.args)
    export = request.args.get("format", "html")
    if export not in ("html", "atom", "csv", "json"):
        abort(400, _("The format must be csv, json or atom."))
    if export == "atom":
        return _feed(search)
    if export != "html":  # the first results, best first
        _searchable(search, _("A search's download needs the words to search for (q=…)."))
        rows = queries.export_rows(search, current_language())
        name = downloads.export_name("search", search.type)
        return downloads.download(rows, queries.COLUMNS, export, name)
    results = queries.run(search, current_language())
    if results is not None and search.page > 1 and not results.hits:
        abort(404)
    return render_template(
        "search/index.html",
        search=search,
        query=search.q,
        results=results,
        index_ready=queries.ready(),
        feed_url=url_for("search.index", **search.args(), format="atom") if search.q else None,
        **facet_labels(results),
    )


def _feed(search):
    """The search's first results, in its order (best first unless by date)."""
    _searchable(search, _("A search's feed needs the words to search for (q=…)."))
    lang = current_language()
    entries = queries.feed_entries(search, lang)
    title = _("Search results for “%(query)s”", query=search.q)
    return downloads.feed("search.index", search.args(), title, entries)


def _searchable(search, without_words):
    """A clear 400 for a feed or download with no words, a 503 while the index is not ready."""
    if not search.q:
        abort(400, without_words)
    if not queries.ready():
        abort(503, _("Search is being prepared. Please try again in a few minutes."))
