"""Signed-in sessions kept on the server (UserSession): started at login with a new token,
checked on every request, ended by logout, a password change or a disabled account.

Idle for 30 minutes or open for 12 hours, a session ends (ASVS 5.0, V7). The cookie holds
only the random token; the database holds its hash.
"""

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import g, request, session

from portal import audit
from portal.models import UserSession, db, utcnow

IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=12)
TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most once a minute


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def start(user):
    """A new session for `user`: whatever the browser's cookie held before is dropped, so
    a session id planted before login is worth nothing after it. The caller commits."""
    token = secrets.token_urlsafe(32)
    session.clear()
    g.pop("csrf_token", None)  # Flask-WTF's copy of the old session's form token
    session["sid"] = token
    row = UserSession(
        token_hash=_hash(token),
        user=user,
        address=request.remote_addr,
        user_agent=(request.user_agent.string or "")[:300] or None,
    )
    db.session.add(row)
    return row


def current():
    """The live session the request's cookie names, or None (ending it if it ran out)."""
    token = session.get("sid")
    if not isinstance(token, str):
        return None
    row = db.session.scalar(sa.select(UserSession).where(UserSession.token_hash == _hash(token)))
    if row is None or row.ended_at is not None:
        return None
    now = utcnow()
    if not row.user.active:
        return _expire(row, "disabled")
    if now - row.last_seen_at > IDLE:
        return _expire(row, "idle")
    if now - row.created_at > ABSOLUTE:
        return _expire(row, "absolute")
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
        db.session.commit()
    return row


def _expire(row, reason):
    end(row, reason)
    db.session.commit()
    return None


def end(row, reason):
    if row.ended_at is None:
        row.ended_at, row.end_reason = utcnow(), reason


def end_all(user, reason, keep=None):
    """End every live session of `user` but `keep` (a password change keeps its own)."""
    rows = db.session.scalars(
        sa.select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    )
    for row in rows:
        if row is not keep:
            end(row, reason)


def live(user):
    return list(
        db.session.scalars(
            sa.select(UserSession)
            .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
            .order_by(UserSession.last_seen_at.desc())
        )
    )


def logout(row):
    """End `row` (the request's live session, if any) and empty the cookie."""
    if row is not None:
        end(row, "logout")
        audit.record("login.logout", row.user.email, on=f"user:{row.user_id}")
        db.session.commit()
    session.clear()
    g.pop("csrf_token", None)
