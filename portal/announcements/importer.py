"""`flask import announcements`: news from JSON Lines, all or nothing (format in the README)."""

from collections import Counter

import sqlalchemy as sa

from portal.importing import Fields, SourceError, all_or_nothing, assign, read_jsonl
from portal.models import Agency, Announcement, db, slugify

FIELDS = (
    "title_vi",
    "title_en",
    "summary_vi",
    "summary_en",
    "body_vi",
    "body_en",
    "published_on",
    "agency",
    "source_url",
)


def _clean_line(data, agencies, name, number):
    """Check one JSON Lines object and turn it into Announcement column values."""
    check = Fields(data, agencies, file=name, row=number)
    check.only(*FIELDS)
    return {
        "title_vi": check.text("title_vi", 300),
        "title_en": check.text("title_en", 300, required=False),
        "summary_vi": check.text("summary_vi", 2000, required=False),
        "summary_en": check.text("summary_en", 2000, required=False),
        "body_vi": check.text("body_vi", 200_000),
        "body_en": check.text("body_en", 200_000, required=False),
        "published_on": check.date("published_on"),
        "agency_id": check.agency_id("agency", required=False),
        "source_url": check.url("source_url"),
    }


def import_jsonl(path, dry_run=False):
    """Create or update announcements from JSON Lines, all or nothing; returns the counts.

    The key is (published_on, title_vi): importing the same file twice changes nothing.
    """
    name = getattr(path, "name", str(path))
    agencies = {a.slug: a for a in db.session.scalars(sa.select(Agency))}
    counts = Counter(created=0, updated=0, unchanged=0)
    seen = set()
    with all_or_nothing(db.session, dry_run):
        for number, data in read_jsonl(path):
            values = _clean_line(data, agencies, name, number)
            key = (values["published_on"], values["title_vi"])
            if key in seen:
                raise SourceError(
                    "the same title and date appear earlier in the file",
                    file=name,
                    row=number,
                    column="title_vi",
                )
            seen.add(key)
            existing = db.session.scalar(
                sa.select(Announcement).filter_by(published_on=key[0], title_vi=key[1])
            )
            if existing is None:
                db.session.add(Announcement(slug=_unique_slug(values), **values))
                db.session.flush()
                counts["created"] += 1
            elif assign(existing, values):
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
    return counts


def _unique_slug(values):
    """A slug from the title; the date is added only when the title's slug is taken."""
    base = slugify(values["title_vi"])
    for candidate in (base, f"{base}-{values['published_on']:%Y-%m-%d}"):
        if db.session.scalar(sa.select(Announcement.id).filter_by(slug=candidate)) is None:
            return candidate
    suffix = 2
    while db.session.scalar(sa.select(Announcement.id).filter_by(slug=f"{base}-{suffix}")):
        suffix += 1
    return f"{base}-{suffix}"
