"""What every listing page's box shares: reading the query, ranking, filters from the URL.

Boxes on SQL lists (procedures, announcements, inspections, findings) narrow their select
to the ids the engine ranked (`ranked_ids`) in the engine's order (`rank_order`); the two
directories (agencies, hotlines), which load their whole list for the page anyway, narrow
in Python (`ranked`). Without an index yet, each falls back to a plain match.
"""

import re
import unicodedata
from dataclasses import dataclass, fields
from functools import cache
from typing import ClassVar

import sqlalchemy as sa
from flask import abort
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest

from portal.i18n import current_language
from portal.indexing.sync import SearchUnavailable, get_index, read

MAX_QUERY_LENGTH = 200
_BREAKS = re.compile(r"[\t\n\r\v\f]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# A phone number as people type it: digits with spaces, dots, dashes, brackets, a plus.
PHONE_TYPED = re.compile(r"[\d\s.()+-]*\d[\d\s.()+-]*")


def clean_query(text):
    """What a visitor typed, ready to search: NFC, tabs and line breaks as spaces, trimmed."""
    return _BREAKS.sub(" ", unicodedata.normalize("NFC", text or "")).strip()


def query_problem(q):
    """Why a cleaned query cannot be searched (a message for the visitor), or None."""
    if len(q) > MAX_QUERY_LENGTH:
        return _l("The search text is too long: at most %(max)s characters.", max=MAX_QUERY_LENGTH)
    if _CONTROL.search(q):  # PostgreSQL refuses NUL in a parameter; none is typed on purpose
        return _l("The search text must not contain control characters.")
    return None


def read_query(args):
    """The `q` of a page's box, cleaned; a clear 400 when it cannot be searched."""
    q = clean_query(args.get("q", ""))
    problem = query_problem(q)
    if problem:
        abort(400, description=str(problem))
    return q


def invalid(name, value):
    """The message for a query argument with a value that cannot be right."""
    value = _CONTROL.sub("", value)[:40]
    return _l('"%(value)s" is not a valid value for %(name)s.', value=value, name=name)


def text_problem(name, value):
    """The message for a free-text argument no list can match (PostgreSQL refuses NUL)."""
    return invalid(name, value) if _CONTROL.search(value) else None


def whole_number(text, low, high):
    """`text` as a whole number from low to high, or None: ASCII digits only ("²" is not 2)."""
    if text.isascii() and text.isdigit() and len(text) <= 9 and low <= int(text) <= high:
        return int(text)
    return None


def ranked_ids(query, kind):
    """Ids of one type's records holding every clause of the query, best first.

    In the page's language (an English page's box also matches English text). None when
    there is no index yet, or it could not answer (the list then falls back).
    """
    if not get_index().exists():
        return None
    try:  # read() does not touch an index already found corrupt
        keys = read(lambda index: index.ranked(query, lang=current_language(), types=[kind]))
    except SearchUnavailable:
        return None
    return [int(key.partition(":")[2]) for key in keys]


def rank_order(id_column, ranked):
    """ORDER BY the engine's order of `ranked` ids."""
    return sa.case({id_: n for n, id_ in enumerate(ranked)}, value=id_column)


def plain_match(query, texts, phones):
    """The match without an index: every word in the texts (any case), or a phone's digits.

    A query typed as a phone number matches by digits: `221 221` finds `0768.221.221`.
    """
    text = unicodedata.normalize("NFC", " ".join(filter(None, texts))).casefold()
    if all(word in text for word in query.casefold().split()):
        return True
    digits = re.sub(r"\D", "", query)
    return bool(PHONE_TYPED.fullmatch(query)) and any(
        digits in re.sub(r"\D", "", phone) for phone in phones if phone
    )


def ranked(records, query, kind, texts, phones):
    """The records that match the query, best first (as listed without an index)."""
    ids = ranked_ids(query, kind)
    if ids is None:
        return [r for r in records if plain_match(query, texts(r), phones(r))]
    by_id = {record.id: record for record in records}
    return [by_id[i] for i in ids if i in by_id]


@dataclass
class Filters:
    """What the visitor chose on a list; every value comes from the query string.

    A subclass adds its facets as fields, names them in FACETS, the allowed values of each
    closed one in CHOICES, and its orders in SORTS (the first is the default without a
    query; with one, the default is "relevance", which needs no entry).
    """

    q: str = ""
    sort: str = ""

    FACETS: ClassVar[tuple[str, ...]] = ()
    CHOICES: ClassVar[dict] = {}
    SORTS: ClassVar[dict] = {}

    @classmethod
    def from_args(cls, args):
        """Read and check the query string; a clear 400 for values that cannot be right."""
        values = {f.name: args.get(f.name, "").strip() for f in fields(cls)}
        values["q"] = clean_query(args.get("q", ""))
        # "relevance" means nothing without a query: such a link gets the usual order.
        if not values["sort"] or (values["sort"] == "relevance" and not values["q"]):
            values["sort"] = cls.default_sort(values["q"])
        problems = [problem for problem in [query_problem(values["q"])] if problem]
        for name, allowed in {**cls.CHOICES, "sort": ("relevance", *cls.SORTS)}.items():
            if values[name] and values[name] not in allowed:
                problems.append(invalid(name, values[name]))
        problems += [
            problem
            for name, value in values.items()
            if name not in (*cls.CHOICES, "q", "sort") and (problem := text_problem(name, value))
        ]
        problems += cls.problems(values)
        if problems:
            raise BadRequest(description=" ".join(str(p) for p in problems))
        return cls(**values)

    @classmethod
    def problems(cls, values):
        """Messages for values the CHOICES cannot check (a subclass's own rules)."""
        return []

    @classmethod
    def default_sort(cls, q):
        return "relevance" if q else next(iter(cls.SORTS))

    @property
    def sorts(self):
        """The orders a visitor can choose now: by relevance only when searching."""
        return ("relevance", *self.SORTS) if self.q else tuple(self.SORTS)

    def args(self, **changes):
        """The non-empty filters as query arguments, with some changed (for links)."""
        values = {name: getattr(self, name) for name in _field_names(type(self))}
        values.update(changes)
        if values.get("sort") in ("relevance", self.default_sort(values.get("q"))):
            values.pop("sort")
        return {name: value for name, value in values.items() if value}

    @property
    def active(self):
        return any(getattr(self, name) for name in (*self.FACETS, "q"))

    @property
    def count(self):
        """How many filters are on (the words typed are not one)."""
        return sum(1 for name in self.FACETS if getattr(self, name))


@cache
def _field_names(cls):
    """A Filters class's fields in order (a facet list asks once for each of its links)."""
    return tuple(f.name for f in fields(cls))
