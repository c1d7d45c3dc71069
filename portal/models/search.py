"""The search change log (see portal/indexing/sync.py)."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Model, UTCDateTime, utcnow


class SearchChange(Model):
    """One pending change for the search index, written in the same transaction as the change.

    Each index remembers the id of the last change it applied, so several hosts sharing this
    database each catch up on their own (see portal/indexing/sync.py).
    """

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    key: Mapped[str] = mapped_column(sa.String(200))  # "procedure:1.000689"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
