"""`flask import feedback`: an agency's existing feedback and answers moved in from JSON
Lines, all or nothing (format in the README).

The key is (channel, received_on, title): importing the same file twice changes nothing.
An imported item gets a tracking code nobody is told (its sender never had one) and a
history rebuilt from its dates, by "import: FILE"; a later import that moves it on adds
the step, since the history is append-only. The sender's fields are personal data: no
error message, count or log line repeats them.
"""

from collections import Counter
from datetime import datetime, time
from pathlib import Path

import sqlalchemy as sa

from portal.feedback import codes
from portal.importing import Fields, SourceError, all_or_nothing, assign, read_jsonl
from portal.models import (
    PROCEDURE_CODE,
    Agency,
    Channel,
    Feedback,
    FeedbackEvent,
    FeedbackStatus,
    Ground,
    Procedure,
    Redaction,
    Sector,
    SenderType,
    db,
)
from portal.text import EMAIL
from portal.workdays import VIETNAM, today

FIELDS = (
    "received_on",
    "channel",
    "sender_type",
    "sender_name",
    "sender_phone",
    "sender_email",
    "sender_address",
    "agency",
    "field",
    "procedure_codes",
    "title",
    "content",
    "status",
    "rejected_reason",
    "assigned_agency",
    "answer",
    "public",
)
ANSWER_FIELDS = (
    "text_vi",
    "text_en",
    "agency",
    "signer_title",
    "number",
    "signed_on",
    "answered_on",
)
PUBLIC_FIELDS = ("title", "question", "published_on", "redactions")
# What a file may say an item is at; withdrawal is the sender's own step, never imported.
STATUSES = ("received", "accepted", "rejected", "assigned", "answered", "published")
ANSWERED = ("answered", "published")
# The history an item in each state has been through, in order.
STEPS = {
    "received": ("received",),
    "accepted": ("received", "accepted"),
    "rejected": ("received", "rejected"),
    "assigned": ("received", "accepted", "assigned"),
    "answered": ("received", "accepted", "assigned", "answered"),
    "published": ("received", "accepted", "assigned", "answered", "published"),
}


def _clean_line(data, agencies, sectors, name, number):
    """Check one object and turn it into Feedback column values (and its redactions)."""
    check = Fields(data, agencies, file=name, row=number)
    check.only(*FIELDS)
    status = check.choice("status", STATUSES)
    values = {
        "received_on": check.date("received_on"),
        "channel": Channel(check.choice("channel", [c.value for c in Channel])),
        "sender_type": SenderType(check.choice("sender_type", [s.value for s in SenderType])),
        "sender_name": check.text("sender_name", 200),
        "sender_phone": check.text("sender_phone", 60, required=False),
        "sender_email": check.text("sender_email", 254, required=False),
        "sender_address": check.text("sender_address", 300, required=False),
        "agency_id": check.agency_id("agency", required=False),
        "procedure_codes": check.strings("procedure_codes", required=False),
        "title": check.text("title", 300),
        "content": check.text("content", 20_000),
        "status": FeedbackStatus(status),
        "assigned_agency_id": check.agency_id(
            "assigned_agency", required=status in ("assigned", *ANSWERED)
        ),
    }
    if values["sender_email"] and not EMAIL.match(values["sender_email"]):
        check.fail("sender_email", "is not an e-mail address")  # never repeated: personal
    for n, code in enumerate(values["procedure_codes"]):
        if not PROCEDURE_CODE.match(code):
            check.fail(f"procedure_codes[{n}]", f'"{code}" is not a procedure code like 1.000689')
    values["sector_id"] = _sector_id(check, sectors, values["procedure_codes"])
    if values["received_on"] > today():
        check.fail("received_on", "is in the future")
    reason = check.text("rejected_reason", 2000, required=status == "rejected")
    if reason and status != "rejected":
        check.fail("rejected_reason", 'is only for an item whose status is "rejected"')
    values.update(_answer(check, status, values["received_on"]))
    public, grounds = _public(check, status, values)
    values.update(public)
    return values, reason, grounds


def _sector_id(check, sectors, procedure_codes):
    """The field named (by its Vietnamese name or its slug), else its first procedure's."""
    field = check.text("field", 300, required=False)
    if field:
        if field not in sectors:
            check.fail("field", f'"{field}" is not the name or slug of a field of procedures')
        return sectors[field]
    if not procedure_codes:
        return None
    return db.session.scalar(
        sa.select(Procedure.sector_id).where(Procedure.code == procedure_codes[0])
    )


def _answer(check, status, received_on):
    if "answer" in check.data and status not in ANSWERED:
        check.fail("answer", 'is only for an item that is "answered" or "published"')
    if status not in ANSWERED:
        return {}
    answer = check.nested("answer", ANSWER_FIELDS)
    answered_on = answer.date("answered_on")
    if not received_on <= answered_on <= today():
        answer.fail("answered_on", "must fall between the day it was received and today")
    return {
        "answer_vi": answer.text("text_vi", 20_000),
        "answer_en": answer.text("text_en", 20_000, required=False),
        "answer_agency_id": answer.agency_id("agency"),
        "signer_title": answer.text("signer_title", 200, required=False),
        "answer_number": answer.text("number", 80, required=False),
        "answer_signed_on": answer.date("signed_on", required=False),
        "answered_on": answered_on,
    }


def _public(check, status, values):
    """The public version, as moderated, for a published item; and its redactions' grounds."""
    if "public" in check.data and status != "published":
        check.fail("public", 'is only for an item whose status is "published"')
    if status != "published":
        return {}, []
    public = check.nested("public", PUBLIC_FIELDS)
    published_on = public.date("published_on")
    if not values["answered_on"] <= published_on <= today():
        public.fail("published_on", "must fall between the day it was answered and today")
    grounds = [Ground(g) for g in public.choices("redactions", Ground, required=False)]
    return {
        "public_title": public.text("title", 300),
        "public_question": public.text("question", 20_000),
        "published_on": published_on,
    }, grounds


def import_jsonl(path, dry_run=False):
    """Create or update feedback from a JSON Lines file, all or nothing; returns the counts."""
    return import_rows(read_jsonl(path), Path(getattr(path, "name", str(path))).name, dry_run)


def import_rows(rows, name, dry_run=False):
    """The same from (line number, object) pairs: the demo's generated rows come this way."""
    agencies = {a.slug: a for a in db.session.scalars(sa.select(Agency))}
    sectors = {}
    for sector in db.session.scalars(sa.select(Sector)):
        sectors[sector.name_vi] = sectors[sector.slug] = sector.id
    counts = Counter(created=0, updated=0, unchanged=0)
    seen = set()
    actor = f"import: {name}"
    with all_or_nothing(db.session, dry_run):
        for number, data in rows:
            values, reason, grounds = _clean_line(data, agencies, sectors, name, number)
            key = (values["channel"], values["received_on"], values["title"])
            if key in seen:
                raise SourceError(
                    "the same channel, day and title appear earlier in the file",
                    file=name,
                    row=number,
                    column="title",
                )
            seen.add(key)
            existing = db.session.scalar(
                sa.select(Feedback).filter_by(channel=key[0], received_on=key[1], title=key[2])
            )
            if existing is None:
                item = Feedback(code_hash=codes.digest(codes.new().replace("-", "")), **values)
                db.session.add(item)
                _history(item, (), STEPS[values["status"]], reason, actor)
                item.redactions = [Redaction(ground=g, actor=actor) for g in grounds]
                counts["created"] += 1
                continue
            old, new = str(existing.status), str(values["status"])
            if old != new and old not in STEPS[new]:
                raise SourceError(
                    f'it is "{old}" here already: an import moves an item on, never back',
                    file=name,
                    row=number,
                    column="status",
                )
            changed = assign(existing, values)
            if old != new:
                _history(existing, STEPS[old], STEPS[new], reason, actor)
            kept = {redaction.ground for redaction in existing.redactions}
            for ground in grounds:
                if ground not in kept:
                    existing.redactions.append(Redaction(ground=ground, actor=actor))
                    changed = True
            counts["updated" if changed else "unchanged"] += 1
    return counts


def _history(item, done, steps, reason, actor):
    """The steps after `done`, each dated by the day the file gives for it."""
    days = {
        "received": item.received_on,
        "accepted": item.received_on,
        "rejected": item.received_on,
        "assigned": item.received_on,
        "answered": item.answered_on,
        "published": item.published_on,
    }
    previous = done[-1] if done else None
    for step in steps[len(done) :]:
        item.events.append(
            FeedbackEvent(
                actor=actor,
                at=datetime.combine(days[step], time(8), tzinfo=VIETNAM),
                from_status=previous,
                to_status=step,
                note=reason if step == "rejected" else None,
            )
        )
        previous = step
