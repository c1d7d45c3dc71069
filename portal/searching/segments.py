"""Whole segments written at once, for a rebuild: the same files as Whoosh's writer, faster.

Whoosh's writer makes a tuple of every posting, sorts them all, then writes them one call
at a time: ~5 µs a posting, and a procedure has ~800. Here each document's terms go
straight into one array of document numbers and one of weights per term (C-level appends),
already in order, and each term's posting list is written at once (codec.FieldWriter.add_term).
A rebuild's documents are shared out between forked processes, each writing its own
segments and their masks sidecars; the parent lists the segments in the index's table of
contents.

Only for a new generation nobody else writes to: there is no lock here.
"""

import ctypes
import multiprocessing
import os
import queue
import signal
import sys
import traceback
from array import array
from collections import defaultdict, deque
from functools import partial
from itertools import chain, islice, repeat

from whoosh import index as whoosh_index
from whoosh.formats import Existence
from whoosh.index import TOC, clean_files
from whoosh.reading import SegmentReader

from portal.searching.analysis import WeightedTextField
from portal.searching.masks import write_sidecar

SEGMENT_DOCS = 25000  # documents per segment: fewer segments, fewer lookups per term
PARALLEL_FROM = 2000  # fewer documents are written in this process
CHUNK = 200  # documents per message to a writer process
PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent dies
_IDS = partial(array, "I")
_WEIGHTS = partial(array, "f")


class SegmentBuilder:
    """One new segment of an index, built in memory and written by finish()."""

    def __init__(self, ix, codec):
        self.ix = ix
        self.schema = ix.schema
        self.codec = codec
        self.segment = codec.new_segment(ix.storage, ix.indexname)
        self.perdoc = codec.per_document_writer(ix.storage, self.segment)
        self.docnum = 0
        self.ids = defaultdict(lambda: defaultdict(_IDS))  # field → term → doc numbers
        self.weights = defaultdict(lambda: defaultdict(_WEIGHTS))  # field → term → weights

    def add(self, fields):
        """Add one document, given as Whoosh field values (documents.fields())."""
        schema, perdoc, docnum = self.schema, self.perdoc, self.docnum
        perdoc.start_doc(docnum)
        for fieldname in sorted(fields):
            value = fields[fieldname]
            field = schema[fieldname]
            length = 0
            if field.indexed:
                if isinstance(field, WeightedTextField):
                    terms, counts, weights = field.postings(value)
                else:
                    items = list(field.index(value))
                    terms = [t for t, _, _, _ in items]
                    counts = [c for _, c, _, _ in items]
                    weights = [float(w) for _, _, w, _ in items]
                if field.scorable:
                    length = sum(counts)
                ids, found = self.ids[fieldname], self.weights[fieldname]
                deque(map(array.append, map(ids.__getitem__, terms), repeat(docnum)), 0)
                deque(map(array.append, map(found.__getitem__, terms), weights), 0)
            perdoc.add_field(fieldname, field, value if field.stored else None, length)
            if field.column_type:
                perdoc.add_column_value(fieldname, field.column_type, field.to_column_value(value))
        perdoc.finish_doc()
        self.docnum += 1

    def finish(self):
        """Write the postings, close the files; returns the segment."""
        self.segment.set_doc_count(self.docnum)
        self.perdoc.close()
        lengths = self.codec.per_document_reader(self.ix.storage, self.segment)
        writer = self.codec.field_writer(self.ix.storage, self.segment)
        try:
            for fieldname in sorted(self.ids):
                field = self.schema[fieldname]
                if not isinstance(field.format, Existence):
                    raise TypeError(f"{fieldname}: only fields without positions are bulk-written")
                field_lengths = lengths.lengths(fieldname) if field.scorable else None
                ids, weights = self.ids.pop(fieldname), self.weights.pop(fieldname)
                writer.start_field(fieldname, field)
                for btext in sorted(ids):
                    writer.add_term(btext, ids[btext], weights[btext], field_lengths)
                writer.finish_field()
        finally:
            writer.close()
            lengths.close()
        return self.segment


def write_documents(path, documents, codec, procs=1):
    """Write documents (Whoosh field values) as new segments of the index at path.

    With procs > 1 and at least PARALLEL_FROM documents, that many forked processes take
    chunks of CHUNK documents from a queue, each filling its own segments of up to
    SEGMENT_DOCS documents. Returns the segments; list them with commit().
    """
    documents = iter(documents)
    first = list(islice(documents, PARALLEL_FROM))
    if procs <= 1 or len(first) < PARALLEL_FROM:
        return _write(str(path), chain(first, documents), codec)
    context = multiprocessing.get_context("fork")
    tasks, results = context.Queue(maxsize=2 * procs), context.Queue()
    parent = os.getpid()
    workers = [
        context.Process(
            target=_worker, args=(str(path), codec, tasks, results, parent), daemon=True
        )
        for _ in range(procs)
    ]
    for worker in workers:
        worker.start()
    try:
        for chunk in _chunks(chain(first, documents)):
            _put(tasks, chunk, workers)
        for _ in workers:
            _put(tasks, None, workers)
        segments = []
        for _ in workers:
            status, value = _get(results, workers)
            if status == "error":
                raise RuntimeError(f"a search index writer failed:\n{value}")
            segments += value
        return segments
    finally:
        for worker in workers:
            worker.join(timeout=5 if worker.exitcode is None else 0)
            if worker.is_alive():
                worker.terminate()
                worker.join()
        tasks.close()
        results.close()


def commit(path, segments):
    """List the segments in a new table of contents of the index at path."""
    ix = whoosh_index.open_dir(str(path))
    toc = ix._read_toc()
    generation = toc.generation + 1
    TOC(toc.schema, toc.segments + segments, generation).write(ix.storage, ix.indexname)
    clean_files(ix.storage, ix.indexname, generation, toc.segments + segments)


def _write(path, documents, codec):
    """Write documents as segments of up to SEGMENT_DOCS, each with its sidecar."""
    ix = whoosh_index.open_dir(path)
    segments, builder = [], None
    for fields in documents:
        if builder is None:
            builder = SegmentBuilder(ix, codec)
        builder.add(fields)
        if builder.docnum >= SEGMENT_DOCS:
            segments.append(_finish(path, ix, builder))
            builder = None
    if builder is not None:
        segments.append(_finish(path, ix, builder))
    return segments


def _finish(path, ix, builder):
    segment = builder.finish()
    reader = SegmentReader(ix.storage, ix.schema, segment)
    try:
        write_sidecar(path, reader)
    finally:
        reader.close()
    return segment


def _die_with(parent):
    """Be killed when the rebuilding process dies, even by SIGKILL (Linux).

    An orphaned writer kept its memory and the index's admin lock (an inherited flock), so
    the next rebuild waited for it forever.
    """
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it died before prctl() took effect
        os._exit(1)


def _worker(path, codec, tasks, results, parent):
    """A writer process: documents from the task queue, its segments to the results."""
    _die_with(parent)

    def documents():
        while (chunk := tasks.get()) is not None:
            yield from chunk

    try:
        results.put(("ok", _write(path, documents(), codec)))
    except BaseException:
        results.put(("error", traceback.format_exc()))


def _chunks(documents):
    chunk = []
    for fields in documents:
        chunk.append(fields)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _check(workers):
    """Raise when a writer process ended without reporting (killed, out of memory)."""
    for worker in workers:
        if worker.exitcode not in (None, 0):
            raise RuntimeError(f"a search index writer ended with exit code {worker.exitcode}")


def _put(tasks, item, workers):
    while True:
        try:
            return tasks.put(item, timeout=1)
        except queue.Full:
            _check(workers)


def _get(results, workers):
    while True:
        try:
            return results.get(timeout=1)
        except queue.Empty:
            _check(workers)
            if all(worker.exitcode is not None for worker in workers):
                raise RuntimeError("the search index writers ended without their results") from None
