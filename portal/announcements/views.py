"""Announcement pages: the list (newest first, with its own box) and an announcement."""

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, render_template, request

from portal import listing
from portal.announcements import queries
from portal.models import Announcement, AnnouncementStatus, db
from portal.pagination import page_arg
from portal.text import render_markdown

bp = Blueprint("announcements", __name__, url_prefix="/<lang>/announcements")


@bp.route("")
def index():
    query = listing.read_query(request.args)
    listed = queries.published()
    if query:
        ids = listing.ranked_ids(query, "announcement")
        # News stays newest first; without an index yet, the title is matched as typed.
        listed = listed.where(
            Announcement.id.in_(ids)
            if ids is not None
            else Announcement.title_vi.contains(query, autoescape=True)
        )
    page = db.paginate(
        listed, page=page_arg(), per_page=current_app.config["PER_PAGE"], error_out=False
    )
    if page.page > 1 and not page.items:
        abort(404)
    return render_template("announcements/index.html", page=page, q=query)


@bp.route("/<slug:slug>")
def detail(slug):
    announcement = db.session.scalar(sa.select(Announcement).where(Announcement.slug == slug))
    # Drafts do not exist for visitors; a withdrawn one stays, marked as withdrawn.
    if announcement is None or announcement.status == AnnouncementStatus.DRAFT:
        abort(404)
    return render_template(
        "announcements/detail.html", announcement=announcement, markdown=render_markdown
    )
