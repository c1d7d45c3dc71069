"""Announcements: news the province's admins publish, listed newest first."""

import unicodedata
from collections import Counter
from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, render_template, request

from portal import listing
from portal.importing import SourceError, all_or_nothing, assign, read_jsonl
from portal.models import Agency, Announcement, Status, db, slugify
from portal.pagination import page_arg
from portal.text import render_markdown

bp = Blueprint("announcements", __name__, url_prefix="/<lang>/announcements")


def published():
    """Announcements a visitor may see in the list, newest first."""
    return (
        sa.select(Announcement)
        .where(Announcement.status == Status.PUBLISHED)
        .order_by(Announcement.published_on.desc(), Announcement.id.desc())
    )


@bp.route("")
def index():
    query = listing.read_query(request.args)
    listed = published()
    if query:
        ids = listing.ranked_ids(query, "announcement")
        # News stays newest first; without an index yet, the title is matched as typed.
        listed = listed.where(
            Announcement.id.in_(ids)
            if ids is not None
            else Announcement.title_vi.contains(query, autoescape=True)
        )
    page = db.paginate(
        listed, page=page_arg(), per_page=current_app.config["PER_PAGE"], error_out=False
    )
    if page.page > 1 and not page.items:
        abort(404)
    return render_template("announcements/index.html", page=page, q=query)


@bp.route("/<slug>")
def detail(slug):
    announcement = db.session.scalar(sa.select(Announcement).where(Announcement.slug == slug))
    # Drafts do not exist for visitors; a withdrawn one stays, marked as withdrawn.
    if announcement is None or announcement.status == Status.DRAFT:
        abort(404)
    return render_template(
        "announcements/detail.html", announcement=announcement, markdown=render_markdown
    )


IMPORT_FIELDS = {
    "title_vi": 300,
    "title_en": 300,
    "summary_vi": 2000,
    "summary_en": 2000,
    "body_vi": 200_000,
    "body_en": 200_000,
    "published_on": None,
    "agency": None,
    "source_url": 500,
}
REQUIRED_FIELDS = ("title_vi", "body_vi", "published_on")


def _clean_line(data, agencies, name, number):
    """Check one JSON Lines object and turn it into Announcement column values."""

    def fail(field, message):
        raise SourceError(message, file=name, row=number, column=field)

    for field in data:
        if field not in IMPORT_FIELDS:
            fail(field, "unknown field (expected one of: " + ", ".join(IMPORT_FIELDS) + ")")
    values = {}
    for field, max_length in IMPORT_FIELDS.items():
        value = data.get(field)
        if value is None or value == "":
            if field in REQUIRED_FIELDS:
                fail(field, "is required")
            continue
        if not isinstance(value, str):
            fail(field, "must be a string")
        value = unicodedata.normalize("NFC", value.strip())
        if max_length and len(value) > max_length:
            fail(field, f"is longer than {max_length} characters")
        values[field] = value
    try:
        values["published_on"] = date.fromisoformat(values["published_on"])
    except ValueError:
        fail("published_on", f'"{values["published_on"]}" is not a date like 2017-11-23')
    if "agency" in values:
        agency = agencies.get(values.pop("agency"))
        if agency is None:
            fail("agency", f'no agency with the slug "{data["agency"]}"')
        values["agency_id"] = agency.id
    url = values.get("source_url")
    if url and not url.startswith(("https://", "http://")):
        fail("source_url", "must start with https:// or http://")
    return values


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
            values = {
                field: values.get(field)
                for field in (*IMPORT_FIELDS.keys() - {"agency"}, "agency_id")
            }
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
