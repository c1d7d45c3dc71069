"""Who may do what, in one place: pages, forms and the API all ask `can()`.

- admin: everything, users and roles included;
- editor: all content;
- officer: the records of their own agency (`owners()` says whose a record is: an
  inspection is its lead agency's, findings included), and the feedback assigned to it;
  accepting, rejecting and assigning feedback ("triage") is the province office's, so
  editors' and admins'.

A staff blueprint calls `guard(bp)` once, so no view can forget the sign-in check; a view
then calls `require(action, record)` for the object it touches. A refusal is a 403 page in
the visitor's language and an audit entry.
"""

import sqlalchemy as sa
from flask import abort, g, redirect, request, url_for

from portal import audit
from portal.models import (
    Agency,
    Announcement,
    Feedback,
    Finding,
    FollowUp,
    Hotline,
    Inspection,
    InspectionPlan,
    Procedure,
    ProcedureLocal,
    Role,
    db,
)

# What a user may do to a record: see it on the staff side (drafts included), change it,
# make it public or withdraw it; and what only admins do: manage accounts, read the audit.
ACTIONS = ("view", "edit", "publish", "triage", "manage_users", "read_audit")
ADMIN_ONLY = ("manage_users", "read_audit")
# What the province's office does for every agency: accept, reject and assign feedback.
NOT_FOR_OFFICERS = ("triage",)


def owners(record):
    """The ids of the agencies whose record this is (an officer of one may act on it)."""
    if isinstance(record, Agency):
        return {record.id}
    if isinstance(record, Announcement | Hotline):
        return {record.agency_id} - {None}
    if isinstance(record, Inspection):  # its conclusion and findings: the lead agency's
        return {record.lead_agency_id} - {None}
    if isinstance(record, InspectionPlan):
        return {record.issuer_id} - {None}
    if isinstance(record, Procedure):
        return {agency.id for agency in record.agencies_in("implementing")}
    if isinstance(record, Finding):
        return {record.responsible_id or record.agency_id}
    if isinstance(record, Feedback):  # the agency it was assigned to answers it
        return {record.assigned_agency_id} - {None}
    if isinstance(record, ProcedureLocal):  # the procedure's implementing agencies
        return owners(record.procedure or db.session.get(Procedure, record.procedure_id))
    if isinstance(record, FollowUp):  # a new one may have only its finding's id yet
        return owners(record.finding or db.session.get(Finding, record.finding_id))
    return set()


def can(user, action, record=None):
    """May `user` do `action` (one of ACTIONS) to `record` (None: the staff pages at all)?"""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if user is None or not user.active:
        return False
    if user.role == Role.ADMIN:
        return True
    if action in ADMIN_ONLY:
        return False
    if user.role == Role.EDITOR:
        return True
    if action in NOT_FOR_OFFICERS:
        return False
    if record is None:
        return True
    return user.agency_id is not None and user.agency_id in owners(record)


def agency_choices(user, none=False):
    """The agencies `user` may put a record under: an officer's own (and none, with `none`),
    or any current one and none (a province-wide record) for the others. As (id, name) for
    a select whose coerce is `chosen_id`."""
    query = sa.select(Agency.id, Agency.name_vi).order_by(Agency.name_vi)
    if user.role == Role.OFFICER:
        own = [tuple(row) for row in db.session.execute(query.where(Agency.id == user.agency_id))]
        return [(None, "—"), *own] if none else own
    current = query.where(Agency.successor_id.is_(None))
    return [(None, "—"), *(tuple(row) for row in db.session.execute(current))]


def chosen_id(value):
    """A select's value as a record id, or None for its "—" choice."""
    return int(value) if value not in (None, "", "None") else None


def record_key(record):
    """`announcement:5`: how the audit trail names a record."""
    if record is None:
        return None
    return f"{type(record).__tablename__}:{record.id if record.id is not None else 'new'}"


def require(action, record=None):
    """Go on if the signed-in user may; else a 403, with the refusal in the audit trail."""
    user = g.get("user")
    if can(user, action, record):
        return
    key, email = record_key(record), user.email if user else "anonymous"
    db.session.rollback()  # nothing the refused request changed is kept, only the refusal
    audit.record(
        "access.refused",
        email,
        on=key,
        action=action,
        path=request.path,
    )
    db.session.commit()
    abort(403)


def signed_in(enrolling=False):
    """A redirect for a visitor who may not see staff pages yet, else None: to sign in,
    or, for an admin without a second factor, to set one up (it is mandatory for admins)."""
    user = g.get("user")
    if user is None:
        return redirect(url_for("users.login", next=request.full_path.rstrip("?")), 303)
    if not enrolling and user.role == Role.ADMIN and not user.totp_enabled_at:
        return redirect(url_for("users.mfa_page"), 303)
    return None


def guard(bp):
    """Every page of `bp` is for signed-in staff, and never kept by a cache."""
    bp.before_request(signed_in)

    @bp.after_request
    def _never_cached(response):
        response.headers["Cache-Control"] = "no-store"
        return response
