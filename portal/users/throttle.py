"""Login throttling shared by every worker and host: failures are rows in the database,
counted per account and per address over the last hour; after five, each further attempt
waits twice as long as the one before (30 s, 1 min, 2 min … up to an hour)."""

from datetime import timedelta

import sqlalchemy as sa

from portal.models import LoginFailure, db, utcnow

WINDOW = timedelta(hours=1)
FREE = 5  # failures allowed before any wait
FIRST_WAIT = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)


def _account_key(email):
    return f"account:{email.strip().casefold()}"


def keys(email, address):
    return [_account_key(email), f"address:{address or '-'}"]


def retry_at(keys):
    """When the next attempt may be made for these keys, or None when it may be now."""
    now = utcnow()
    latest = None
    for key in keys:
        times = list(
            db.session.scalars(
                sa.select(LoginFailure.at)
                .where(LoginFailure.key == key, LoginFailure.at > now - WINDOW)
                .order_by(LoginFailure.at.desc())
            )
        )
        if len(times) < FREE:
            continue
        wait = min(FIRST_WAIT * 2 ** (len(times) - FREE), LONGEST_WAIT)
        until = times[0] + wait
        if until > now and (latest is None or until > latest):
            latest = until
    return latest


def attempt(keys):
    """Count this attempt as failed before its password or code is checked, committed at
    once: attempts in flight in other workers then count it too (checking first and
    counting after let one more guess through per worker). Returns what `cleared()` takes
    back when it was right."""
    rows = [LoginFailure(key=key) for key in keys]
    db.session.add_all(rows)
    db.session.flush()
    ids = [row.id for row in rows]  # read now: after the commit another sign-in may delete them
    db.session.commit()
    return ids


def cleared(attempt_ids):
    """A right password or code: the attempt was no failure after all."""
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.id.in_(attempt_ids)))


def succeeded(email, attempt_ids):
    """Signed in: the account's count is cleared (the address's stays), this attempt's rows
    with it. One statement, so that two sign-ins at once lock the rows in one order (two
    deletes, each taking its own rows first, deadlocked on PostgreSQL)."""
    db.session.execute(
        sa.delete(LoginFailure).where(
            sa.or_(LoginFailure.key == _account_key(email), LoginFailure.id.in_(attempt_ids))
        )
    )
