"""Inspection pages: the list, an inspection, the findings table, overdue ones, scorecards,
and a follow-up report's file; the list's and the overdue ones' Atom feeds (the staff's
pages are in staff.py)."""

import logging
import time
from functools import partial
from types import SimpleNamespace

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    g,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal import access, attachments, downloads, labels, publishing, workdays
from portal.downloads import check_size, download, export_name
from portal.i18n import current_language
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
    Attachment,
    ContentStatus,
    Finding,
    FollowUp,
    FollowUpLetter,
    InspectedUnit,
    Inspection,
    Topic,
    TranslationStatus,
    db,
    utcnow,
)
from portal.pagination import paginate
from portal.text import render_markdown

bp = Blueprint("inspections", __name__, url_prefix="/<lang>/inspections")
log = logging.getLogger(__name__)

RELEASE_EVERY = 30  # seconds between a worker's looks for scheduled inspections now due
_next_release_check = 0.0


@bp.before_app_request
def _release_due_now_and_then():
    # As for announcements: each worker looks now and then, and a failure here (the
    # database is down) is logged and the request goes on to its own answer.
    global _next_release_check
    if time.monotonic() < _next_release_check or request.endpoint in ("static", "home.healthz"):
        return
    _next_release_check = time.monotonic() + RELEASE_EVERY
    try:
        queries.release_due()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        log.exception("inspections: the look for scheduled ones failed; next in 30 s")


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


def _export_format(feed=False, workbook=False):
    """The ?format= asked for: html, csv or json; atom where the list has a feed and xlsx
    where it has a workbook (the findings)."""
    export = request.args.get("format", "html")
    allowed = (
        "html",
        "csv",
        "json",
        *(("atom",) if feed else ()),
        *(("xlsx",) if workbook else ()),
    )
    if export not in allowed:
        message = {
            (True, True): _l("The format must be csv, json, xlsx or atom."),
            (True, False): _l("The format must be csv, json or atom."),
            (False, True): _l("The format must be csv, json or xlsx."),
            (False, False): _l("The format must be csv or json."),
        }[feed, workbook]
        abort(400, description=str(message))
    return export


@bp.route("")
def index():
    filters = Filters.from_args(request.args)
    finder = InspectionFinder(filters)
    export = _export_format(feed=True)
    if export == "atom":
        entries = queries.inspection_feed_entries(finder, current_language())
        return downloads.feed("inspections.index", filters.args(), _l("Inspections"), entries)
    if export != "html":
        check_size(finder.select())
        name = export_name("inspections", filters.year, filters.unit)
        return download(queries.inspection_rows(finder), queries.INSPECTION_COLUMNS, export, name)
    page = paginate(
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
        feed_url=url_for("inspections.index", **filters.args(), format="atom"),
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
    overdue_only = name == "overdue"
    page_args = filters.args(status="") if overdue_only else filters.args()
    export = _export_format(feed=overdue_only, workbook=True)
    if export == "atom":
        entries = queries.overdue_feed_entries(finder, current_language())
        return downloads.feed(endpoint, page_args, _l("Overdue recommendations"), entries)
    if export != "html":
        check_size(finder.select())
        file = export_name(name, filters.year, filters.unit)
        return download(queries.finding_rows(finder), queries.FINDING_COLUMNS, export, file)
    query = finder.select().options(
        selectinload(Finding.public_follow_ups),
        selectinload(Finding.inspection),
        selectinload(Finding.agency),
    )
    page = paginate(query)
    cal = workdays.calendar()
    rows = [rate(finding, finder.today, cal) for finding in page.items]
    return render_template(
        "inspections/findings.html",
        page=page,
        rows=rows,
        filters=filters,
        facets=finder.facets(db.session),
        endpoint=endpoint,
        overdue_only=overdue_only,
        page_args=page_args,
        feed_url=url_for(endpoint, **page_args, format="atom") if overdue_only else None,
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
    # Not yet public: staff who may see it get a preview, visitors a page that does not exist.
    preview = not inspection.is_public(utcnow()) and inspection.status != ContentStatus.WITHDRAWN
    if preview and not access.can(g.get("user"), "view", inspection):
        abort(404)
    export = _export_format(workbook=True)
    if export != "html":  # its own findings, as the findings table has them (public ones)
        finder = queries.InspectionFindings(inspection)
        file = export_name("findings", inspection.slug)
        return download(queries.finding_rows(finder), queries.FINDING_COLUMNS, export, file)
    versions = publishing.versions(inspection)
    version, changes = publishing.asked_version(versions, Inspection.PUBLIC_FIELDS)
    on, cal = workdays.today(), workdays.calendar()
    rows = {}
    for finding in inspection.findings:
        rows.setdefault(finding.agency_id, []).append(rate(finding, on, cal))
    letters = db.session.scalars(
        sa.select(FollowUpLetter)
        .where(FollowUpLetter.findings.any(Finding.inspection_id == inspection.id))
        .order_by(FollowUpLetter.signed_on)
    ).all()
    reports = [
        r for f in inspection.findings for r in f.public_follow_ups if r.status == "published"
    ]
    english = current_language() == "en"
    status = 410 if inspection.status == ContentStatus.WITHDRAWN else 200
    return render_template(
        "inspections/detail.html",
        inspection=inspection,
        shown=SimpleNamespace(**version.fields) if version else inspection,
        version=version,
        versions=versions,
        changes=changes,
        preview=preview,
        outdated=english and inspection.translation_status == TranslationStatus.OUTDATED,
        rows=rows,
        letters=letters,
        today=on,
        files=attachments.of_each(reports),
        markdown=partial(render_markdown, top=3),  # under the "Conclusion" <h2>
    ), status


@bp.route("/units/<slug:slug>")
def unit(slug):
    agency = db.session.scalar(sa.select(Agency).where(Agency.slug == slug))
    if agency is None:
        abort(404)
    return render_template("inspections/unit.html", agency=agency, card=scorecard(agency))


@bp.route("/attachments/<int:attachment_id>")
def attachment(attachment_id):
    """A file attached to a follow-up report: for everyone once the report is published;
    for the staff who may see the report before that."""
    file = db.get_or_404(Attachment, attachment_id)
    kind, _sep, record_id = file.record.partition(":")
    report = db.session.get(FollowUp, int(record_id)) if kind == "follow_up" else None
    if report is None:
        abort(404)
    public = report.status == ContentStatus.PUBLISHED and report.finding.inspection.is_public(
        utcnow()
    )
    if not public and not access.can(g.user, "view", report):
        abort(410 if report.status == ContentStatus.WITHDRAWN else 404)
    return attachments.send(file)
