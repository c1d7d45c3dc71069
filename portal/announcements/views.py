"""Announcement pages: the list (newest first, with its own box, and its Atom feed) and an
announcement with its public history (the staff's pages are in staff.py)."""

import logging
import time
from types import SimpleNamespace

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from portal import access, downloads, listing, publishing
from portal.announcements import queries
from portal.i18n import current_language
from portal.models import (
    Announcement,
    AnnouncementStatus,
    TranslationStatus,
    db,
    utcnow,
)
from portal.pagination import page_arg
from portal.text import render_markdown

bp = Blueprint("announcements", __name__, url_prefix="/<lang>/announcements")
log = logging.getLogger(__name__)

RELEASE_EVERY = 30  # seconds between a worker's looks for scheduled announcements now due
_next_release_check = 0.0


@bp.before_app_request
def _release_due_now_and_then():
    # Each worker looks now and then; the pages themselves never wait for this, so a
    # failure here (the database is down) is logged and the request goes on: /healthz
    # must still say 503, and a page its own error.
    global _next_release_check
    if time.monotonic() < _next_release_check or request.endpoint in ("static", "home.healthz"):
        return
    _next_release_check = time.monotonic() + RELEASE_EVERY
    try:
        queries.release_due()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        log.exception("announcements: the look for scheduled ones failed; next in 30 s")


@bp.route("")
def index():
    """The list, newest first, found with the search engine; its newest announcements in
    force as an Atom feed (?format=atom); the list as CSV or JSON (?format=csv, json)."""
    query = listing.read_query(request.args)
    export = request.args.get("format", "html")
    if export not in ("html", "atom", "csv", "json"):
        abort(400, _("The format must be csv, json or atom."))
    kept = {"q": query} if query else {}
    if export == "atom":
        entries = queries.feed_entries(_matching(queries.published(), query), current_language())
        return downloads.feed("announcements.index", kept, _("Announcements"), entries)
    if export != "html":  # the list as it shows, withdrawn ones marked
        listed = _matching(queries.listed(), query)
        downloads.check_size(listed)
        name = downloads.export_name("announcements")
        return downloads.download(queries.rows(listed), queries.COLUMNS, export, name)
    page = db.paginate(
        _matching(queries.listed(), query),
        page=page_arg(),
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )
    if page.page > 1 and not page.items:
        abort(404)
    return render_template(
        "announcements/index.html",
        page=page,
        q=query,
        feed_url=url_for("announcements.index", **kept, format="atom"),
    )


def _matching(listed, query):
    """`listed` narrowed to what the box's words find."""
    if not query:
        return listed
    ids = listing.ranked_ids(query, "announcement")
    # News stays newest first; without an index yet, the title is matched as typed.
    return listed.where(
        Announcement.id.in_(ids)
        if ids is not None
        else Announcement.title_vi.contains(query, autoescape=True)
    )


@bp.route("/<slug:slug>")
def detail(slug):
    announcement = db.session.scalar(sa.select(Announcement).where(Announcement.slug == slug))
    if announcement is None:
        abort(404)
    # Not yet public: staff who may see it get a preview, visitors a page that does not exist.
    preview = not announcement.is_public(utcnow()) and announcement.status != "withdrawn"
    if preview and not access.can(g.get("user"), "view", announcement):
        abort(404)
    versions = publishing.versions(announcement)
    version, changes = publishing.asked_version(versions, Announcement.PUBLIC_FIELDS)
    shown = SimpleNamespace(**version.fields) if version else announcement
    english = current_language() == "en"
    status = 410 if announcement.status == AnnouncementStatus.WITHDRAWN else 200
    return render_template(
        "announcements/detail.html",
        announcement=announcement,
        shown=shown,
        version=version,
        versions=versions,
        changes=changes,
        preview=preview,
        outdated=english and announcement.translation_status == TranslationStatus.OUTDATED,
        markdown=render_markdown,
    ), status
