"""The hotline directory: every agency's number for problems with procedures (the staff's
pages that add, correct and withdraw numbers are in staff.py)."""

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from sqlalchemy.orm import joinedload

from portal import listing
from portal.models import Agency, ContentStatus, Hotline, Level, db

bp = Blueprint("hotlines", __name__, url_prefix="/<lang>/hotlines")


@bp.route("")
def index():
    query = listing.read_query(request.args)
    # A body that ceased (a district after 1 July 2025) is no number to call: its hotlines
    # stay on its own page, for the record, and are not offered here.
    hotlines = [
        hotline
        for hotline in db.session.scalars(
            sa.select(Hotline)
            .join(Hotline.agency)
            .options(joinedload(Hotline.agency))
            .where(Hotline.status == ContentStatus.PUBLISHED)
            .order_by(Hotline.is_main.desc(), Agency.level, Agency.name_vi, Hotline.id)
        )
        if hotline.agency.is_current()
    ]
    if query:
        found = listing.ranked(
            hotlines,
            query,
            "hotline",
            phones=lambda h: (h.phone,),
            texts=lambda h: (
                h.agency.name_vi,
                h.agency.name_en,
                h.purpose_vi,
                h.purpose_en,
                h.phone,
            ),
        )
        # The main hotline stays on top, but only when it answers what was asked.
        return render_template(
            "hotlines/index.html",
            q=query,
            total=len(found),
            main=[h for h in found if h.is_main],
            found=[h for h in found if not h.is_main],
            province_main=[h for h in hotlines if h.is_main],
        )
    groups = {level: [] for level in Level}
    main = [h for h in hotlines if h.is_main]
    for hotline in hotlines:
        if not hotline.is_main:
            groups[hotline.agency.level].append(hotline)
    return render_template("hotlines/index.html", q="", main=main, groups=groups)
