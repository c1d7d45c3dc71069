"""Masks of one segment: a term's documents and BM25 levels, facets, days, keys, and which
terms it holds at all (a Bloom filter); kept beside it.

A set of document numbers as one Python int (bit n = document n) makes AND, OR and counting
C-speed. Building a term's masks reads all its postings (about 0.4 µs each, with C-level
iterators only), so for a common word in 100,000 documents the first query pays ~30 ms.
`write_sidecar()` builds the masks of a segment's frequent terms once, at rebuild, into
`<segment id>.masks` beside the segment (Whoosh deletes it with the segment); `Sidecar`
reads one term's masks from it in microseconds.
"""

import marshal
import os
import struct
import zlib
from collections import deque
from hashlib import blake2b
from itertools import accumulate, repeat
from operator import getitem

from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound

from portal.searching.codec import PerDocReader

FACETS = ("type", "agency", "field", "level", "status", "year")
# BM25 (k1 = 1.2, b = 0.75) gives a term occurrence s = w(k1+1) / (w + k1(1-b+b·len/avg)),
# from 0 to 2.2. A level mask holds the documents where s reaches LEVELS[j]; s ≥ θ exactly
# when w ≥ θ/(k1+1-θ) · k1(1-b+b·len/avg).
K1, B = 1.2, 0.75
LEVELS = (1.1, 1.5, 1.8)
LEVEL_FIELDS = ("text", "text_en")
SIDECAR_FIELDS = ("text", "title")
SIDECAR_MIN_DF = 0.01  # terms in at least this share of a segment's documents (and 32)
# The sidecar's Bloom filter of every text and title term spares a lookup in each segment
# that lacks a rare term (a code, a name): ~1% of absent terms are still looked up.
BLOOM_BITS = 10
BLOOM_HASHES = 4
_CLASSES = 16  # document lengths in quarters of the average, up to 4×
_MAX_WEIGHT = 63
_TO_BINARY = bytes.maketrans(b"\x00\x01", b"01")
# Byte maps of posting levels (0 absent, 1 present, 2… levels) to "0"/"1", one per mask.
_AT_LEAST = [
    bytes.maketrans(bytes(range(6)), bytes(b"1"[0] if v >= k else b"0"[0] for v in range(6)))
    for k in range(1, len(LEVELS) + 2)
]
_FOOTER = struct.Struct("<Q")


def popcount(bits):
    """How many documents a mask holds."""
    return bits.bit_count()


def members(bits, limit=None):
    """The document numbers in a mask, ascending (the first `limit` of them)."""
    text = bin(bits)[:1:-1]  # bit 0 first
    out, at = [], text.find("1")
    while at >= 0 and len(out) != limit:
        out.append(at)
        at = text.find("1", at + 1)
    return out


def has(bits, docnum):
    """Whether a mask holds a document."""
    return bits >> docnum & 1 == 1


def mask(ids, size):
    """A mask from document numbers below size."""
    if not isinstance(ids, list | tuple):
        ids = list(ids)
    if len(ids) < 32:
        bits = 0
        for i in ids:
            bits |= 1 << i
        return bits
    buf = bytearray(size)
    deque(map(buf.__setitem__, ids, repeat(1)), maxlen=0)
    return int(buf.translate(_TO_BINARY)[::-1], 2) if size else 0


def postings(segreader, fieldname, btext):
    """(document numbers, weights) of a term in one segment, deleted documents included."""
    try:
        matcher = segreader.postings(fieldname, btext)
    except TermNotFound:
        return [], []
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child  # deletions are removed by the live mask instead
    if not isinstance(matcher, W3LeafMatcher):
        ids, weights = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        return ids, weights
    # Whoosh's matcher steps one posting at a time; whole blocks decode in C.
    ids, weights = [], []
    while True:
        matcher._read_data()
        block_ids, block_weights = matcher._data[0], matcher._data[1]
        ids.extend(accumulate(block_ids))
        if block_weights is None or isinstance(block_weights, float):
            weights.extend(repeat(block_weights or 1.0, len(block_ids)))
        else:
            weights.extend(block_weights)
        if matcher._lastblock:
            return ids, weights
        matcher._goto(matcher._nextoffset)


def term_masks(segreader, fieldname, btext, classes=None):
    """(present, level masks…) of a term in one segment, from one pass over its postings."""
    ids, weights = postings(segreader, fieldname, btext)
    count = segreader.doc_count_all()
    if not ids:
        return ()
    if fieldname not in LEVEL_FIELDS:
        return (mask(ids, count),)
    lengths, tables = classes or length_classes(segreader, fieldname)
    # Each posting's level (1 present … 4), looked up by length class and weight, in C.
    found = map(
        getitem,
        map(tables.__getitem__, map(lengths.__getitem__, ids)),
        map(min, map(int, weights), repeat(_MAX_WEIGHT)),
    )
    if len(ids) < 32:  # a rare term: bits one by one, not a pass over the whole segment
        levels = list(zip(ids, found, strict=True))
        return tuple(
            sum(1 << d for d, level in levels if level >= k) for k in range(1, len(LEVELS) + 2)
        )
    buf = bytearray(count)
    deque(map(buf.__setitem__, ids, found), maxlen=0)
    return tuple(int(buf.translate(table)[::-1], 2) for table in _AT_LEAST)


def length_classes(segreader, fieldname):
    """(each document's length class, per class: its level for each weight)."""
    perdoc = getattr(segreader, "_perdoc", None)
    if isinstance(perdoc, PerDocReader):
        lengths = perdoc.lengths(fieldname)
    else:
        lengths = [
            segreader.doc_field_length(d, fieldname, 0) for d in range(segreader.doc_count_all())
        ]
    present = [n for n in lengths if n] or [1]
    average = sum(present) / len(present)
    classes = bytes(min(_CLASSES - 1, int(n / average * 4)) for n in lengths)
    tables = []
    for c in range(_CLASSES):
        norm = K1 * (1 - B + B * (c + 0.5) / 4)
        need = [level / (K1 + 1 - level) * norm for level in LEVELS]
        tables.append(bytes(1 + sum(w >= t for t in need) for w in range(_MAX_WEIGHT + 1)))
    return classes, tuple(tables)


def facet_masks(segreader, name):
    """{value: mask} of a facet field in one segment."""
    count = segreader.doc_count_all()
    return {
        text.decode("utf-8"): mask(postings(segreader, name, text)[0], count)
        for text in segreader.lexicon(name)
    }


def days(segreader):
    """Each document's date as a day number (0 when undated)."""
    column = segreader.column_reader("day", translate=False)
    return [column[d] for d in range(segreader.doc_count_all())]


KEY_BLOCK = 128  # keys are read this many documents at a time


def keys(segreader, block):
    """The keys ("type:id") of one block of a segment's documents, by document number."""
    column = segreader.column_reader("key")
    start = block * KEY_BLOCK
    return [column[d] for d in range(start, min(start + KEY_BLOCK, segreader.doc_count_all()))]


def bloom_key(fieldname, btext):
    return fieldname.encode() + b"\0" + btext


def _bloom_bits(key, size):
    h = int.from_bytes(blake2b(key, digest_size=8).digest(), "little")
    first, step = h & 0xFFFFFFFF, h >> 32 | 1
    return [(first + i * step) % size for i in range(BLOOM_HASHES)]


def make_bloom(keys):
    """A Bloom filter of keys (bloom_key()): BLOOM_BITS bits a key, as bytes."""
    data = bytearray(max(8, len(keys) * BLOOM_BITS // 8 + 1))
    size = len(data) * 8
    for key in keys:
        for bit in _bloom_bits(key, size):
            data[bit >> 3] |= 1 << (bit & 7)
    return bytes(data)


def may_hold(bloom, key):
    """False when a segment certainly lacks a term; True when it may hold it."""
    size = len(bloom) * 8
    return all(bloom[bit >> 3] >> (bit & 7) & 1 for bit in _bloom_bits(key, size))


def sidecar_path(directory, segreader):
    return os.path.join(directory, segreader.segment().segment_id() + ".masks")


def write_sidecar(directory, segreader):
    """Write the masks of a segment's frequent terms, facets and days beside it."""
    count = segreader.doc_count_all()
    least = max(32, int(count * SIDECAR_MIN_DF))
    entries, index, offset = [], {}, 0

    def put(key, value):
        nonlocal offset
        blob = zlib.compress(marshal.dumps(value), 1)
        entries.append(blob)
        index[key] = (offset, len(blob))
        offset += len(blob)

    every_term = []
    for fieldname in SIDECAR_FIELDS:
        classes = length_classes(segreader, fieldname) if fieldname in LEVEL_FIELDS else None
        frequent = []
        for btext, info in segreader.iter_field(fieldname):
            every_term.append(bloom_key(fieldname, btext))
            if info.doc_frequency() >= least:
                frequent.append(btext)
        for btext in frequent:
            put((fieldname, btext), term_masks(segreader, fieldname, btext, classes))
    put(("bloom",), make_bloom(every_term))
    for name in FACETS:
        put(("facet", name), facet_masks(segreader, name))
    put(("days",), days(segreader))
    column = segreader.column_reader("key")
    every = [column[d] for d in range(count)]
    for block in range(0, count, KEY_BLOCK):
        put(("keys", block // KEY_BLOCK), every[block : block + KEY_BLOCK])
    path = sidecar_path(directory, segreader)
    with open(path + ".tmp", "wb") as f:
        for blob in entries:
            f.write(blob)
        f.write(marshal.dumps(index))
        f.write(_FOOTER.pack(offset))
    os.replace(path + ".tmp", path)


class Sidecar:
    """The precomputed masks of one segment, read one entry at a time."""

    def __init__(self, path):
        self.fd = None
        self.index = {}
        try:
            self.fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return
        size = os.fstat(self.fd).st_size
        (start,) = _FOOTER.unpack(os.pread(self.fd, _FOOTER.size, size - _FOOTER.size))
        # Our own file in the index directory, which Whoosh trusts as far as unpickling it.
        self.index = marshal.loads(  # noqa: S302
            os.pread(self.fd, size - _FOOTER.size - start, start)
        )

    def get(self, key):
        """The stored value, or None when the segment has no entry for the key."""
        where = self.index.get(key)
        if where is None:
            return None
        return marshal.loads(  # noqa: S302
            zlib.decompress(os.pread(self.fd, where[1], where[0]))
        )

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def __del__(self):
        self.close()
