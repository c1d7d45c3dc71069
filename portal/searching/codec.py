"""Whoosh's W3 codec, with the per-posting work of writing and scoring made lighter.

Same files, same format; only how they are written and read changes:
- field lengths are loaded into a list once per segment and field, instead of being read
  from the column file through four calls for every posting written and every one scored;
- writing a segment's postings skips the generic checks Whoosh repeats for each of the
  ~800 postings of every procedure;
- a rebuild writes each term's whole posting list at once (`FieldWriter.add_term`), and
  stores blocks under COMPRESS_FROM bytes uncompressed (the block says so; W3 readers
  honour it).
Segments pickle their codec, so this module's dotted path must stay `portal.searching.codec`.
"""

import zlib
from itertools import chain
from operator import sub
from pickle import dumps

from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3FieldWriter,
    W3PerDocReader,
    W3PostingsWriter,
    W3TermInfo,
    _lenfield,
)
from whoosh.system import pack_int, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte

BLOCK = 128  # postings per block, as W3 writes them
COMPRESS_FROM = 128  # bytes: smaller blocks are stored as they are (zlib costs ~25 µs a call)


class Codec(W3Codec):
    """W3 with in-memory field lengths and a leaner postings writer."""

    def __init__(self, blocklimit=128, compression=1, inlinelimit=1):
        # zlib level 1: blocks of doc numbers compress almost as well, twice as fast.
        super().__init__(blocklimit, compression, inlinelimit)

    def per_document_reader(self, storage, segment):
        return PerDocReader(storage, segment)

    def field_writer(self, storage, segment):
        return FieldWriter(self, storage, segment)

    def postings_writer(self, dbfile, byteids=False):
        return PostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=byteids,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )


class PerDocReader(W3PerDocReader):
    """Per-document reader whose field lengths come from one list per field."""

    def __init__(self, storage, segment):
        super().__init__(storage, segment)
        self._lengths = {}

    def lengths(self, fieldname):
        """Every document's length of a field, by document number."""
        found = self._lengths.get(fieldname)
        if found is None:
            reader = self._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            raw = reader._dbfile.get(reader._basepos, reader._count) if reader else b""
            found = [byte_to_length(b) if b else 0 for b in raw]
            found += [0] * (self._doccount - len(found))
            self._lengths[fieldname] = found
        return found

    def doc_field_length(self, docnum, fieldname, default=0):
        lengths = self.lengths(fieldname)
        return (lengths[docnum] if docnum < len(lengths) else 0) or default


class FieldWriter(W3FieldWriter):
    """Writes sorted postings with one loop and no per-posting checks."""

    def add_postings(self, schema, lengths, items):
        lastfield = lastterm = None
        fieldlengths = []
        for fieldname, btext, docnum, weight, value in items:
            if fieldname != lastfield:
                if lastterm is not None:
                    self.finish_term()
                if lastfield is not None:
                    self.finish_field()
                self.start_field(fieldname, schema[fieldname])
                fieldlengths = _lengths(lengths, fieldname) if schema[fieldname].scorable else []
                add = self._postwriter.add_posting
                lastfield, lastterm = fieldname, None
            if btext != lastterm:
                if lastterm is not None:
                    self.finish_term()
                self.start_term(btext)
                lastterm = btext
            add(
                docnum,
                weight,
                value or b"",
                fieldlengths[docnum] if docnum < len(fieldlengths) else 0,
            )
        if lastterm is not None:
            self.finish_term()
        if lastfield is not None:
            self.finish_field()

    def add_term(self, btext, ids, weights, lengths=None):
        """Write one term's postings, ascending document numbers with their weights.

        `lengths`: the field's length of every document (by number), or None for a field
        without lengths. Between start_field() and finish_field(), terms in byte order.
        """
        postfile = self._postfile
        start = postfile.tell()
        postfile.write(WHOOSH3_HEADER_MAGIC)
        info = W3TermInfo()
        count = len(ids)
        minlength, maxlength = None, 0
        for at in range(0, count, BLOCK):
            block_ids, block_weights = ids[at : at + BLOCK], weights[at : at + BLOCK]
            maxweight = max(block_weights)
            if lengths is not None:
                found = [n for n in map(lengths.__getitem__, block_ids) if n]
                low, high = (min(found), max(found)) if found else (None, 0)
            else:
                low, high = None, 0
            if low is not None and (minlength is None or low < minlength):
                minlength = low
            maxlength = max(maxlength, high)
            if maxweight == 1.0 and min(block_weights) == 1.0:
                packed = None
            elif min(block_weights) == maxweight:
                packed = float(maxweight)
            else:
                packed = tuple(map(float, block_weights))
            data = dumps((tuple(map(sub, block_ids, chain((0,), block_ids))), packed, None), 2)
            comp = 0
            if len(data) >= COMPRESS_FROM:
                comp, data = self._codec._compression, zlib.compress(data, self._codec._compression)
            head = dumps(
                (
                    len(block_ids),
                    int(block_ids[-1]),
                    float(maxweight),
                    comp,
                    length_to_byte(low),
                    length_to_byte(high),
                ),
                2,
            )
            size = len(head) + len(data)
            postfile.write(pack_int(-size if at + BLOCK >= count else size))
            postfile.write(head)
            postfile.write(data)
        info._weight = float(sum(weights))
        info._df = count
        info._minlength = minlength
        info._maxlength = maxlength
        info._maxweight = float(max(weights))
        info._minid, info._maxid = int(ids[0]), int(ids[-1])
        info.set_extent(start, postfile.tell() - start)
        self._tindex.add(pack_ushort(self._fieldid) + btext, info.to_bytes())


def _lengths(lengths, fieldname):
    """A field's lengths by document number from whatever per-document reader Whoosh gives."""
    if isinstance(lengths, PerDocReader):
        return lengths.lengths(fieldname)
    if lengths is None:
        return []
    return [lengths.doc_field_length(d, fieldname) or 0 for d in range(lengths.doc_count_all())]


class PostingsWriter(W3PostingsWriter):
    """W3's postings writer without its type assertions."""

    def add_posting(self, id_, weight, vbytes, length=None):
        ids = self._ids
        if len(ids) >= self._blocklimit:
            self._write_block()
            ids = self._ids
        ids.append(id_)
        self._weights.append(weight)
        if weight > self._maxweight:
            self._maxweight = weight
        if vbytes:
            self._values.append(vbytes)
        if length:
            if self._minlength is None or length < self._minlength:
                self._minlength = length
            if length > self._maxlength:
                self._maxlength = length
