"""The home page, the language redirect at `/` and the health check for load balancers."""

import logging
from types import SimpleNamespace

import sqlalchemy as sa
from flask import Blueprint, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _

from portal.announcements.queries import is_public, published
from portal.i18n import preferred_language
from portal.indexing import sync
from portal.models import (
    Agency,
    Announcement,
    Hotline,
    Level,
    Procedure,
    Validity,
    db,
)

bp = Blueprint("home", __name__)
log = logging.getLogger(__name__)


@bp.route("/")
def root():
    """Send visitors to their language; the response varies with Accept-Language."""
    response = redirect(url_for("home.index", lang=preferred_language()))
    response.headers["Vary"] = "Accept-Language"
    return response


def province_bodies():
    """How many of the province's own bodies the directory holds: its tree (a body with a
    parent, or a parent), not the national bodies and bare names that procedures name."""
    parents = sa.select(Agency.parent_id).where(Agency.parent_id.is_not(None))
    return sa.select(sa.func.count(Agency.id)).where(
        Agency.level != Level.MINISTRY,
        sa.or_(Agency.parent_id.is_not(None), Agency.id.in_(parents)),
    )


@bp.route("/<lang>/")
def index():
    announcements = db.session.scalars(published().limit(4)).all()
    figures = {
        "procedures": db.session.scalar(
            sa.select(sa.func.count(Procedure.id)).where(Procedure.validity != Validity.ABOLISHED)
        ),
        "agencies": db.session.scalar(province_bodies()),
        "hotlines": db.session.scalar(
            sa.select(sa.func.count(Hotline.id)).where(Hotline.status == "published")
        ),
        "announcements": db.session.scalar(
            sa.select(sa.func.count(Announcement.id)).where(is_public())
        ),
    }
    return render_template(
        "home/index.html", announcements=announcements, figures=figures, tasks=tasks()
    )


def tasks():
    """What people come for, each a link to where it is done: the home page's cards."""
    task = SimpleNamespace
    return [
        task(
            label=_("Register a birth"),
            hint=_("What to bring, how long it takes, what it costs"),
            url=url_for("procedures.index", q="đăng ký khai sinh"),
        ),
        task(
            label=_("Find a procedure"),
            hint=_("By name, code, field or life event"),
            url=url_for("procedures.index"),
        ),
        task(
            label=_("Find a hotline"),
            hint=_("Every agency's numbers for help with a procedure"),
            url=url_for("hotlines.index"),
        ),
        task(
            label=_("Read inspection results"),
            hint=_("What was wrong, what must be fixed, by when"),
            url=url_for("inspections.index"),
        ),
        task(
            label=_("See overdue recommendations"),
            hint=_("Shortcomings not fixed by their deadline"),
            url=url_for("inspections.overdue"),
        ),
        task(
            label=_("Send feedback or a petition"),
            hint=_("About a rule or a procedure; you get a tracking code"),
            url=url_for("feedback.new"),
        ),
        task(
            label=_("Follow your feedback"),
            hint=_("With the tracking code you were given"),
            url=url_for("feedback.status"),
        ),
        task(
            label=_("Read announcements"),
            hint=_("News and notices from the province's agencies"),
            url=url_for("announcements.index"),
        ),
    ]


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
