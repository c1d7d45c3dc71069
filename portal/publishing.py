"""The editorial workflow every content type shares: draft → in review → published →
withdrawn, a translation status kept from the dates each language last changed, and a
public, numbered version for each published change.

A content model has a `status` column and the mixins `Published` (publish and withdrawal
times, PUBLIC_FIELDS) and `Translated` (VI_FIELDS / EN_FIELDS and the dates each language
last changed). Every change is in the audit trail with its old and new values. The caller
commits.
"""

import re
from datetime import UTC, datetime
from datetime import time as dtime

import sqlalchemy as sa
from flask import abort, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, TextAreaField, TimeField, ValidationError
from wtforms.validators import DataRequired, Optional

from portal import audit
from portal.access import record_key
from portal.models import ContentVersion, db, utcnow
from portal.text import most, stripped, word_diff
from portal.workdays import VIETNAM, local_date

DRAFT, IN_REVIEW, PUBLISHED, WITHDRAWN = "draft", "in_review", "published", "withdrawn"


def state(record, now=None):
    """The status a person reads: "scheduled" for one published for a later time."""
    now = now or utcnow()
    if record.status == PUBLISHED and record.publish_at and record.publish_at > now:
        return "scheduled"
    return str(record.status)


def change(record, values, user, english_checked=False):
    """Set the record's fields from `values`; returns {field: [old, new]} of what changed.

    The Vietnamese side's date moves when a Vietnamese text changes; the English side's
    when an English text changes or the editor says it still matches (`english_checked`):
    so an English text left alone after a Vietnamese edit reads "outdated"."""
    if record.en_changed_at is None and getattr(record, record.EN_FIELDS[0], None):
        # A translation from before these dates were kept (an import): as old as the record.
        record.en_changed_at = record.vi_changed_at or record.updated_at
    changes = {}
    for field, new in values.items():
        old = getattr(record, field)
        if (old or None) != (new or None):
            changes[field] = [plain(old), plain(new)]
            setattr(record, field, new)
    now = utcnow()
    if any(field in changes for field in record.VI_FIELDS) or record.vi_changed_at is None:
        record.vi_changed_at = now
    if any(field in changes for field in record.EN_FIELDS) or english_checked:
        record.en_changed_at = now
    if record.id is None:
        record.status = DRAFT
        db.session.add(record)
        db.session.flush()
        audit.record(f"{_kind(record)}.created", user.email, on=record_key(record), changes=changes)
    elif changes:
        audit.record(f"{_kind(record)}.changed", user.email, on=record_key(record), changes=changes)
    return changes


def move(record, status, user, **details):
    """A change of state (draft, in review, withdrawn…), in the audit trail."""
    old = state(record)
    record.status = status
    audit.record(f"{_kind(record)}.{status}", user.email, on=record_key(record), old=old, **details)


def publish(record, user, at=None, note=None):
    """Public now, or at `at` when that is later: either way a new public version."""
    now = utcnow()
    scheduled = at is not None and at > now
    dated = hasattr(record, "published_on")  # the day an announcement shows
    if scheduled:  # for later: public from then, told to the index then
        record.publish_at, record.released_at = at, None
        if dated:
            record.published_on = local_date(at)
    elif not record.is_public(now):  # public from now on
        record.publish_at, record.released_at = now, now
        if dated:
            record.published_on = record.published_on or local_date(now)
    # else: a change to a public record, which keeps its date
    move(record, PUBLISHED, user, publish_at=plain(record.publish_at))
    return _new_version(record, user, at if scheduled else now, note)


def publish_change(record, user, note=None):
    """For a record that has no draft (an agency's contacts): the change is public at once,
    as a new numbered version, in the audit trail."""
    number = _new_version(record, user, utcnow(), note)
    audit.record(f"{_kind(record)}.published", user.email, on=record_key(record), version=number)
    return number


def _new_version(record, user, published_at, note):
    number = (
        db.session.scalar(
            sa.select(sa.func.max(ContentVersion.number)).where(
                ContentVersion.record == record_key(record)
            )
        )
        or 0
    ) + 1
    db.session.add(
        ContentVersion(
            record=record_key(record),
            number=number,
            published_at=published_at,
            role=str(user.role),
            note=note,
            fields={field: plain(getattr(record, field)) for field in record.PUBLIC_FIELDS},
        )
    )
    return number


def history(records):
    """Every published change of `records`, newest first: for each version its record, when,
    the publishing role, its note and what it changed from the record's version before
    ([(field, old, new)], every public field for a first version), and each withdrawal
    (with `reason`). What a page shows as its public history when it has no ?v= view."""
    by_key = {record_key(record): record for record in records}
    versions = db.session.scalars(
        sa.select(ContentVersion)
        .where(ContentVersion.record.in_(list(by_key)))
        .order_by(ContentVersion.record, ContentVersion.number)
    ).all()
    entries, before = [], {}
    for version in versions:
        old = before.get(version.record, {})
        changed = [
            (field, old.get(field), version.fields.get(field))
            for field in by_key[version.record].PUBLIC_FIELDS
            if (old.get(field) or None) != (version.fields.get(field) or None)
        ]
        before[version.record] = version.fields
        entries.append(
            {
                "record": by_key[version.record],
                "at": version.published_at,
                "role": version.role,
                "note": version.note,
                "number": version.number,
                "first": version.number == 1,
                "changes": changed,
            }
        )
    for record in records:
        if getattr(record, "status", None) == WITHDRAWN and record.withdrawn_at:
            entries.append(
                {"record": record, "at": record.withdrawn_at, "withdrawn": True, "changes": []}
            )
    return sorted(entries, key=lambda entry: entry["at"], reverse=True)


def versions(record):
    """Its published versions, oldest first."""
    return db.session.scalars(
        sa.select(ContentVersion)
        .where(ContentVersion.record == record_key(record))
        .order_by(ContentVersion.number)
    ).all()


def asked_version(versions, fields):
    """The version `?v=N` asks for and what changed in it from the one before, as a word
    diff of each of `fields` that differs; (None, None) for the current one. A number that
    is none is a 400, a version that does not exist a 404."""
    if "v" not in request.args:
        return None, None
    number = request.args["v"]
    if not re.fullmatch(r"[0-9]{1,9}", number):
        abort(400, _("A version is a number, like ?v=2."))
    match = [v for v in versions if v.number == int(number)]
    if not match:
        abort(404)
    before = [v for v in versions if v.number == match[0].number - 1]
    old, new = before[0].fields if before else {}, match[0].fields
    changes = {
        field: word_diff(str(old.get(field) or ""), str(new.get(field) or ""))
        for field in fields
        if (old.get(field) or "") != (new.get(field) or "")
    }
    return match[0], changes


def withdraw(record, user, reason_vi, reason_en=None):
    """No longer in force: the page answers 410 with when and why, and stays listed."""
    record.withdrawn_at = utcnow()
    record.withdrawn_reason_vi, record.withdrawn_reason_en = reason_vi, reason_en or None
    move(record, WITHDRAWN, user, reason=reason_vi)


class WithdrawForm(FlaskForm):
    """Every content type's withdrawal: the public reason, in Vietnamese, and in English
    for English readers (else they read the Vietnamese one, marked as such)."""

    reason_vi = TextAreaField(
        _l("Why it is withdrawn, in Vietnamese (public)"),
        filters=[stripped],
        validators=[DataRequired(_l("Say why it is withdrawn.")), most(2000)],
    )
    reason_en = TextAreaField(
        _l("Why it is withdrawn, in English (public, optional)"),
        filters=[stripped],
        validators=[most(2000)],
    )


class Schedule:
    """A form's "publish on … at …" (Vietnam time), for the content types that schedule."""

    publish_date = DateField(
        _l("Publish on (optional)"),
        description=_l("Leave empty to publish at once; a later date and time schedules it."),
        validators=[Optional()],
    )
    publish_time = TimeField(_l("at (Vietnam time)"), validators=[Optional()])

    def validate_publish_time(self, field):
        if field.data and not self.publish_date.data:
            raise ValidationError(_l("Give the date too, or leave the time empty."))

    def publish_at(self):
        """The chosen time in UTC, or None for "at once"."""
        if not self.publish_date.data:
            return None
        moment = datetime.combine(self.publish_date.data, self.publish_time.data or dtime(8))
        return moment.replace(tzinfo=VIETNAM).astimezone(UTC)


def _kind(record):
    return type(record).__tablename__


def plain(value):
    """A value as the audit trail's JSON keeps it."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
