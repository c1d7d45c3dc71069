"""Inspection pages: the list, an inspection, the findings table, overdue ones, scorecards."""

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal import labels, workdays
from portal.downloads import check_size, download
from portal.inspections import queries
from portal.inspections.queries import (
    Filters,
    FindingFilters,
    FindingFinder,
    InspectionFinder,
    rate,
    scorecard,
)
from portal.models import (
    OVERDUE,
    Agency,
    Finding,
    FollowUpLetter,
    InspectedUnit,
    Inspection,
    Topic,
    db,
)
from portal.pagination import page_arg

bp = Blueprint("inspections", __name__, url_prefix="/<lang>/inspections")

# Inspection conclusions are published within 10 days of signing (Law on Inspection 2022,
# Art. 79); later publication is flagged on the page.
PUBLICATION_DAYS = 10


@bp.context_processor
def helpers():
    return {
        "publication_days": PUBLICATION_DAYS,
        "facet_label": _facet_label,
    }


def _facet_label(name, value, label):
    if name == "unit":
        return label
    if name == "level":
        return labels.AGENCY_LEVELS[value]
    if name == "topic":
        return labels.TOPICS[Topic(value)]
    if name == "status":
        return labels.FINDING_STATUSES[value]
    return value


def _export_format():
    export = request.args.get("format", "html")
    if export not in ("html", "csv", "json"):
        abort(400, description=str(_l("The format must be csv or json.")))
    return export


def _paginate(query, **options):
    page = db.paginate(
        query, page=page_arg(), per_page=current_app.config["PER_PAGE"], error_out=False, **options
    )
    if page.page > 1 and not page.items:
        abort(404)
    return page


@bp.route("")
def index():
    filters = Filters.from_args(request.args)
    finder = InspectionFinder(filters)
    export = _export_format()
    if export != "html":
        check_size(finder.select())
        return download(
            queries.inspection_rows(finder), queries.INSPECTION_COLUMNS, export, "inspections"
        )
    page = _paginate(
        finder.select().options(
            selectinload(Inspection.plan),
            selectinload(Inspection.topic_links),
            selectinload(Inspection.units).joinedload(InspectedUnit.agency),
            selectinload(Inspection.findings),
        )
    )
    cal = workdays.calendar()
    statuses = {
        i.id: [queries.status_of(f, finder.today, cal) for f in i.findings] for i in page.items
    }
    return render_template(
        "inspections/index.html",
        page=page,
        filters=filters,
        facets=finder.facets(db.session),
        statuses=statuses,
    )


@bp.route("/findings")
def findings():
    return _findings_page(
        FindingFilters.from_args(request.args), "inspections.findings", "findings"
    )


@bp.route("/overdue")
def overdue():
    args = request.args.to_dict()
    if args.pop("status", OVERDUE) != OVERDUE:
        abort(400, description=str(_l("This page lists overdue findings only.")))
    filters = FindingFilters.from_args({**args, "status": OVERDUE})
    return _findings_page(filters, "inspections.overdue", "overdue")


def _findings_page(filters, endpoint, name):
    finder = FindingFinder(filters)
    export = _export_format()
    if export != "html":
        check_size(finder.select())
        return download(queries.finding_rows(finder), queries.FINDING_COLUMNS, export, name)
    query = finder.select().options(
        selectinload(Finding.public_follow_ups),
        selectinload(Finding.inspection),
        selectinload(Finding.agency),
    )
    page = _paginate(query)
    cal = workdays.calendar()
    rows = [rate(finding, finder.today, cal) for finding in page.items]
    page_args = filters.args(status="") if name == "overdue" else filters.args()
    return render_template(
        "inspections/findings.html",
        page=page,
        rows=rows,
        filters=filters,
        facets=finder.facets(db.session),
        endpoint=endpoint,
        overdue_only=name == "overdue",
        page_args=page_args,
    )


@bp.route("/<slug:slug>")
def detail(slug):
    inspection = db.session.scalar(
        sa.select(Inspection)
        .where(Inspection.slug == slug)
        .options(
            selectinload(Inspection.units).joinedload(InspectedUnit.agency),
            selectinload(Inspection.findings).selectinload(Finding.public_follow_ups),
            selectinload(Inspection.findings).selectinload(Finding.letters),
            selectinload(Inspection.members),
            selectinload(Inspection.topic_links),
        )
    )
    if inspection is None:
        abort(404)
    on, cal = workdays.today(), workdays.calendar()
    rows = {}
    for finding in inspection.findings:
        rows.setdefault(finding.agency_id, []).append(rate(finding, on, cal))
    letters = db.session.scalars(
        sa.select(FollowUpLetter)
        .where(FollowUpLetter.findings.any(Finding.inspection_id == inspection.id))
        .order_by(FollowUpLetter.signed_on)
    ).all()
    return render_template(
        "inspections/detail.html", inspection=inspection, rows=rows, letters=letters, today=on
    )


@bp.route("/units/<slug:slug>")
def unit(slug):
    agency = db.session.scalar(sa.select(Agency).where(Agency.slug == slug))
    if agency is None:
        abort(404)
    return render_template("inspections/unit.html", agency=agency, card=scorecard(agency))
