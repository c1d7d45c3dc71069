"""Pages that belong to no single feature: home, language redirect, health, errors."""

import logging
import re
from types import SimpleNamespace

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from portal.i18n import LANGUAGES, preferred_language, set_language
from portal.indexing import sync
from portal.models import (
    Agency,
    Announcement,
    AnnouncementStatus,
    Hotline,
    Procedure,
    Validity,
    db,
)

bp = Blueprint("pages", __name__)
log = logging.getLogger(__name__)

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


def init_app(app):
    app.context_processor(_layout_context)
    app.jinja_env.filters["tel"] = tel_href
    app.register_error_handler(400, _bad_request)
    app.register_error_handler(404, _not_found)
    app.register_error_handler(405, _method_not_allowed)
    app.register_error_handler(500, _server_error)


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


@bp.route("/")
def root():
    """Send visitors to their language; the response varies with Accept-Language."""
    response = redirect(url_for("pages.home", lang=preferred_language()))
    response.headers["Vary"] = "Accept-Language"
    return response


@bp.route("/<lang>/")
def home():
    announcements = db.session.scalars(
        sa.select(Announcement)
        .where(Announcement.status == AnnouncementStatus.PUBLISHED)
        .order_by(Announcement.published_on.desc(), Announcement.id.desc())
        .limit(4)
    ).all()
    figures = {
        "procedures": db.session.scalar(
            sa.select(sa.func.count(Procedure.id)).where(Procedure.validity != Validity.ABOLISHED)
        ),
        "agencies": db.session.scalar(sa.select(sa.func.count(Agency.id))),
        "hotlines": db.session.scalar(sa.select(sa.func.count(Hotline.id))),
        "announcements": db.session.scalar(
            sa.select(sa.func.count(Announcement.id)).where(
                Announcement.status == AnnouncementStatus.PUBLISHED
            )
        ),
    }
    return render_template("pages/home.html", announcements=announcements, figures=figures)


@bp.route("/healthz")
def healthz():
    """For load balancers and monitoring: 200 when the database answers, 503 when not.

    The search index is a cache, so its state is reported without failing the check.
    """
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        log.exception("health check: database unreachable")
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok", search=sync.status())


def _language_from_path():
    first = request.path.strip("/").split("/", 1)[0]
    set_language(first if first in LANGUAGES else None)


def _bad_request(error):
    _language_from_path()
    return render_template("errors/400.html", error=error), 400


def _not_found(error):
    _language_from_path()
    return render_template("errors/404.html"), 404


def _method_not_allowed(error):
    _language_from_path()
    return render_template("errors/405.html"), 405


def _server_error(error):
    _language_from_path()
    db.session.rollback()
    return render_template("errors/500.html"), 500
