"""Keeping the index in step with the database, whatever process changed it.

Every flush that touches a searchable row notes its keys; the commit writes them to
`search_change` in the same transaction, so a rolled-back change leaves no trace. The rows
are written last and, on PostgreSQL, under a lock held to the commit, so change ids come in
commit order: an index that has applied id N can never see a smaller id commit later (ids
handed out at the first flush let a long import commit ids below those a short one had
committed meanwhile, and the index skipped them for good). After the commit, it applies
the changes after its own position without waiting: when another worker holds the writer
lock, the next writer (or `flask search sync`) picks them up. The database is the truth and
`flask search rebuild` rebuilds the index from it at any time.
"""

import logging
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.indexing import documents
from portal.models import SearchChange, db, utcnow
from portal.searching.engine import SearchIndex

log = logging.getLogger(__name__)
BATCH = 2000
PRUNED = "_pruned:"  # a log row saying changes up to this id were deleted
LOG_LOCK = 0x5EA2C4  # the advisory lock that orders change ids by commit (PostgreSQL)


def init_app(app):
    app.extensions["search_index"] = SearchIndex(app.config["SEARCH_INDEX_DIR"])


def get_index():
    return current_app.extensions["search_index"]


class SearchUnavailable(Exception):
    """The index could not answer (damaged or unreadable): pages fall back, sync rebuilds."""


def read(operation):
    """`operation(index)`; a failure marks the index corrupt and raises SearchUnavailable.

    The index is a cache: a page must not fail with it. A known-corrupt index is not read
    at all. With SEARCH_ERRORS = "raise" (the tests) failures propagate, so bugs show.
    """
    index = get_index()
    if reason := index.corrupt():
        raise SearchUnavailable(reason)
    try:
        return operation(index)
    except Exception as error:
        if current_app.config.get("SEARCH_ERRORS") == "raise":
            raise
        log.exception("search: the index failed to answer; marked corrupt until a rebuild")
        index.mark_corrupt(f"{type(error).__name__}: {error}")
        raise SearchUnavailable(str(error)) from error


@event.listens_for(Session, "after_flush")
def _note_changes(session, flush_context):
    """Note the keys of every searchable row this flush wrote; the commit logs them."""
    keys = session.info.setdefault("search_keys", set())
    for obj in session.new | session.deleted:
        keys.update(documents.keys_for(obj))
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False):
            keys.update(documents.keys_for(obj))


@event.listens_for(Session, "before_commit")
def _record_changes(session):
    """Log the noted keys last in the transaction, in commit order (see the module's note)."""
    session.flush()  # what is still pending has keys too
    keys = session.info.pop("search_keys", None)
    if not keys:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":  # SQLite has one writer at a time already
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOG_LOCK})
    now = utcnow()
    connection.execute(
        sa.insert(SearchChange), [{"key": key, "created_at": now} for key in sorted(keys)]
    )
    session.info["search_changed"] = True


@event.listens_for(Session, "after_commit")
def _apply_after_commit(session):
    if session.info.pop("search_changed", False) and has_app_context():
        try:
            sync(wait=False)
        except Exception:  # the index is a cache: a failure here must not fail the request
            log.exception("search: applying changes after commit failed; run flask search sync")


@event.listens_for(Session, "after_rollback")
def _forget_changes(session):
    session.info.pop("search_keys", None)
    session.info.pop("search_changed", None)


def sync(wait=False):
    """Apply logged changes after the index's position. Returns how many were applied,
    or None when the index is missing or busy (and `wait` is False)."""
    index = get_index()
    if not index.exists():
        return None
    applied = 0
    try:
        position = read(lambda index: index.position())
    except SearchUnavailable:
        if not wait:
            return None
        log.warning("search: the index is corrupt (%s): rebuilding", index.corrupt())
        rebuild()
        return 0
    with Session(db.engine) as session:
        # An index built by an older analysis still takes changes until a CLI sync rebuilds it.
        if _log_was_pruned_past(session, position) or (wait and index.outdated()):
            if not wait:
                return None
            log.warning(
                "search: index at position %s is behind a pruned change log or was "
                "built by an older analysis: rebuilding",
                position,
            )
            rebuild()
            return 0
        while True:
            rows = session.execute(
                sa.select(SearchChange.id, SearchChange.key)
                .where(SearchChange.id > position)
                .order_by(SearchChange.id)
                .limit(BATCH)
            ).all()
            if not rows:
                return applied
            found = documents.load({key for _, key in rows if not key.startswith("_")}, session)
            upserts = [doc for doc in found.values() if doc is not None]
            deletes = [key for key, doc in found.items() if doc is None]
            position = rows[-1].id
            if not index.apply(upserts, deletes, position=position, wait=wait):
                return None
            applied += len(rows)
            session.expire_all()


def _log_was_pruned_past(session, position):
    """True when `prune()` deleted changes this index has not applied yet."""
    markers = session.scalars(
        sa.select(SearchChange.key).where(SearchChange.key.like(PRUNED + "%"))
    ).all()
    return any(int(marker[len(PRUNED) :]) > position for marker in markers)


def status():
    """ "ok", "missing" (no index built), "corrupt" (it failed to answer; sync rebuilds it)
    or "behind" (changes waiting for a sync, or an index built by an older analysis)."""
    index = get_index()
    if not index.exists():
        return "missing"
    try:
        position, outdated = read(lambda index: (index.position(), index.outdated()))
    except SearchUnavailable:
        return "corrupt"
    latest = db.session.scalar(sa.select(sa.func.max(SearchChange.id))) or 0
    return "ok" if position >= latest and not outdated else "behind"


def rebuild():
    """A new index from the database, swapped in atomically; returns the document count."""
    index = get_index()
    with Session(db.engine) as session:
        # The position is read first: changes committed during the rebuild are re-applied.
        position = session.scalar(sa.select(sa.func.coalesce(sa.func.max(SearchChange.id), 0)))
        return index.rebuild(documents.all_documents(session), position)


def check():
    """Compare the index with the database: {"missing", "orphaned", "stale"} key lists, and
    "corrupt": why a full read of the index failed (it is then marked for a rebuild)."""
    index = get_index()
    if index.exists() and (reason := index.corrupt() or index.verify()):
        return {"missing": [], "orphaned": [], "stale": [], "corrupt": [reason]}
    indexed = index.versions() if index.exists() else {}
    with Session(db.engine) as session:
        current = {doc.key: doc.version for doc in documents.all_documents(session)}
    return {
        "missing": sorted(current.keys() - indexed.keys()),
        "orphaned": sorted(indexed.keys() - current.keys()),
        "stale": sorted(
            key for key in current.keys() & indexed.keys() if current[key] != indexed[key]
        ),
    }


def prune(keep_days=30):
    """Delete change-log rows older than `keep_days`; an index further behind will rebuild."""
    cutoff = utcnow() - timedelta(days=keep_days)
    with Session(db.engine) as session, session.begin():
        last = session.scalar(
            sa.select(sa.func.max(SearchChange.id)).where(SearchChange.created_at < cutoff)
        )
        if last is None:
            return 0
        deleted = session.execute(sa.delete(SearchChange).where(SearchChange.id <= last)).rowcount
        session.add(SearchChange(key=f"{PRUNED}{last}"))
    return deleted
