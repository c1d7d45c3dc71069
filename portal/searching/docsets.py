"""Masks over all segments of one searcher: matches, facets, filters, BM25 levels, date order.

Segment masks (masks.py) come from the segment's sidecar when it has the term, else from
its postings, and are cached per process: segments never change, so the cache needs no
invalidation. A View shifts them into place over all segments (document numbers run on
from one segment to the next) and ANDs away deleted documents.
"""

import os
import threading
from bisect import bisect_right
from collections import OrderedDict
from math import log

from whoosh.query import And, Or, Term

from portal.searching.analysis import fold
from portal.searching.masks import (
    FACETS,
    KEY_BLOCK,
    LEVEL_FIELDS,
    LEVELS,
    SIDECAR_FIELDS,
    Sidecar,
    bloom_key,
    days,
    facet_masks,
    keys,
    length_classes,
    mask,
    may_hold,
    members,
    popcount,
    term_masks,
)

COMPOSED_BYTES = 64 * 2**20


class SegmentCache:
    """Per-process cache of segment-local masks, bounded by their size in bytes."""

    def __init__(self, limit_bytes=96 * 2**20):
        self.limit = limit_bytes
        self.size = 0
        self._items = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, build):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key][0]
        value = build()
        size = _size(value)
        with self._lock:
            if key not in self._items:
                self._items[key] = (value, size)
                self.size += size
            while self.size > self.limit and len(self._items) > 1:
                _, (_, dropped) = self._items.popitem(last=False)
                self.size -= dropped
        return value


def _size(value):
    """Roughly how many bytes a cached value holds."""
    if isinstance(value, int):
        return value.bit_length() // 8 + 32
    if isinstance(value, bytes):
        return len(value) + 32
    if isinstance(value, str):
        return len(value) + 50
    if isinstance(value, tuple | list):
        if len(value) > 16:  # one item per document (days, keys): judged by the first
            return len(value) * (_size(value[0]) + 8) + 64
        return sum(_size(v) for v in value) + 64  # a term's masks, one big int each
    if isinstance(value, dict):
        return sum(_size(v) + 64 for v in value.values())
    return 64


class View:
    """Masks over one searcher's documents (a new view after every refresh).

    Views of the same segments (threads of a process) share, through `shared`, the masks
    already shifted into place over all segments, within a budget of COMPOSED_BYTES.
    """

    def __init__(self, searcher, cache, directory, shared=None):
        self.searcher = searcher
        self.cache = cache
        self.directory = directory
        self.leaves = []
        live = 0
        for segreader, offset in searcher.reader().leaf_readers():
            if segreader.segment() is None:
                continue  # the empty reader of an empty index
            count = segreader.doc_count_all()
            local = (1 << count) - 1
            if segreader.has_deletions():
                local &= ~mask(segreader.deleted_docs_set, count)
            live |= local << offset
            self.leaves.append((segreader, offset, count, segreader.segment().segment_id()))
        self.live = live
        self.offsets = [offset for _, offset, _, _ in self.leaves]
        self.count = popcount(live)
        self.key = tuple(
            (segid, segreader.segment().deleted_count()) for segreader, _, _, segid in self.leaves
        )
        shared = {} if shared is None else shared
        if self.key not in shared:
            shared.clear()  # masks of older segment sets are no longer needed
        self._composed = shared.setdefault(self.key, {"terms": {}, "facets": {}, "bytes": 0})

    def _sidecar(self, segid):
        return self.cache.get(
            (segid, "sidecar"), lambda: Sidecar(os.path.join(self.directory, segid + ".masks"))
        )

    def _local(self, segreader, segid, key, build):
        """A segment's value for a key: cached, else from its sidecar, else built."""

        def load():
            found = self._sidecar(segid).get(key)
            return build() if found is None else found

        return self.cache.get((segid, *key), load)

    def _term_masks(self, segreader, segid, fieldname, btext):
        """A term's masks in one segment, () without a lookup when its filter says absent."""
        if fieldname in SIDECAR_FIELDS:
            bloom = self.cache.get(
                (segid, "bloom"), lambda: self._sidecar(segid).get(("bloom",)) or b""
            )
            if bloom and not may_hold(bloom, bloom_key(fieldname, btext)):
                return ()
        return term_masks(segreader, fieldname, btext, self._classes(segreader, fieldname))

    def _data(self, fieldname, text):
        """A term's masks over all segments: (present, level 1, …) for text fields."""
        terms = self._composed["terms"]
        key = (fieldname, text)
        if key not in terms:
            btext = text.encode("utf-8")
            # A title's folded terms are its text's too: no need to look where text has none.
            within_text = fieldname == "title" and fold(text) == text
            parts = [
                (
                    offset,
                    ()
                    if within_text
                    and not self._local(
                        segreader,
                        segid,
                        ("text", btext),
                        lambda r=segreader, s=segid: self._term_masks(r, s, "text", btext),
                    )
                    else self._local(
                        segreader,
                        segid,
                        (fieldname, btext),
                        lambda r=(segreader), s=segid: self._term_masks(r, s, fieldname, btext),
                    ),
                )
                for segreader, offset, _, segid in self.leaves
            ]
            width = 1 + len(LEVELS) if fieldname in LEVEL_FIELDS else 1
            value = [
                _combine([(offset, local[j]) for offset, local in parts if local])
                for j in range(width)
            ]
            value[0] &= self.live
            size = self._composed["bytes"] + _size(value)
            if size > COMPOSED_BYTES:
                terms.clear()
                size = _size(value)
            self._composed["bytes"] = size
            terms[key] = tuple(value)
        return terms[key]

    def _classes(self, segreader, fieldname):
        if fieldname not in LEVEL_FIELDS:
            return None
        segid = segreader.segment().segment_id()
        return self.cache.get(
            (segid, "classes", fieldname), lambda: length_classes(segreader, fieldname)
        )

    def term(self, fieldname, text):
        """The live documents holding a term."""
        return self._data(fieldname, text)[0]

    def levels(self, fieldname, text):
        """Masks of the documents where a term's BM25 occurrence score reaches each level."""
        return self._data(fieldname, text)[1:]

    def idf(self, fieldname, text):
        """Inverse document frequency of a term (Whoosh's formula, live documents only)."""
        return log(self.count / (popcount(self.term(fieldname, text)) + 1)) + 1

    def query(self, q):
        """The live documents matching a query of Term, And and Or."""
        if isinstance(q, Term):
            return self.term(q.fieldname, q.text)
        found = [self.query(sub) for sub in q.subqueries]
        if isinstance(q, And):
            bits = found[0]
            for m in found[1:]:
                bits &= m
            return bits
        if isinstance(q, Or):
            bits = 0
            for m in found:
                bits |= m
            return bits
        raise TypeError(f"no mask for {type(q).__name__}")

    def facet(self, name):
        """{value: mask} for a facet field."""
        facets = self._composed["facets"]
        if name not in facets:
            values = {}
            for segreader, offset, _, segid in self.leaves:
                local = self._local(
                    segreader, segid, ("facet", name), lambda r=segreader: facet_masks(r, name)
                )
                for value, bits in local.items():
                    values[value] = values.get(value, 0) | bits << offset
            facets[name] = {v: b & self.live for v, b in values.items()}
        return facets[name]

    def any(self, name, values):
        """Documents with any of these values of a facet."""
        found = self.facet(name)
        bits = 0
        for value in values:
            bits |= found.get(str(value), 0)
        return bits

    def passing(self, filters):
        """Documents passing every filter (a value or a list of values per facet but type)."""
        bits = -1
        for name, values in (filters or {}).items():
            if name not in FACETS or name == "type":
                raise ValueError(f"unknown filter {name!r}: use one of {FACETS[1:]}")
            if values is None or values == []:
                continue
            values = values if isinstance(values, list | tuple | set) else [values]
            bits &= self.any(name, values)
        return bits

    def counts(self, name, bits):
        """{value: count} of a facet within a mask, values with no documents left out."""
        found = {}
        for value, bits_of_value in self.facet(name).items():
            n = popcount(bits & bits_of_value)
            if n:
                found[value] = n
        return dict(sorted(found.items(), key=lambda item: (-item[1], item[0])))

    def key_of(self, docnum):
        """A document's key ("type:id")."""
        at = bisect_right(self.offsets, docnum) - 1
        segreader, offset, _, segid = self.leaves[at]
        block, at = divmod(docnum - offset, KEY_BLOCK)
        found = self._local(segreader, segid, ("keys", block), lambda: keys(segreader, block))
        return found[at]

    def newest(self, bits, limit):
        """Up to `limit` documents of a mask, newest first (undated last)."""
        found = []
        for segreader, offset, count, segid in self.leaves:
            local = bits >> offset & ((1 << count) - 1)
            if not local:
                continue
            day = self._local(segreader, segid, ("days",), lambda r=segreader: days(r))
            if popcount(local) * 8 < count:
                chosen = sorted(members(local), key=lambda d: (-day[d], d))[:limit]
            else:
                chosen = []
                view = local.to_bytes(count // 8 + 1, "little")
                for d in self.cache.get((segid, "newest"), lambda r=day: _by_day(r)):
                    if view[d >> 3] >> (d & 7) & 1:
                        chosen.append(d)
                        if len(chosen) == limit:
                            break
            found += [(day[d], offset + d) for d in chosen]
        found.sort(key=lambda item: (-item[0], item[1]))
        return [d for _, d in found[:limit]]


def _combine(parts):
    bits = 0
    for offset, local in parts:
        bits |= local << offset
    return bits


def _by_day(day):
    return sorted(range(len(day)), key=lambda d: (-day[d], d))
