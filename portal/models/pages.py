"""The public pages' generation: one counter every commit that changes content moves
(portal/pagecache.py)."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Model, UTCDateTime, utcnow


class PageGeneration(Model):
    """One row: how many commits have changed what the public pages show, and when the
    last did (a page's Last-Modified). `epoch` is drawn when the row is made, so a database
    made anew (or emptied) never meets pages kept for another with the same count."""

    id: Mapped[int] = mapped_column(primary_key=True)
    epoch: Mapped[str] = mapped_column(sa.String(32))
    number: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
