"""Public pages served again from a cache until the content changes.

Every commit that writes content (anything but the bookkeeping of staff sessions, logins,
rate limits, the audit trail and the search log) moves one counter, `page_generation`, in
the same transaction. A page is kept under its URL, that counter and the day in Vietnam
(what is overdue changes at midnight), and no longer than the next scheduled publication:
so a commit makes every page fresh at once, on every worker and every host, and nothing is
served stale after it. The counter also gives each page its ETag and Last-Modified, so a
browser or a proxy asking again gets a 304.

Kept: a GET answered 200, 404 or 410 by a page whose session stayed empty (no form's token,
no flash, nobody signed in) and that set no cookie, for a visitor who sends no session
cookie; only such pages go without `Vary: Cookie`. Staff pages never are (their blueprints say
no-store). The store: files under instance/page_cache, shared by a host's workers, or
Redis when REDIS_URL is set, shared by every host.
"""

import hashlib
import logging
import secrets

import sqlalchemy as sa
from cachelib import FileSystemCache, NullCache, RedisCache
from flask import current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal import workdays
from portal.indexing import sync
from portal.models import (
    AuditEvent,
    LoginFailure,
    PageGeneration,
    RateEvent,
    RecoveryCode,
    SearchChange,
    User,
    UserSession,
    db,
    utcnow,
)
from portal.models.base import Published

log = logging.getLogger(__name__)
# What a commit may write without changing any public page.
BOOKKEEPING = (AuditEvent, LoginFailure, RateEvent, RecoveryCode, SearchChange, User, UserSession)
NOT_CONTENT = {model.__tablename__ for model in BOOKKEEPING} | {"page_generation"}
KEPT_STATUSES = (200, 404, 410)
LIVE = (None, "static", "home.healthz")  # answered anew every time
LONGEST = 24 * 3600  # seconds: the day changes anyway
PUBLIC_MAX_AGE = 60  # what a proxy or a browser may reuse without asking (Cache-Control)


def init_app(app):
    if not app.config.get("PAGE_CACHE", True):
        store = NullCache()
    elif app.config.get("REDIS_URL"):
        import redis

        client = redis.Redis.from_url(app.config["REDIS_URL"])
        store = RedisCache(host=client, key_prefix="portal-page:", default_timeout=LONGEST)
    else:
        store = FileSystemCache(
            app.config["PAGE_CACHE_DIR"], threshold=20_000, default_timeout=LONGEST
        )
    app.extensions["page_cache"] = store
    app.session_interface = QuietSessions()
    app.before_request(_serve)
    app.after_request(_keep)


class QuietSessions(SecureCookieSessionInterface):
    """Flask counts the session as read whenever a template renders (its context holds the
    session), so every page would say `Vary: Cookie` and no proxy could keep one. Only a
    session that holds something, or was changed, makes a page someone's own."""

    def save_session(self, app, session, response):
        session.accessed = bool(session) or session.modified
        super().save_session(app, session, response)


# The counter


@event.listens_for(Session, "after_flush")
def _note_content(session, flush_context):
    for obj in session.new | session.dirty | session.deleted:
        if not isinstance(obj, (*BOOKKEEPING, PageGeneration)):
            session.info["pages_changed"] = True
            return


@event.listens_for(Session, "do_orm_execute")
def _note_statements(state):
    """A bulk UPDATE or DELETE (a merge, a pruning) changes content too, unless it is
    bookkeeping."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    if table is not None and table.name not in NOT_CONTENT:
        state.session.info["pages_changed"] = True


@event.listens_for(Session, "before_commit")
def _move_the_counter(session):
    session.flush()  # what is still pending counts too
    if not session.info.pop("pages_changed", False):
        return
    now = utcnow()
    move = (
        sa.update(PageGeneration)
        .where(PageGeneration.id == 1)
        .values(number=PageGeneration.number + 1, changed_at=now)
    )
    if session.execute(move).rowcount:
        return
    # No row yet (an emptied database): make it; if another commit made it meanwhile, count
    # this one on it.
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    made = session.execute(
        dialect.insert(PageGeneration)
        .values(id=1, epoch=secrets.token_hex(8), number=1, changed_at=now)
        .on_conflict_do_nothing()
    )
    if not made.rowcount:
        session.execute(move)


@event.listens_for(Session, "after_rollback")
def _forget(session):
    session.info.pop("pages_changed", None)


def generation():
    """The content now, as "epoch.number", and when it last changed; None without a row."""
    row = db.session.execute(
        sa.select(PageGeneration.epoch, PageGeneration.number, PageGeneration.changed_at).where(
            PageGeneration.id == 1
        )
    ).first()
    return (f"{row.epoch}.{row.number}", row.changed_at) if row else None


# Serving and keeping


def _cacheable_request():
    if request.method not in ("GET", "HEAD") or request.endpoint in LIVE:
        return False
    if request.blueprint in ("admin", "users", "api") or (request.blueprint or "").endswith(
        "_staff"
    ):
        return False
    return current_app.config["SESSION_COOKIE_NAME"] not in request.cookies


def _serve():
    if not _cacheable_request():
        return None
    try:
        now = generation()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return None  # the page itself will say what is wrong
    if now is None:
        return None  # nothing counted yet: keep nothing
    number, changed_at = now
    key = _key(number)
    g.page_cache = {"key": key, "number": number, "changed_at": changed_at}
    kept = current_app.extensions["page_cache"].get(key)
    if kept is None or (kept["until"] and kept["until"] <= utcnow().timestamp()):
        # Rendered now: worth keeping only if the search index is in step with the database
        # (a page's search results, or its fallback while the index is missing, else stay).
        g.page_cache["in_step"] = sync.status() == "ok"
        return None
    response = current_app.response_class(
        kept["body"], status=kept["status"], headers=kept["headers"]
    )
    response.headers["X-Page-Cache"] = "hit"
    del g.page_cache  # nothing to keep: the after-request step leaves it as it is
    return _conditional(response, number, changed_at)


def _keep(response):
    kept = g.pop("page_cache", None)
    if kept is None or not kept.get("in_step") or response.is_streamed:
        return response
    if response.status_code not in KEPT_STATUSES:
        return response
    if session or session.modified or "Set-Cookie" in response.headers:
        return response  # the session holds something (a form's token, a flash): someone's own
    if "no-store" in (response.headers.get("Cache-Control") or ""):
        return response
    body = response.get_data()
    if b'name="csrf_token"' in body:
        return response  # a form's token is its session's, whatever the session says
    until = _next_publication()
    timeout = LONGEST if until is None else max(1, int(until - utcnow().timestamp()))
    headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
    entry = {"body": body, "status": response.status_code, "headers": headers, "until": until}
    try:
        current_app.extensions["page_cache"].set(kept["key"], entry, timeout=min(timeout, LONGEST))
    except Exception:  # a cache that cannot keep it costs only speed
        log.exception("page cache: could not keep %s", request.path)
    response.headers["X-Page-Cache"] = "miss"
    return _conditional(response, kept["number"], kept["changed_at"])


def _key(number):
    """This page at this generation and day: the cache's key, and its ETag. The host too: a
    page's own links (its canonical address, a feed's) name the host that was asked."""
    address = f"{number}|{workdays.today()}|{request.host}|{request.full_path}"
    return hashlib.sha256(address.encode()).hexdigest()


def _conditional(response, number, changed_at):
    """ETag and Last-Modified from the content's generation, a 304 when the visitor has it,
    and what a proxy may reuse."""
    response.set_etag(_key(number)[:32])
    if changed_at:
        response.last_modified = changed_at
    response.headers.setdefault("Cache-Control", f"public, max-age={PUBLIC_MAX_AGE}")
    return response.make_conditional(request)


def _next_publication():
    """When the next scheduled record comes out (a POSIX time), or None: a page kept now
    is good until then at the most."""
    now = utcnow()
    times = []
    for model in _scheduled_models():
        value = db.session.scalar(
            sa.select(sa.func.min(model.publish_at)).where(
                model.status == "published", model.publish_at > now
            )
        )
        if value is not None:
            times.append(value.timestamp())
    return min(times) if times else None


def _scheduled_models():
    return [
        mapper.class_
        for mapper in db.Model.registry.mappers
        if issubclass(mapper.class_, Published) and hasattr(mapper.class_, "status")
    ]
