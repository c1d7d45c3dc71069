"""The hotline directory: every agency's number for problems with procedures."""

import sqlalchemy as sa
from flask import Blueprint, render_template
from sqlalchemy.orm import joinedload

from portal.models import Agency, Hotline, Level, db

bp = Blueprint("hotlines", __name__, url_prefix="/<lang>/hotlines")


@bp.route("")
def index():
    hotlines = db.session.scalars(
        sa.select(Hotline)
        .join(Hotline.agency)
        .options(joinedload(Hotline.agency))
        .order_by(Hotline.is_main.desc(), Agency.level, Agency.name_vi, Hotline.id)
    ).all()
    groups = {level: [] for level in Level}
    main = [h for h in hotlines if h.is_main]
    for hotline in hotlines:
        if not hotline.is_main:
            groups[hotline.agency.level].append(hotline)
    return render_template("hotlines/index.html", main=main, groups=groups)
