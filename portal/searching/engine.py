"""A small search engine over Whoosh: documents in, ranked, faceted, highlighted results out.

    index = SearchIndex("search_index")
    index.create()                                     # deploy step; idempotent
    index.position()                                   # last change-log id applied (0: new)
    index.apply(upserts, deletes, position)            # web request: False if the lock is busy
    index.apply(upserts, deletes, position, wait=30)   # CLI sync: waits up to 30 s
    index.rebuild(documents, position)                 # new generation, swapped in atomically
    index.versions()                                   # {"type:id": version} for check()
    index.verify(), index.corrupt(), index.mark_corrupt(reason)  # damaged files
    index.search("dang ky khai sinh", lang="vi", types=["procedure"],
                 filters={"agency": "so-tu-phap", "year": 2024}, page=1, per_page=20,
                 sort="relevance")                     # or sort="date"

`Document` (type, id, title_vi/en, body_vi/en, codes, agency, field, level, status, date, url,
version) goes in; `Results` (total, page, per_page, hits, facets, suggestion) comes out, each
`Hit` with type, id, key, title, url, snippet (escaped HTML with <mark>), score,
missing_terms and untranslated (English asked for, the document has none).

Matching: every clause of the query (word, "quoted phrase", code) must match, accents and
tone placement aside (a code as written or, when no document holds it whole, its parts);
when fewer than PARTIAL_BELOW documents hold them all, the documents holding the most
clauses follow, listing what they miss. Ranking (ranking.py): BM25-like,
titles and codes above bodies, words adjacent as typed above scattered ones, exact accents
above other accents. Facets (type, agency, field, level, status, year) count every result
before pagination; the type facet ignores the type filter so tabs can show counts. Odd
input never raises: it is only ever words, quotes and codes (query.py).

Layout: `<directory>/CURRENT` names the live generation, `<directory>/gen-…/`, a Whoosh
index. `rebuild()` writes a new generation beside it, replaces CURRENT with os.replace()
and deletes the old generations; searches already running finish on the old files.

Position: each commit stores the change-log position it covers inside the index (a metadata
document in the same commit, which also names the analysis version the index was built
with: `outdated()`), so each host catches up on its own: read `position()`, fetch the
changes after it, then their documents, then `apply()`. A batch whose position is below
the stored one is older than the index and is skipped (it returns True). A rebuild's
position must be read before its documents are fetched.

Writers: one at a time (Whoosh's file lock, released by the OS if the process dies; a
killed writer leaves the last commit intact). `wait=False` never blocks.

Searchers: one per thread, reopened when the index changed (checked at most every
REFRESH_SECONDS; at once after this thread's own apply()). Per-term masks are cached per
process (docsets.py), so the first query with a common word costs more than the next.
"""

import fcntl
import gc
import os
import shutil
import threading
import time
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import LockError
from whoosh.reading import SegmentReader

from portal.searching.analysis import ANALYSIS_VERSION
from portal.searching.codec import Codec
from portal.searching.docsets import SegmentCache, View
from portal.searching.documents import (
    META_KEY,
    Document,
    Hit,
    Results,
    fields,
    make_hit,
    meta_of,
    position_of,
    schema,
    stored_text,
)
from portal.searching.masks import FACETS, popcount
from portal.searching.query import Builder, parse, suggest
from portal.searching.ranking import best, best_partial, features, planes
from portal.searching.segments import commit, write_documents

__all__ = ["Document", "Hit", "Results", "SearchIndex"]

CORRUPT = "CORRUPT"  # the file in a generation that says why it could not be read
OPEN_ATTEMPTS = 5  # tries to open the live generation while other processes commit
PARTIAL_BELOW = 10  # fewer full matches than this: show partial matches after them
MAX_PER_PAGE = 100
MAX_PAGE = 500
MAX_RESULTS = 1000  # pages go this deep
MAX_RANKED = 5000  # a listing page's box narrows to at most this many records
WAIT_FOREVER = 3600.0
REFRESH_SECONDS = 0.1  # how often a searcher looks for other processes' commits
# apply() merges small segments into one; bigger ones wait for the next rebuild.
TINY_SEGMENT = 500
MERGE_AT = 10
# Not compound: Whoosh copies a compound segment's files into memory each time it opens it
# (0.7 s and the index's size again per searcher at 100,000 documents).
WRITER = {"codec": Codec(), "compound": False}


class SearchIndex:
    """A search index in a directory of generations; safe across threads and processes."""

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        self._local = threading.local()
        self._cache = SegmentCache()
        self._composed: dict[tuple, dict] = {}  # per segment set: composed masks, shared
        self._searchers: set = set()  # open in any thread, closed with the index object
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._pointer = (None, None)  # (stat of CURRENT, generation name)

    # Generations

    def _generation(self):
        """The live generation's directory name, or None."""
        try:
            st = os.stat(self.directory / "CURRENT")
        except FileNotFoundError:
            return None
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        if self._pointer[0] != stamp:
            name = (self.directory / "CURRENT").read_text().strip()
            self._pointer = (stamp, name)
        return self._pointer[1]

    def _new_generation(self):
        name = f"gen-{time.time_ns():x}-{os.getpid()}"
        path = self.directory / name
        path.mkdir(parents=True)
        whoosh_index.create_in(str(path), schema())
        return name

    def _point_to(self, name):
        """Make a generation live: the pointer file is replaced in one step."""
        tmp = self.directory / f"CURRENT.{os.getpid()}.tmp"
        with open(tmp, "w") as f:
            f.write(name + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.directory / "CURRENT")

    @contextmanager
    def _admin_lock(self):
        """One create or rebuild at a time per directory (readers and writers go on)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / "ADMIN.lock", "a") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def _open(self):
        for attempt in range(OPEN_ATTEMPTS):
            name = self._generation()
            if name is None:
                raise FileNotFoundError(f"no search index in {self.directory}: run create()")
            try:
                return whoosh_index.open_dir(str(self.directory / name))
            except FileNotFoundError:
                # Another process's commit replaced the table of contents between finding it
                # and reading it (Whoosh deletes the old one): the next look finds the new.
                if attempt == OPEN_ATTEMPTS - 1:
                    raise
                time.sleep(0.01 * (attempt + 1))
        raise AssertionError("unreachable")

    # Lifecycle

    def exists(self) -> bool:
        """Whether a live index is in the directory: True for one that is there but cannot be
        opened (a truncated file, a class its schema names that moved), marked corrupt, so
        pages fall back and the next `flask search sync` rebuilds it."""
        name = self._generation()
        if name is None:
            return False
        if self.corrupt():
            return True
        try:
            return whoosh_index.exists_in(str(self.directory / name))
        except Exception as error:  # Whoosh raises what unpickling or reading raised
            failure = error  # its traceback holds the file Whoosh failed on, left open
        self.mark_corrupt(f"the index cannot be opened: {type(failure).__name__}: {failure}")
        with warnings.catch_warnings():  # closed quietly here, when the failure goes
            warnings.simplefilter("ignore", ResourceWarning)
            del failure
            gc.collect()
        return True

    def create(self) -> None:
        """An empty index, unless there is one already (a deploy step, not a request's)."""
        with self._admin_lock():
            if not self.exists():
                self._point_to(self._new_generation())

    def rebuild(
        self, documents: Iterable[Document], position: int, procs: int | None = None
    ) -> int:
        """Index every document into a new generation, swap it in; returns how many."""
        procs = procs or min(os.cpu_count() or 1, 4)
        collecting = gc.isenabled()
        gc.disable()  # millions of postings in memory: cyclic GC passes would cost ~10%
        try:
            return self._rebuild(documents, position, procs)
        finally:
            if collecting:
                gc.enable()

    def _rebuild(self, documents, position, procs):
        count = 0

        def counted():
            nonlocal count
            for doc in documents:
                count += 1
                yield fields(doc)
            yield {"key": META_KEY, "data": (int(position), ANALYSIS_VERSION)}

        with self._admin_lock():
            self._remove_stale_generations()
            name = self._new_generation()
            path = self.directory / name
            try:
                commit(path, write_documents(path, counted(), WRITER["codec"], procs))
                indexed = whoosh_index.open_dir(str(path)).doc_count()
                if indexed != count + 1:
                    raise RuntimeError(f"rebuild indexed {indexed - 1} of {count} documents")
            except BaseException:
                shutil.rmtree(path, ignore_errors=True)
                raise
            self._point_to(name)
            self._local.checked = 0.0  # this thread searches the new generation at once
            self._remove_stale_generations()
        return count

    def _remove_stale_generations(self):
        """Generations other than the live one: replaced, or left by a killed rebuild."""
        live = self._generation()
        for old in self.directory.glob("gen-*"):
            if old.name != live:
                shutil.rmtree(old, ignore_errors=True)

    # Writing

    def position(self) -> int:
        """The last change-log position applied (0 for a new index)."""
        return position_of(self._searcher(fresh=True).reader())

    def outdated(self) -> bool:
        """Whether the index was built by an older analysis (rebuild() brings it up to date)."""
        return meta_of(self._searcher(fresh=True).reader())[1] != ANALYSIS_VERSION

    def apply(
        self,
        upserts: Iterable[Document],
        deletes: Iterable[str],
        position: int,
        wait: bool | float = False,
    ) -> bool:
        """Add/replace and delete documents in one commit that records `position`.

        `wait`: False never waits (a web request), a number waits that many seconds, True
        waits up to WAIT_FOREVER. Returns False, having written nothing, when the writer
        lock stayed busy. Deletes (keys "type:id") apply before upserts. The commit merges
        tiny segments left by earlier commits (see _merge_tiny).
        """
        timeout = 0.0 if wait is False else WAIT_FOREVER if wait is True else float(wait)
        try:
            writer = self._open().writer(timeout=timeout, delay=0.05, **WRITER)
        except LockError:
            return False
        try:
            reader = writer.reader()
            try:
                stored, analysis = meta_of(reader)
            finally:
                reader.close()
            if position < stored:
                writer.cancel()
                return True
            for key in deletes:
                writer.delete_by_term("key", key)
            for doc in {doc.key: doc for doc in upserts}.values():
                writer.update_document(**fields(doc))
            writer.update_document(key=META_KEY, data=(int(position), analysis))
            writer.commit(mergetype=_merge_tiny)
            self._local.checked = 0.0  # this thread sees its own write at once
        except BaseException:
            if not writer.is_closed:
                writer.cancel()
            raise
        return True

    # Damage: a generation's files can be cut short or garbled (a full disk, a bad copy).

    def mark_corrupt(self, reason: str) -> None:
        """Note in the live generation why reading it failed; a rebuild starts a new one."""
        name = self._generation()
        if name is not None:
            (self.directory / name / CORRUPT).write_text(reason[:2000] + "\n")

    def corrupt(self) -> str | None:
        """Why the live generation was found unreadable, or None."""
        name = self._generation()
        try:
            return (self.directory / name / CORRUPT).read_text().strip() if name else None
        except FileNotFoundError:
            return None

    def verify(self) -> str | None:
        """Read every posting list of the live generation; why it failed (marked), or None.

        Costs a read of the whole index (about a second per 35,000 terms).
        """
        try:
            for segreader, _ in self._searcher(fresh=True).reader().leaf_readers():
                for fieldname, text in segreader.all_terms():
                    if segreader.schema[fieldname].format is not None:
                        for _ in segreader.postings(fieldname, text).all_ids():
                            pass
        except Exception as error:  # Whoosh raises bare Exceptions for a bad block
            reason = f"{type(error).__name__}: {error}"
            self.mark_corrupt(reason)
            return reason
        return None

    def versions(self) -> dict[str, str]:
        """{key: version} of every indexed document."""
        out = {}
        for segreader, _ in self._searcher(fresh=True).reader().leaf_readers():
            keys = segreader.column_reader("key")
            versions = segreader.column_reader("version")
            for docnum in segreader.all_doc_ids():
                key = keys[docnum]
                if key != META_KEY:
                    out[key] = versions[docnum].decode("utf-8")
        return out

    def contents(self) -> Iterator[tuple[str, list[str]]]:
        """Every indexed document as its files hold it: its stored fields as one text, and
        the terms of its indexed fields ("title:khai"): what the index keeps of a record
        (the tests look for personal data in it). Reads the whole index: for checks."""
        for segreader, _ in self._searcher(fresh=True).reader().leaf_readers():
            terms: dict[int, list[str]] = {}
            for fieldname, text in segreader.all_terms():
                if segreader.schema[fieldname].format is None:
                    continue
                for docnum in segreader.postings(fieldname, text).all_ids():
                    terms.setdefault(docnum, []).append(f"{fieldname}:{text.decode('utf-8')}")
            for docnum in segreader.all_doc_ids():
                yield stored_text(segreader.stored_fields(docnum)), terms.get(docnum, [])

    # Searching

    def _searcher(self, fresh=False):
        """This thread's searcher on the live generation, checked for changes every so often.

        Another process's commit shows within REFRESH_SECONDS; `fresh` checks now.
        """
        local = self._local
        now = time.monotonic()
        if (
            not fresh
            and getattr(local, "pid", None) == os.getpid()
            and now - local.checked < REFRESH_SECONDS
        ):
            return local.searcher
        name = self._generation()
        if getattr(local, "pid", None) != os.getpid() or local.name != name:
            self.close()
            local.searcher = self._new_searcher()
            local.name, local.pid, local.view = name, os.getpid(), None
        elif not local.searcher.up_to_date():
            # Not Searcher.refresh(): it reuses a segment's reader even when the segment has
            # new deletions, and fails on an empty index. Segment masks stay cached anyway.
            self._close_searcher(local.searcher)
            local.searcher, local.view = self._new_searcher(), None
        local.checked = now
        return local.searcher

    def _view(self, searcher):
        """This thread's masks over its searcher, sharing composed masks with other threads."""
        if self._local.view is None:
            self._local.view = View(
                searcher, self._cache, self.directory / self._local.name, self._composed
            )
        return self._local.view

    def _new_searcher(self):
        for attempt in range(OPEN_ATTEMPTS):
            try:
                searcher = self._open().searcher()
                break
            except FileNotFoundError:  # a merge deleted a segment the contents listed
                if attempt == OPEN_ATTEMPTS - 1:
                    raise
                time.sleep(0.01 * (attempt + 1))
        with self._lock:
            self._searchers.add(searcher)
        return searcher

    def _close_searcher(self, searcher):
        with self._lock:
            self._searchers.discard(searcher)
        with suppress(Exception):  # a damaged segment's reader may be closed already
            searcher.close()

    def close(self) -> None:
        """Close this thread's searcher (the next search opens one again)."""
        local = self._local
        if getattr(local, "searcher", None) is not None and local.pid == os.getpid():
            self._close_searcher(local.searcher)
        local.searcher = local.name = local.pid = local.view = None
        local.checked = 0.0

    def __del__(self):
        # Every thread's searcher: no thread can use them once the index object is gone.
        if getattr(self, "_pid", None) == os.getpid():
            for searcher in list(self._searchers):
                searcher.close()

    def search(
        self,
        query: str,
        lang: str = "vi",
        types: list[str] | None = None,
        filters: dict | None = None,
        page: int = 1,
        per_page: int = 20,
        sort: str = "relevance",
    ) -> Results:
        """A page of results for what a visitor typed; never raises on odd input."""
        lang = "en" if lang == "en" else "vi"
        page = min(max(1, _number(page, 1)), MAX_PAGE)
        per_page = min(max(1, _number(per_page, 20)), MAX_PER_PAGE)
        clauses = parse(query or "", lang)
        if not clauses:
            return Results(0, page, per_page, [], {})
        searcher = self._searcher()
        view = self._view(searcher)
        builder = Builder(searcher.reader(), lang)
        required = _required(view, builder, clauses)

        base = view.live & view.passing(filters)
        within = base & (view.any("type", types) if types else -1)
        full = base
        for bits in required:
            full &= bits
        partial = 0
        if len(clauses) > 1 and popcount(full) < PARTIAL_BELOW:
            partial = best_partial(required, base & ~full)
        results = full | partial
        facets = {
            name: view.counts(name, results & (base if name == "type" else within))
            for name in FACETS
        }

        need = min(page * per_page, MAX_RESULTS)
        weighted = features(view, clauses, builder) if sort != "date" else []
        ranked: list[tuple[float, int]] = []
        for bits in (full & within, partial & within):
            if len(ranked) < need and bits:
                if sort == "date":
                    ranked += [(0.0, d) for d in view.newest(bits, need - len(ranked))]
                else:
                    ranked += best(planes(weighted, bits), bits, need - len(ranked))
        hits = [
            make_hit(searcher, docnum, score, clauses, required, lang)
            for score, docnum in ranked[(page - 1) * per_page : need]
        ]

        suggestion = None
        if not full or any(not bits for bits in required):
            suggestion = suggest(clauses, searcher.reader())
        return Results(popcount(results & within), page, per_page, hits, facets, suggestion)

    def ranked(
        self, query: str, lang: str = "vi", types: list[str] | None = None, limit: int = MAX_RANKED
    ) -> list[str]:
        """Keys ("type:id") of the documents holding every clause of a query, best first.

        For listing pages whose own box narrows their list: no page, facets or snippets.
        """
        lang = "en" if lang == "en" else "vi"
        clauses = parse(query or "", lang)
        if not clauses:
            return []
        searcher = self._searcher()
        view = self._view(searcher)
        builder = Builder(searcher.reader(), lang)
        full = view.live & (view.any("type", types) if types else -1)
        for bits in _required(view, builder, clauses):
            full &= bits
        if not full:
            return []
        weighted = features(view, clauses, builder)
        return [
            view.key_of(docnum)
            for _, docnum in best(planes(weighted, full), full, min(max(1, limit), MAX_RANKED))
        ]


def _required(view, builder, clauses):
    """Each clause's documents (a code as written, else its parts anywhere)."""
    required = []
    for clause in clauses:
        bits = view.query(builder.required(clause))
        if not bits and clause.kind == "code":
            bits = view.query(builder.loose(clause))
        required.append(bits)
    return required


def _merge_tiny(writer, segments):
    """Merge the segments under TINY_SEGMENT documents once there are MERGE_AT of them.

    Not Whoosh's MERGE_SMALL: with a rebuild's equal segments its Fibonacci rule merges
    nearly the whole index on some commit, minutes inside a web request.
    """
    tiny = [s for s in segments if s.doc_count_all() < TINY_SEGMENT]
    if len(tiny) < MERGE_AT:
        return segments
    for segment in tiny:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [s for s in segments if s not in tiny]


def _number(value, default):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
