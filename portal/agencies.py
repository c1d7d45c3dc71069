"""Agency directory: the province's bodies as a tree, each with contacts and hotlines."""

import sqlalchemy as sa
from flask import Blueprint, abort, render_template
from sqlalchemy.orm import selectinload

from portal.models import Agency, db

bp = Blueprint("agencies", __name__, url_prefix="/<lang>/agencies")


@bp.route("")
def index():
    agencies = db.session.scalars(sa.select(Agency).order_by(Agency.name_vi)).all()
    children = {}
    for agency in agencies:
        children.setdefault(agency.parent_id, []).append(agency)
    return render_template("agencies/index.html", children=children, total=len(agencies))


@bp.route("/<slug>")
def detail(slug):
    agency = db.session.scalar(
        sa.select(Agency)
        .where(Agency.slug == slug)
        .options(selectinload(Agency.hotlines), selectinload(Agency.children))
    )
    if agency is None:
        abort(404)
    return render_template("agencies/detail.html", agency=agency)
