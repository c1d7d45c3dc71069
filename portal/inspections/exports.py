"""The rows of the inspection lists' CSV and JSON downloads (streamed by portal.downloads)."""

from flask import url_for
from sqlalchemy.orm import selectinload

from portal import workdays
from portal.i18n import current_language
from portal.inspections import deadlines
from portal.models import OVERDUE, Finding, InspectedUnit, Inspection, db, localized

INSPECTION_COLUMNS = (
    "slug",
    "title",
    "plan",
    "year",
    "started_on",
    "ended_on",
    "units",
    "topics",
    "conclusion_number",
    "conclusion_signed_on",
    "conclusion_published_on",
    "findings",
    "overdue",
    "url",
)
FINDING_COLUMNS = (
    "inspection",
    "unit",
    "topic",
    "finding",
    "recommendation",
    "responsible",
    "deadline",
    "status",
    "working_days_overdue",
    "last_follow_up",
    "last_follow_up_on",
    "url",
)


def _text(record, field):
    return localized(record, field, current_language()).text if record else ""


def inspection_rows(finder):
    """Every matching inspection as a flat dict, read in batches."""
    query = (
        finder.select()
        .options(
            selectinload(Inspection.plan),
            selectinload(Inspection.topic_links),
            selectinload(Inspection.units).joinedload(InspectedUnit.agency),
            selectinload(Inspection.findings),
        )
        .execution_options(yield_per=200)
    )
    cal, on = workdays.calendar(), finder.today
    for inspection in db.session.scalars(query):
        statuses = [deadlines.status_of(f, on, cal) for f in inspection.findings]
        yield {
            "slug": inspection.slug,
            "title": _text(inspection, "title"),
            "plan": inspection.plan.number if inspection.plan else "",
            "year": inspection.year,
            "started_on": inspection.started_on.isoformat(),
            "ended_on": inspection.ended_on.isoformat(),
            "units": "; ".join(_text(u.agency, "name") for u in inspection.units),
            "topics": " ".join(inspection.topics),
            "conclusion_number": inspection.conclusion_number or "",
            "conclusion_signed_on": _iso(inspection.conclusion_signed_on),
            "conclusion_published_on": _iso(inspection.conclusion_published_on),
            "findings": len(statuses),
            "overdue": statuses.count(OVERDUE),
            "url": url_for("inspections.detail", slug=inspection.slug, _external=True),
        }


def finding_rows(finder):
    """Every matching finding as a flat dict, in the page's order."""
    query = finder.select().options(
        selectinload(Finding.follow_ups),
        selectinload(Finding.inspection),
        selectinload(Finding.agency),
        selectinload(Finding.responsible),
    )
    cal, on = workdays.calendar(), finder.today
    for finding, status in db.session.execute(query.execution_options(yield_per=500)):
        last = finding.last_follow_up
        yield {
            "inspection": _text(finding.inspection, "title"),
            "unit": _text(finding.agency, "name"),
            "topic": str(finding.topic),
            "finding": _text(finding, "text"),
            "recommendation": _text(finding, "recommendation"),
            "responsible": _text(finding.responsible, "name"),
            "deadline": _iso(finding.deadline),
            "status": status,
            "working_days_overdue": deadlines.working_days_late(finding, on, cal)
            if status == OVERDUE
            else "",
            "last_follow_up": _text(last, "text"),
            "last_follow_up_on": _iso(last.reported_on) if last else "",
            "url": url_for(
                "inspections.detail",
                slug=finding.inspection.slug,
                _anchor=f"finding-{finding.id}",
                _external=True,
            ),
        }


def _iso(day):
    return day.isoformat() if day else ""
