"""What every page shares: the navigation, the site's names, the `tel` filter, error pages,
and the warm-up of a worker before its first visitor."""

import logging
import re
from datetime import date
from types import SimpleNamespace

import flask_babel
import sqlalchemy as sa
from flask import Response, current_app, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.routing import BaseConverter

from portal import audit
from portal.i18n import (
    LANGUAGES,
    format_date,
    format_datetime,
    format_number,
    format_percent,
    set_language,
)
from portal.models import SLUG, db, utcnow

log = logging.getLogger(__name__)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # tabs and line breaks are text

# The main navigation, in order. An entry shows once its feature is registered.
NAVIGATION = (
    ("procedures.index", _l("Procedures")),
    ("hotlines.index", _l("Hotlines")),
    ("inspections.index", _l("Inspections")),
    ("feedback.index", _l("Feedback")),
    ("announcements.index", _l("Announcements")),
    ("agencies.index", _l("Agencies")),
    ("search.index", _l("Search")),
)


class SlugConverter(BaseConverter):
    """`<slug:slug>`: anything else is not found before a query is made (NUL included)."""

    regex = SLUG


def init_app(app):
    """Before the blueprints: their routes use the converter."""
    app.url_map.converters["slug"] = SlugConverter
    app.context_processor(_layout_context)
    app.jinja_env.filters["tel"] = tel_href
    app.register_error_handler(400, _bad_request)
    app.register_error_handler(403, _forbidden)
    app.register_error_handler(404, _not_found)
    app.register_error_handler(410, _gone)
    app.register_error_handler(405, _method_not_allowed)
    app.register_error_handler(413, _too_large)
    app.register_error_handler(CSRFError, _csrf_refused)
    app.register_error_handler(500, _server_error)


def warm_up(app):
    """Do now what a worker's first pages would otherwise do on their visitors' time: compile
    every template, set up the mappers, load each language's catalog and Babel's data for
    its numbers and dates (some hundreds of milliseconds in all). Reads neither the database
    nor the search index."""
    for name in app.jinja_env.list_templates(filter_func=lambda name: name.endswith(".html")):
        app.jinja_env.get_template(name)
    sa.orm.configure_mappers()
    for lang in LANGUAGES:
        with app.test_request_context(f"/{lang}/"):
            set_language(lang)
            flask_babel.get_translations()
            format_number(1806), format_number(0.5), format_percent(0.5)
            format_date(date(2017, 11, 23)), format_datetime(utcnow())


def _layout_context():
    views = current_app.view_functions
    config = current_app.config
    site = SimpleNamespace(
        province_name_vi=config["PROVINCE_NAME_VI"],
        province_name_en=config["PROVINCE_NAME_EN"],
        publisher_name_vi=config["PUBLISHER_NAME_VI"],
        publisher_name_en=config["PUBLISHER_NAME_EN"],
    )
    return {
        "navigation": [(endpoint, label) for endpoint, label in NAVIGATION if endpoint in views],
        "site": site,
    }


def tel_href(phone):
    """`0768.221.221` -> `tel:0768221221`, for phones that dial on a tap."""
    return "tel:" + re.sub(r"[^\d+]", "", phone or "")


def _language_from_path():
    first = request.path.strip("/").split("/", 1)[0]
    set_language(first if first in LANGUAGES else None)


def _wants_json():
    """Errors under /api/ are JSON, also when no API route matched (404, 405)."""
    return request.path.startswith("/api/")


def _error_page(error, template, code, headers=None, **context):
    """The error page in the visitor's language; a plain page if even that fails."""
    headers = headers or {}
    if _wants_json():
        name = getattr(error, "name", "Internal Server Error")
        message = getattr(error, "description", "The server could not answer.")
        return jsonify(error=name, message=str(message)), code, headers
    _language_from_path()
    try:
        return render_template(template, error=error, **context), code, headers
    except Exception:  # the last resort must not fail: no template, no language switch
        log.exception("the %s page could not be rendered", code)
        db.session.rollback()
        return Response(FALLBACK_PAGE.format(code=code), code, headers, mimetype="text/html")


FALLBACK_PAGE = (
    '<!doctype html><html lang="vi"><meta charset="utf-8"><title>{code}</title>'
    "<h1>Lỗi {code} / Error {code}</h1>"
    '<p><a href="/">Trang chủ / Home page</a></p></html>'
)


def _bad_request(error):
    # A search refused stays in the header's box, to correct (less what no page can hold).
    typed = request.args.get("q", "") if request.endpoint == "search.index" else ""
    return _error_page(error, "errors/400.html", 400, query=_CONTROL.sub("", typed))


def _forbidden(error):
    return _error_page(error, "errors/403.html", 403)


def _gone(error):
    return _error_page(error, "errors/410.html", 410)


def _not_found(error):
    return _error_page(error, "errors/404.html", 404)


def _method_not_allowed(error):
    allowed = {"Allow": ", ".join(sorted(error.valid_methods))} if error.valid_methods else {}
    return _error_page(error, "errors/405.html", 405, allowed)


def _csrf_refused(error):
    db.session.rollback()
    audit.record("csrf.rejected", "anonymous", path=request.path, reason=error.description)
    db.session.commit()
    error.description = _l(
        "This form has expired or did not come from this site. Reload the page and try again."
    )
    return _error_page(error, "errors/400.html", 400)


def _too_large(error):
    return _error_page(error, "errors/413.html", 413)


def _server_error(error):
    db.session.rollback()
    return _error_page(error, "errors/500.html", 500)
