"""Rate limits shared by every worker and host: each request is a row in the database,
counted over a sliding window. The row is written and committed before counting, so two
workers at the limit cannot both let one more through, and requests over the limit count
too (a burst waits for its own requests to age out)."""

from datetime import timedelta

import sqlalchemy as sa

from portal.models import RateEvent, db, utcnow


def hit(key, limit, window):
    """Count one request for `key`; None when it is within `limit` per `window`, else
    when the next one may be made."""
    now = utcnow()
    db.session.add(RateEvent(key=key, at=now))
    # Rows no window of this key reaches any more; kept a day for the record.
    db.session.execute(
        sa.delete(RateEvent).where(RateEvent.key == key, RateEvent.at < now - timedelta(days=1))
    )
    db.session.commit()
    times = db.session.scalars(
        sa.select(RateEvent.at)
        .where(RateEvent.key == key, RateEvent.at > now - window)
        .order_by(RateEvent.at.desc())
    ).all()
    if len(times) <= limit:
        return None
    return times[limit - 1] + window if limit else now + window
