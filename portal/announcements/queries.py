"""What the announcement pages and the home page share."""

import sqlalchemy as sa

from portal.models import Announcement, AnnouncementStatus


def published():
    """Announcements a visitor may see in the list, newest first."""
    return (
        sa.select(Announcement)
        .where(Announcement.status == AnnouncementStatus.PUBLISHED)
        .order_by(Announcement.published_on.desc(), Announcement.id.desc())
    )
