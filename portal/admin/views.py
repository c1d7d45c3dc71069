"""The staff dashboard, /<lang>/admin: what needs attention, for the signed-in person; and
the audit trail, for admins, with filters and a CSV download."""

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime

import sqlalchemy as sa
from flask import Blueprint, abort, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from portal import access, audit, publishing, workdays
from portal.announcements import queries as announcements
from portal.downloads import Column, check_size, download, export_name
from portal.feedback import queries as feedback
from portal.inspections import queries as inspections
from portal.inspections.queries import of_agency, of_public_inspection, status_expression
from portal.models import (
    OVERDUE,
    Agency,
    AuditEvent,
    Feedback,
    FeedbackStatus,
    Finding,
    Hotline,
    Procedure,
    ProcedureLocal,
    Role,
    TranslationStatus,
    db,
    utcnow,
)
from portal.pagination import page_arg
from portal.procedures import queries as procedures
from portal.workdays import VIETNAM

bp = Blueprint("admin", __name__, url_prefix="/<lang>/admin")
access.guard(bp)


@bp.route("")
def index():
    records = _content(g.user)
    now = utcnow()
    return render_template(
        "admin/index.html",
        feedback=_feedback_waiting(),
        today=workdays.today(),
        can_read_audit=access.can(g.user, "read_audit"),
        in_review=[r for r in records if getattr(r.record, "status", None) == "in_review"],
        scheduled=sorted(
            (r for r in records if _scheduled(r.record, now)), key=lambda r: r.record.publish_at
        ),
        outdated=[r for r in records if r.record.translation_status == TranslationStatus.OUTDATED],
        overdue=_overdue_findings(),
        state=publishing.state,
    )


@dataclass(frozen=True)
class Entry:
    """One record on the dashboard: its kind (labels.DASHBOARD_KINDS), title, edit page."""

    kind: str
    title: str
    url: str
    record: object


def _content(user):
    """Every record in the editorial workflow the user may act on, of each content type:
    a few hundred of each are read in a blink (the states are derived from dates)."""
    found = [
        Entry(
            "announcement", a.title_vi, url_for("announcements_staff.edit", announcement_id=a.id), a
        )
        for a in db.session.scalars(announcements.for_staff(user, "", ""))
    ]
    found += [
        Entry("inspection", i.title_vi,
              url_for("inspections_editorial.edit_inspection", inspection_id=i.id), i)
        for i in db.session.scalars(inspections.inspections_for_staff(user, "", ""))
    ]  # fmt: skip
    local = procedures.for_staff(user, "", "").where(ProcedureLocal.id.is_not(None))
    found += [
        Entry("procedure_local", p.name_vi, url_for("procedures_staff.edit", code=p.code), p.local)
        for p in db.session.scalars(local.options(selectinload(Procedure.local)))
    ]
    hotlines = sa.select(Hotline).options(joinedload(Hotline.agency))
    agencies = sa.select(Agency).where(Agency.name_en.is_not(None))
    if user.role == Role.OFFICER:
        hotlines = hotlines.where(Hotline.agency_id == user.agency_id)
        agencies = agencies.where(Agency.id == user.agency_id)
    found += [
        Entry("hotline", f"{h.agency.name_vi}: {h.phone}",
              url_for("hotlines_staff.edit", hotline_id=h.id), h)
        for h in db.session.scalars(hotlines)
    ]  # fmt: skip
    found += [
        Entry("agency", a.name_vi, url_for("agencies_staff.edit", agency_id=a.id), a)
        for a in db.session.scalars(agencies)
    ]
    return found


def _scheduled(record, now):
    return getattr(record, "status", None) == "published" and bool(
        record.publish_at and record.publish_at > now
    )


def _feedback_waiting():
    """Feedback that waits for this person, oldest first, with its target date: new items
    for the province office, the agency's assigned ones for its officers."""
    query = sa.select(Feedback).order_by(Feedback.received_on, Feedback.id)
    if access.can(g.user, "triage"):
        query = query.where(Feedback.status == FeedbackStatus.RECEIVED)
        due = feedback.triage_due
    else:
        query = query.where(
            Feedback.status == FeedbackStatus.ASSIGNED,
            Feedback.assigned_agency_id == g.user.agency_id,
        )
        due = lambda item: feedback.answer_due(item)[0]  # noqa: E731
    return [(item, due(item)) for item in db.session.scalars(query.limit(20))]


def _overdue_findings():
    """How many findings of the officer's agency are overdue (None for other roles)."""
    if g.user.role != Role.OFFICER or g.user.agency_id is None:
        return None
    cutoff = workdays.overdue_cutoff(workdays.today(), workdays.calendar())
    return db.session.scalar(
        sa.select(sa.func.count(Finding.id)).where(
            of_agency(g.user.agency_id),
            of_public_inspection(),
            status_expression(cutoff) == OVERDUE,
        )
    )


AUDIT_COLUMNS = (
    Column("at", _l("Time (UTC)")),
    Column("kind", _l("Kind")),
    Column("actor", _l("Who")),
    Column("record", _l("Record")),
    Column("address", _l("Address")),
    Column("details", _l("Details")),
)


@bp.route("/audit")
def audit_page():
    """The audit trail, newest first, filtered by person, record, kind and dates (admins)."""
    access.require("read_audit")
    filters, problem = _audit_filters(request.args)
    if problem:
        abort(400, problem)
    query = _audit_query(filters)
    if request.args.get("format") == "csv":
        check_size(query)
        audit.record("audit.downloaded", g.user.email, filters=filters)
        db.session.commit()
        rows = (_audit_row(event) for event in db.session.scalars(query))
        return download(rows, AUDIT_COLUMNS, "csv", export_name("audit"))
    if request.args.get("format") not in (None, "", "html"):
        abort(400, _("Choose a format from the list."))
    page = db.paginate(query, page=page_arg(), per_page=50, error_out=False)
    return render_template("admin/audit.html", page=page, filters=filters)


def _audit_filters(args):
    """The filters as typed, and a message when a date is not a date."""
    filters = {name: args.get(name, "").strip()[:200] for name in ("actor", "record", "kind")}
    for name in ("start", "end"):
        value = args.get(name, "").strip()
        try:
            filters[name] = date.fromisoformat(value).isoformat() if value else ""
        except ValueError:
            return filters, _("A date is written like 2026-12-03.")
    return filters, None


def _audit_query(filters):
    query = sa.select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if filters["actor"]:
        query = query.where(AuditEvent.actor.icontains(filters["actor"], autoescape=True))
    if filters["record"]:
        query = query.where(AuditEvent.record == filters["record"])
    if filters["kind"]:
        query = query.where(AuditEvent.kind.startswith(filters["kind"], autoescape=True))
    # Days are Vietnam's, as every page shows them; the trail itself is in UTC.
    if filters["start"]:
        query = query.where(AuditEvent.at >= _vietnam_midnight(filters["start"]))
    if filters["end"]:
        following = date.fromisoformat(filters["end"]) + timedelta(days=1)
        query = query.where(AuditEvent.at < _vietnam_midnight(following.isoformat()))
    return query


def _vietnam_midnight(day):
    return datetime.combine(date.fromisoformat(day), dtime(0), tzinfo=VIETNAM).astimezone(UTC)


def _audit_row(event):
    # What a person typed (an actor's address at a failed login) is in it: download()
    # neutralises a cell a spreadsheet would run as a formula.
    return {
        "at": event.at.isoformat(),
        "kind": event.kind,
        "actor": event.actor,
        "record": event.record or "",
        "address": event.address or "",
        "details": json.dumps(event.details, ensure_ascii=False, sort_keys=True),
    }
