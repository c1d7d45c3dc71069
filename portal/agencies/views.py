"""Agency directory: the province's bodies as a tree, each with contacts and hotlines (the
staff's page where an agency keeps its own contacts is in staff.py).

The directory's box (here and on the hotline page) ranks with the search engine and falls
back to a plain match while the index is not built yet.
"""

import re
from types import SimpleNamespace
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from portal import listing, publishing
from portal.agencies import queries
from portal.downloads import download, export_name
from portal.feedback import queries as feedback
from portal.inspections import queries as inspections
from portal.labels import HOTLINE_CHANNELS
from portal.models import (
    SLUG,
    Agency,
    AgencyAlias,
    Hotline,
    Level,
    Procedure,
    ProcedureAgency,
    Validity,
    db,
)

bp = Blueprint("agencies", __name__, url_prefix="/<lang>/agencies")


@bp.before_app_request
def follow_a_merged_agency():
    """`?agency=` naming a body merged into another (an old link in the news) leads to the
    same list of the agency it became, on every page that filters by agency, for good."""
    slug = request.args.get("agency")
    if request.method != "GET" or not slug or not re.fullmatch(SLUG, slug):
        return None  # no slug (a NUL, say, which PostgreSQL refuses to compare): the page says
    if db.session.scalar(sa.select(Agency.id).where(Agency.slug == slug)) is not None:
        return None
    alias = db.session.scalar(sa.select(AgencyAlias).where(AgencyAlias.slug == slug))
    if alias is None:
        return None
    args = request.args.copy()
    args["agency"] = alias.agency.slug
    return redirect(f"{request.path}?{urlencode(list(args.items(multi=True)))}", 301)


def main_hotlines():
    """The province's main hotlines (1022), for pages where nothing matched."""
    return db.session.scalars(
        sa.select(Hotline)
        .where(Hotline.is_main, Hotline.status == "published")
        .options(joinedload(Hotline.agency))
        .order_by(Hotline.id)
    ).all()


@bp.route("")
def index():
    """The tree, or the agencies the box found; every agency (or those found) as CSV or
    JSON (?format=csv, json), those that ceased with who took over."""
    query = listing.read_query(request.args)
    export = request.args.get("format", "html")
    if export not in ("html", "csv", "json"):
        abort(400, description=str(_l("The format must be csv or json.")))
    agencies = db.session.scalars(
        sa.select(Agency)
        .order_by(Agency.name_vi)
        .options(joinedload(Agency.parent), joinedload(Agency.successor))
    ).all()
    found = None
    if query:
        found = listing.ranked(
            agencies,
            query,
            "agency",
            texts=lambda a: (a.name_vi, a.name_en),
            phones=lambda a: (a.phone,),
        )
    if export != "html":
        listed = found if query else agencies
        name = export_name("agencies")
        return download(queries.rows(listed), queries.COLUMNS, export, name)
    if query:
        return render_template(
            "agencies/index.html", q=query, found=found, main=[] if found else main_hotlines()
        )
    # Bodies that ceased (the districts, merged departments) leave the tree for a list of
    # their own, each with who took over.
    former = [agency for agency in agencies if not agency.is_current()]
    children = {}
    for agency in agencies:
        if agency.is_current():
            children.setdefault(agency.parent_id, []).append(agency)
    # The province's own tree starts at its province-level roots; bodies named only by
    # national procedures (ministries, generic "commune People's Committee") come apart.
    roots = children.get(None, [])
    province = [a for a in roots if a.level == Level.PROVINCE and a.id in children]
    others = [a for a in roots if a not in province]
    return render_template(
        "agencies/index.html",
        q="",
        children=children,
        province=province,
        others=others,
        former=former,
        total=len(agencies) - len(former),
    )


@bp.route("/<slug:slug>")
def detail(slug):
    agency = db.session.scalar(
        sa.select(Agency)
        .where(Agency.slug == slug)
        .options(selectinload(Agency.public_hotlines), selectinload(Agency.children))
    )
    if agency is None:
        alias = db.session.scalar(sa.select(AgencyAlias).filter_by(slug=slug))
        if alias is None:
            abort(404)
        # Merged into another agency: its old address leads there, for good.
        return redirect(url_for("agencies.detail", slug=alias.agency.slug), 301)
    # Its contacts' and its numbers' published changes; a draft number has none.
    kept = db.session.scalars(
        sa.select(Hotline).where(
            Hotline.agency_id == agency.id, Hotline.status.in_(("published", "withdrawn"))
        )
    ).all()
    # ?v=N: the contacts as that published version had them (cited by its permalink).
    versions = publishing.versions(agency)
    version, changes = publishing.asked_version(versions, Agency.PUBLIC_FIELDS)
    return render_template(
        "agencies/detail.html",
        agency=agency,
        shown=SimpleNamespace(**version.fields) if version else agency,
        version=version,
        versions=versions,
        changes=changes,
        history=publishing.history([agency, *kept]),
        history_value=history_value,
        procedure_counts=procedure_counts(agency),
        inspection_card=inspections.summary(agency),
        feedback_figures=feedback.figures(agency),
    )


def history_value(field, value):
    """A value of the agency page's history as a reader reads it."""
    if not value:
        return "—"
    if field == "channels":
        return ", ".join(str(HOTLINE_CHANNELS.get(key, key)) for key in value.split())
    return value


def procedure_counts(agency):
    """How many procedures in force the agency implements, in all and per level."""
    implemented = sa.select(ProcedureAgency.procedure_id).where(
        ProcedureAgency.agency_id == agency.id, ProcedureAgency.role == "implementing"
    )
    columns = [sa.func.count()] + [
        sa.func.sum(sa.case((getattr(Procedure, f"level_{level}"), 1), else_=0))
        for level in Procedure.LEVELS
    ]
    row = db.session.execute(
        sa.select(*columns).where(
            Procedure.id.in_(implemented), Procedure.validity != Validity.ABOLISHED
        )
    ).one()
    return {
        "total": row[0],
        "levels": {
            level: count for level, count in zip(Procedure.LEVELS, row[1:], strict=True) if count
        },
    }
