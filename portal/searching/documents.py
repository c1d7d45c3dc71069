"""What the engine indexes and returns: documents, hits, results, and the index schema."""

import dataclasses
import datetime
import zlib
from dataclasses import dataclass

from whoosh.columns import NumericColumn, VarBytesColumn
from whoosh.fields import COLUMN, ID, STORED, Schema

from portal.searching.analysis import (
    ANALYSIS_VERSION,
    EnglishTextField,
    WeightedTextField,
    normalize,
)
from portal.searching.masks import has
from portal.searching.snippets import snippet

TITLE_WEIGHT = 3  # a title or code occurrence counts as this many body occurrences
META_KEY = "_meta"  # the document holding the position (real keys are "type:id")


@dataclass
class Document:
    """One searchable record, in the shape the engine indexes."""

    type: str  # "procedure", "announcement", "agency", "hotline", "inspection", ...
    id: str  # unique within type
    title_vi: str
    title_en: str | None = None
    body_vi: str = ""
    body_en: str | None = None
    codes: list[str] = dataclasses.field(default_factory=list)  # codes, document numbers, phones
    agency: str | None = None  # facet values (slugs or labels)
    field: str | None = None
    level: list[str] = dataclasses.field(default_factory=list)
    status: str | None = None
    date: datetime.date | None = None  # sort by date and the year facet
    url: str = ""  # path without language prefix, e.g. "/procedures/1.001193"
    version: str = ""  # e.g. updated_at.isoformat(), for finding stale documents

    @property
    def key(self):
        return f"{self.type}:{self.id}"


@dataclass
class Hit:
    """One result on a page."""

    type: str
    id: str
    key: str
    title: str
    url: str
    snippet: str  # safe HTML: escaped text with <mark> around matches
    score: float
    missing_terms: list[str]  # query terms this result does not hold
    untranslated: bool  # English asked for, but the document has no English text
    date: datetime.date | None = None


@dataclass
class Results:
    """A page of results with the facets and suggestion of the whole result set."""

    total: int
    page: int
    per_page: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    suggestion: str | None = None


def schema():
    """The index fields (the text fields' classes are pickled into the index)."""
    return Schema(
        key=ID(unique=True, sortable=True),
        version=COLUMN(VarBytesColumn()),
        day=COLUMN(NumericColumn("i")),
        type=ID(),
        agency=ID(),
        field=ID(),
        level=ID(),
        status=ID(),
        year=ID(),
        title=WeightedTextField(exact=True),
        text=WeightedTextField(),
        title_en=EnglishTextField(),
        text_en=EnglishTextField(),
        data=STORED(),
    )


def fields(doc):
    """Whoosh field values for a document."""
    title, body = normalize(doc.title_vi), normalize(doc.body_vi)
    title_en, body_en = normalize(doc.title_en), normalize(doc.body_en)
    codes = " ; ".join(normalize(c) for c in doc.codes)  # ";" keeps codes' bigrams apart
    values = {
        "key": doc.key,
        "version": (doc.version or "").encode("utf-8"),
        "day": doc.date.toordinal() if doc.date else 0,
        "type": [doc.type],
        "agency": [doc.agency] if doc.agency else None,
        "field": [doc.field] if doc.field else None,
        "level": list(doc.level) or None,
        "status": [doc.status] if doc.status else None,
        "year": [str(doc.date.year)] if doc.date else None,
        "title": [(title, 1), (codes, 1)],
        "text": [(title, TITLE_WEIGHT), (codes, TITLE_WEIGHT), (body, 1)],
        "title_en": [(title_en, 1)] if title_en else None,
        "text_en": [(title_en, TITLE_WEIGHT), (codes, TITLE_WEIGHT), (body_en, 1)]
        if title_en or body_en
        else None,
        "data": (
            doc.type,
            doc.id,
            title,
            title_en,
            doc.url,
            zlib.compress(body.encode(), 1),
            zlib.compress(body_en.encode(), 1),
            doc.date,
        ),
    }
    return {name: value for name, value in values.items() if value is not None}


def stored_text(stored):
    """A document's stored fields as one text, its compressed bodies opened."""
    data = stored.get("data")
    others = [str(value) for name, value in stored.items() if name != "data"]
    if not isinstance(data, tuple) or len(data) != 8:
        return " ".join([*others, str(data)])
    type_, id_, title, title_en, url, body, body_en, date = data
    body, body_en = zlib.decompress(body).decode(), zlib.decompress(body_en).decode()
    return " ".join([*others, type_, id_, title, title_en, url, body, body_en, str(date)])


def meta_of(reader):
    """(position, analysis version) stored in an index; a new index is (0, current)."""
    docnum = (
        next(iter(reader.postings("key", META_KEY).all_ids()), None)
        if ("key", META_KEY) in reader
        else None
    )
    if docnum is None:
        return 0, ANALYSIS_VERSION
    data = reader.stored_fields(docnum)["data"]
    return (data, 1) if isinstance(data, int) else tuple(data)


def position_of(reader):
    """The position stored in an index (0 when none is)."""
    return meta_of(reader)[0]


def make_hit(searcher, docnum, score, clauses, required, lang):
    """A result from a document's stored data: title and snippet in the asked language."""
    type_, id_, title, title_en, url, body, body_en, date = searcher.stored_fields(docnum)["data"]
    body_en = zlib.decompress(body_en).decode() if lang == "en" else ""
    english = lang == "en" and bool(title_en or body_en)
    text = body_en or zlib.decompress(body).decode()
    missing = list(
        dict.fromkeys(
            c.text for c, bits in zip(clauses, required, strict=True) if not has(bits, docnum)
        )
    )
    return Hit(
        type=type_,
        id=id_,
        key=f"{type_}:{id_}",
        title=title_en if english and title_en else title,
        url=url,
        snippet=snippet(text, clauses, english=english and bool(body_en)) if text else "",
        score=float(score),
        missing_terms=missing,
        untranslated=lang == "en" and not english,
        date=date,
    )
