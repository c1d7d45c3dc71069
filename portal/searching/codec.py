"""Whoosh's W3 codec, with the per-posting work of writing and scoring made lighter.

Same files, same format; only how they are written and read changes:
- field lengths are loaded into a list once per segment and field, instead of being read
  from the column file through four calls for every posting written and every one scored;
- writing a segment's postings skips the generic checks Whoosh repeats for each of the
  ~800 postings of every procedure.
Segments pickle their codec, so this module's dotted path must stay `portal.searching.codec`.
"""

from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    W3Codec,
    W3FieldWriter,
    W3PerDocReader,
    W3PostingsWriter,
    _lenfield,
)
from whoosh.util.numeric import byte_to_length


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
        return PostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=byteids,
                              compression=self._compression, inlinelimit=self._inlinelimit)


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
                fieldlengths = _lengths(lengths, fieldname) if schema[fieldname].scorable \
                    else []
                add = self._postwriter.add_posting
                lastfield, lastterm = fieldname, None
            if btext != lastterm:
                if lastterm is not None:
                    self.finish_term()
                self.start_term(btext)
                lastterm = btext
            add(docnum, weight, value or b"",
                fieldlengths[docnum] if docnum < len(fieldlengths) else 0)
        if lastterm is not None:
            self.finish_term()
        if lastfield is not None:
            self.finish_field()


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
