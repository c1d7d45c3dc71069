"""What the announcement pages, their feed, the staff pages and the home page share."""

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import selectinload

from portal.downloads import FEED_ENTRIES, feed_day, in_language
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
