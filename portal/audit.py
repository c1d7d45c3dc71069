"""The audit trail: `record(kind, actor, …)` appends one AuditEvent; nothing changes one."""

from flask import has_request_context, request

from portal.models import AuditEvent, db


def record(kind, actor, on=None, address=None, **details):
    """Append what happened (`kind`, e.g. "user.created") by `actor` to record `on`
    ("user:3"), with the client's address when there is a request. The caller commits."""
    if address is None and has_request_context():
        address = request.remote_addr
    event = AuditEvent(kind=kind, actor=actor, record=on, address=address, details=details)
    db.session.add(event)
    return event
