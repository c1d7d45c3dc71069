"""What the announcement pages, their feed, the staff pages and the home page share."""

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal import labels
from portal.downloads import FEED_ENTRIES, Column, feed_day, in_language
from portal.models import (
    Announcement,
    AnnouncementStatus,
    Role,
    db,
    localized,
    utcnow,
)
from portal.text import plain_text
from portal.workdays import local_date

S = AnnouncementStatus


def is_public():
    """Published and its time has come: a scheduled one is public from publish_at, with no
    job to run, in every worker (a past time is simply public)."""
    return sa.and_(
        Announcement.status == S.PUBLISHED,
        sa.or_(Announcement.publish_at.is_(None), Announcement.publish_at <= utcnow()),
    )


def newest_first(query):
    return query.order_by(Announcement.published_on.desc(), Announcement.id.desc())


def published():
    """Announcements in force, newest first (the home page's)."""
    return newest_first(sa.select(Announcement).where(is_public()))


def listed():
    """The public list: those in force and those withdrawn, which stay, marked."""
    return newest_first(
        sa.select(Announcement).where(sa.or_(is_public(), Announcement.status == S.WITHDRAWN))
    )


def feed_entries(query, lang):
    """The Atom feed's entries (portal/downloads.py) of `query`'s first announcements: each
    links to its page, with its title, summary, body as text, day and agency, in `lang`
    where the announcement has it."""
    for item in db.session.scalars(
        query.limit(FEED_ENTRIES).options(selectinload(Announcement.agency))
    ):
        url = url_for("announcements.detail", slug=item.slug, lang=lang, _external=True)
        body = localized(item, "body", lang)
        yield {
            "id": url,
            "link": url,
            "title": in_language(item, "title", lang),
            "summary": in_language(item, "summary", lang),
            "content": (plain_text(body.text), body.lang),
            "updated": feed_day(item.published_on),
            "author": in_language(item.agency, "name", lang) if item.agency else None,
        }


def release_due():
    """Tell the search index (and later the feeds and the page cache) about scheduled
    announcements whose time has come: each is touched once, and the change log does the
    rest. Public pages do not wait for this; they compare publish_at with the clock.
    Returns how many came out."""
    due = db.session.scalars(
        sa.select(Announcement).where(
            Announcement.status == S.PUBLISHED,
            Announcement.publish_at <= utcnow(),
            Announcement.released_at.is_(None),
        )
    ).all()
    for announcement in due:
        announcement.released_at = utcnow()
    if due:
        db.session.commit()
    return len(due)


def for_staff(user, status, text):
    """The staff list: every state, newest change first; an officer sees their agency's."""
    query = sa.select(Announcement).order_by(Announcement.updated_at.desc(), Announcement.id)
    if user.role == Role.OFFICER:
        query = query.where(Announcement.agency_id == user.agency_id)
    now = utcnow()
    scheduled = sa.and_(Announcement.status == S.PUBLISHED, Announcement.publish_at > now)
    if status == "scheduled":
        query = query.where(scheduled)
    elif status == S.PUBLISHED:
        query = query.where(is_public())
    elif status:
        query = query.where(Announcement.status == status)
    if text:
        query = query.where(Announcement.title_vi.icontains(text, autoescape=True))
    return query


def same_title_and_day(announcement, title, at):
    """`title` if another announcement has it on the day this one would be published."""
    day = local_date(at) if at else announcement.published_on or local_date(utcnow())
    return db.session.scalar(
        sa.select(Announcement.title_vi).where(
            Announcement.title_vi == title,
            Announcement.published_on == day,
            Announcement.id != announcement.id,
        )
    )


COLUMNS = (
    Column("title_vi", _l("Title (Vietnamese)")),
    Column("title_en", _l("Title (English)")),
    Column("published_on", _l("Published on")),
    Column("status", _l("Status"), labels=labels.SEARCH_STATUSES),
    Column("agency", _l("Agency")),
    Column("summary_vi", _l("Summary (Vietnamese)")),
    Column("summary_en", _l("Summary (English)")),
    Column("body_vi", _l("Text (Vietnamese)")),
    Column("body_en", _l("Text (English)")),
    Column("source_url", _l("Source")),
    Column("url", _l("Page on this portal")),
)


def rows(query):
    """The download's rows: each announcement of the list, its texts whole (Markdown), a
    withdrawn one marked so, as the list shows it."""
    for item in db.session.scalars(query.options(selectinload(Announcement.agency))):
        yield {
            "title_vi": item.title_vi,
            "title_en": item.title_en or "",
            "published_on": item.published_on.isoformat() if item.published_on else "",
            "status": "withdrawn" if item.status == S.WITHDRAWN else "published",
            "agency": item.agency.name_vi if item.agency else "",
            "summary_vi": item.summary_vi or "",
            "summary_en": item.summary_en or "",
            "body_vi": item.body_vi,
            "body_en": item.body_en or "",
            "source_url": item.source_url or "",
            "url": url_for("announcements.detail", slug=item.slug, _external=True),
        }
