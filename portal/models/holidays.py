"""The admin's edits to the working-day calendar; the default holidays are computed."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Model, UTCDateTime, utcnow


class HolidayChange(Model):
    """An admin's edit to the working-day calendar: a day off added, or a holiday removed."""

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(unique=True)
    is_day_off: Mapped[bool]  # True: added as a day off; False: a default holiday worked
    name_vi: Mapped[str | None] = mapped_column(sa.String(200))
    name_en: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
