"""The public JSON API (`/api/v1/…`), described in portal/openapi.json.

It calls the same functions as the pages, so the API cannot drift from what visitors see.
"""

import json
from pathlib import Path

from flask import Blueprint, jsonify, request, url_for

from portal.i18n import LANGUAGES, set_language
from portal.search import queries as search

bp = Blueprint("api", __name__, url_prefix="/api/v1")
OPENAPI = Path(__file__).with_name("openapi.json")
MAX_PER_PAGE = 100


def _json_error(error):
    """Errors as JSON with the message in the requested language, never an HTML page."""
    return jsonify(error=error.name, message=error.description), error.code


# By code, because the site's HTML handlers for these codes would otherwise win.
for _code in (400, 404, 405, 500):
    bp.register_error_handler(_code, _json_error)


@bp.before_request
def _language():
    lang = request.args.get("lang", "vi")
    set_language(lang if lang in LANGUAGES else "vi")


@bp.route("/search")
def search_api():
    lang = request.args.get("lang", "vi")
    if lang not in LANGUAGES:
        return jsonify(error="Bad Request", message="lang must be vi or en"), 400
    wanted = search.read_request(request.args, max_per_page=MAX_PER_PAGE)
    results = search.run(wanted, lang)
    if results is None and wanted.q and not search.ready():
        return jsonify(
            error="Service Unavailable",
            message="The search index is being built; try again shortly.",
        ), 503
    if results is not None and wanted.page > 1 and not results.hits:
        return jsonify(error="Not Found", message="This page is past the last result."), 404
    body = {
        "query": wanted.q,
        "lang": lang,
        "total": 0,
        "page": wanted.page,
        "per_page": wanted.per_page,
        "facets": {},
        "suggestion": None,
        "results": [],
    }
    if results is not None:
        body.update(
            total=results.total,
            facets=results.facets,
            suggestion=results.suggestion,
            results=[
                {
                    "type": hit.type,
                    "id": hit.id,
                    "title": hit.title,
                    "url": url_for("home.index", lang=lang, _external=True).rstrip("/") + hit.url,
                    "snippet": hit.snippet,
                    "score": round(hit.score, 4),
                    "missing_terms": hit.missing_terms,
                    "untranslated": hit.untranslated,
                    "date": hit.date.isoformat() if hit.date else None,
                }
                for hit in results.hits
            ],
        )
    return jsonify(body)


@bp.route("/openapi.json")
def openapi():
    return jsonify(json.loads(OPENAPI.read_text(encoding="utf-8")))
