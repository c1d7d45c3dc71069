"""The site search page: one box across every content type, with tabs, facets and snippets."""

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request

from portal import labels
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
    results = queries.run(search, current_language())
    if results is not None and search.page > 1 and not results.hits:
        abort(404)
    return render_template(
        "search/index.html",
        search=search,
        query=search.q,
        results=results,
        index_ready=queries.ready(),
        **facet_labels(results),
    )
