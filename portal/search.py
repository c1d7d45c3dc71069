"""Site search across procedures, announcements, agencies and hotlines.

A plain accent-insensitive scan of the database: enough for the foundation's few hundred
records. The Whoosh engine of the search issue replaces `find()` behind the same page.
"""

import re

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from portal.i18n import current_language
from portal.models import Agency, Announcement, Hotline, Procedure, Status, db, localized
from portal.text import fold

bp = Blueprint("search", __name__, url_prefix="/<lang>/search")

MAX_QUERY_LENGTH = 200
TYPE_LABELS = {
    "procedure": _l("Procedure"),
    "announcement": _l("Announcement"),
    "agency": _l("Agency"),
    "hotline": _l("Hotline"),
}


def _documents():
    """Every searchable record as (type, title record+field, url, texts to match)."""
    for a in db.session.scalars(
        sa.select(Announcement).where(Announcement.status == Status.PUBLISHED)
    ):
        yield "announcement", a, "title", url_for("announcements.detail", slug=a.slug), (
            a.title_vi, a.title_en, a.summary_vi, a.summary_en, a.body_vi, a.body_en)
    for p in db.session.scalars(sa.select(Procedure)):
        yield "procedure", p, "name", url_for("procedures.detail", code=p.code), (
            p.name_vi, p.name_en, p.code)
    for a in db.session.scalars(sa.select(Agency)):
        yield "agency", a, "name", url_for("agencies.detail", slug=a.slug), (
            a.name_vi, a.name_en, a.address)
    for h in db.session.scalars(sa.select(Hotline).options(joinedload(Hotline.agency))):
        yield "hotline", h.agency, "name", url_for("hotlines.index") + f"#hotline-{h.id}", (
            h.agency.name_vi, h.agency.name_en, h.purpose_vi, h.purpose_en, h.phone,
            re.sub(r"\D", "", h.phone))


def find(query):
    """Records whose text holds every word of the query, titles first."""
    words = fold(query).split()
    if not words:
        return []
    locale = current_language()
    results = []
    for kind, record, field, url, texts in _documents():
        haystack = fold(" ".join(t for t in texts if t))
        if all(word in haystack for word in words):
            title = localized(record, field, locale)
            in_title = all(word in fold(texts[0]) or word in fold(texts[1]) for word in words)
            results.append({"type": kind, "record": record, "field": field, "url": url,
                            "title": title.text, "rank": 0 if in_title else 1})
    results.sort(key=lambda r: (r["rank"], fold(r["title"])))
    return results


@bp.route("")
def index():
    query = request.args.get("q", "").strip()
    if len(query) > MAX_QUERY_LENGTH:
        abort(400, description=_("The search text is too long: at most %(max)s characters.",
                                 max=MAX_QUERY_LENGTH))
    results = find(query) if query else []
    return render_template("search/index.html", query=query, results=results,
                           labels=TYPE_LABELS)
