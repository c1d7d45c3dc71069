"""Streamed downloads of a list: CSV (UTF-8 with BOM, for Excel) or JSON; and a list's
newest items as an Atom feed.

JSON is for programs: the rows as they are, stable keys and raw values. CSV is for people
with a spreadsheet: headers and labelled values in the page's language, and no cell that a
spreadsheet would turn into a number, a date or a formula against the data's meaning.
"""

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date, datetime, time
from types import SimpleNamespace

import sqlalchemy as sa
from flask import Response, abort, current_app, stream_with_context, url_for
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from portal import workdays
from portal.i18n import current_language, format_number
from portal.labels import YES_NO
from portal.models import db, localized
from portal.text import fold

# A download is written while the visitor waits, in one worker: past this many rows it would
# outlast the worker's timeout and end cut off mid-file, so it is refused up front instead.
MAX_ROWS = 10_000

# What keeps a cell text in a spreadsheet: a zero-width space (U+200B) before it. A CSV has
# no types, so a spreadsheet guesses: "1.013950" (a procedure's code) becomes the number
# 1.01395 in English (the trailing zero lost) and 1013950 in Excel in Vietnamese; "=…", "+…",
# "-…" and "@…" become formulas. The other ways fail somewhere: ="1.013950" is a formula
# itself, which LibreOffice leaves as that text unless told to evaluate formulas on import; a
# leading apostrophe marks text only when typed, so LibreOffice shows one read from a file in
# the cell; a leading space or no-break space is trimmed before the number is read (1.01395
# again). A zero-width space is no digit, sign, separator or space to either program's number
# reader, so the cell stays text, and it is invisible. LibreOffice 7.4 reads it so in English
# and Vietnamese, formulas evaluated or not (tests/test_exports.py converts downloads with it
# when it is installed); Excel was not at hand to try.
TEXT_MARK = "\u200b"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    """A column of a download: `key` in the rows and the JSON; in a CSV, `header` and each
    value through `labels` (stored key -> label; values joined by `sep` are labelled one by
    one); `text`: a code, kept as text however much it looks like a number."""

    key: str
    header: object  # a lazy string: read in the language of the request that downloads
    labels: dict | None = None
    sep: str | None = None
    text: bool = False


def check_size(select):
    """A clear 413 before streaming when the list holds more than MAX_ROWS rows."""
    rows = db.session.scalar(
        sa.select(sa.func.count()).select_from(select.order_by(None).subquery())
    )
    if rows > MAX_ROWS:
        message = _(
            "This download would hold %(rows)s rows, more than %(max)s: narrow the list with "
            "its filters first.",
            rows=format_number(rows),
            max=format_number(MAX_ROWS),
        )
        abort(413, description=message)


def export_name(base, *filters):
    """The file's name without its extension: what it holds, the filters that narrow it
    (a year, a unit's slug; empty ones left out) and the language, in ASCII:
    export_name("findings", "2017", "") on /vi/ is "findings-2017-vi"."""
    words = [base, *(str(value) for value in filters if value), current_language()]
    return "-".join(re.sub(r"[^a-z0-9]+", "-", fold(word).lower()).strip("-") for word in words)


def download(rows, columns, export, name):
    """A streamed CSV or JSON response of `rows` (dicts) with `columns` (Column); memory stays
    flat however many. `name` comes from export_name()."""
    if export == "csv":
        return _response(_csv(rows, columns), "text/csv; charset=utf-8", f"{name}.csv")
    if export == "xlsx":
        response = Response(_xlsx(rows, columns), mimetype=XLSX)
        response.headers["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    return _response(_json(rows), "application/json; charset=utf-8", f"{name}.json")


def neutralised(value):
    """A cell a spreadsheet shows as text, not a formula: "=1+1" becomes "\u200b=1+1"."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return TEXT_MARK + value
    return value


def _cells(columns, typed=False):
    """A function turning a row into its CSV cells, with every label read once; `typed`
    (a workbook's cells, which say their own type): codes and texts as they are, and a day
    ("2017-12-31") as a date."""
    yes_no = {key: str(label) for key, label in YES_NO.items()}
    readers = []
    for column in columns:
        labels = {key: str(label) for key, label in (column.labels or {}).items()}
        readers.append((column, labels))

    def cells(row):
        out = []
        for column, labels in readers:
            value = row.get(column.key)
            if value is None:
                value = ""
            elif isinstance(value, bool):
                value = yes_no[value]
            elif labels and isinstance(value, str) and value:
                parts = value.split(column.sep) if column.sep else [value]
                value = "; ".join(labels.get(part, part) for part in parts)
            if typed:
                out.append(_typed(value, column))
                continue
            if column.text and isinstance(value, str) and value:
                value = TEXT_MARK + value
            out.append(neutralised(value))
        return out

    return cells


def _csv(rows, columns):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # The BOM tells Excel the file is UTF-8, so Vietnamese letters open correctly.
    buffer.write("\ufeff")
    writer.writerow([str(column.header) for column in columns])
    cells = _cells(columns)
    for row in rows:
        writer.writerow(cells(row))
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_DAY = re.compile(r"\d{4}-\d\d-\d\d")


class _Text(str):
    """A code for a workbook: its cell is formatted as text."""


def _typed(value, column):
    """A workbook's value: a day as a date, a code as _Text, any other value as it is (a
    text that starts with "=" is written as text, never as a formula: _xlsx)."""
    if column.text and value != "":
        return _Text(value)
    if isinstance(value, str) and _DAY.fullmatch(value):
        return date.fromisoformat(value)
    return value


def _xlsx(rows, columns):
    """The rows as one sheet (at most MAX_ROWS: check_size() saw to it), built in memory:
    headers in bold, days as dates shown as the page shows them, codes as text."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title="data")
    shown = "dd/mm/yyyy" if current_language() == "vi" else "d mmm yyyy"

    def cell(value, number_format=None, bold=False):
        made = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            made.data_type = "s"  # openpyxl writes a text that starts with "=" as a formula
        if number_format:
            made.number_format = number_format
        if bold:
            made.font = Font(bold=True)
        return made

    sheet.append([cell(str(column.header), bold=True) for column in columns])
    cells = _cells(columns, typed=True)
    for row in rows:
        sheet.append(
            [
                cell(value, shown)
                if isinstance(value, date)
                else cell(str(value), "@")
                if isinstance(value, _Text)
                else cell(value)
                if isinstance(value, str) and value.startswith("=")
                else value
                for value in cells(row)
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _json(rows):
    yield "["
    for n, row in enumerate(rows):
        yield ("," if n else "") + "\n" + json.dumps(row, ensure_ascii=False)
    yield "\n]\n"


def _response(chunks, mimetype, filename):
    response = Response(stream_with_context(chunks), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


ATOM = "http://www.w3.org/2005/Atom"
FEED_ENTRIES = 50  # a list's feed holds its newest (or first) 50
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# What XML 1.0 cannot hold even escaped (control characters): left out of a feed.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def atom(feed, entries):
    """An Atom 1.0 feed (RFC 4287). `feed`: id, title, lang, updated (when there is no
    entry), self and alternate URLs, author; `entries`: dicts of id, link, title, updated
    (an aware datetime) and optionally summary, content, author. Texts are (text, lang)
    pairs, escaped by the XML writer."""
    entries = list(entries)
    root = ET.Element("feed", {"xmlns": ATOM, XML_LANG: feed["lang"]})
    _text(root, "id", feed["id"])
    _text(root, "title", feed["title"])
    updated = max((entry["updated"] for entry in entries), default=feed["updated"])
    _text(root, "updated", updated.isoformat())
    ET.SubElement(root, "link", rel="self", type="application/atom+xml", href=feed["self"])
    ET.SubElement(root, "link", rel="alternate", type="text/html", href=feed["alternate"])
    _text(ET.SubElement(root, "author"), "name", feed["author"])
    for entry in entries:
        element = ET.SubElement(root, "entry")
        _text(element, "id", entry["id"])
        _text(element, "title", entry["title"])
        _text(element, "updated", entry["updated"].isoformat())
        _text(element, "published", entry["updated"].isoformat())
        ET.SubElement(element, "link", rel="alternate", type="text/html", href=entry["link"])
        if entry.get("author"):
            _text(ET.SubElement(element, "author"), "name", entry["author"])
        for name in ("summary", "content"):
            if entry.get(name) and entry[name][0]:
                _text(element, name, entry[name], type="text")
    body = ET.tostring(root, encoding="unicode", xml_declaration=False)
    xml = '<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n"
    return Response(xml, mimetype="application/atom+xml")


def _text(parent, tag, value, **attributes):
    """A text element; `value` is a string or a (text, lang) pair."""
    text, lang = value if isinstance(value, tuple) else (value, None)
    element = ET.SubElement(parent, tag, attributes)
    if lang:
        element.set(XML_LANG, lang)
    element.text = _NOT_XML.sub("", str(text))
    return element


def feed(endpoint, args, title, entries):
    """A list's Atom feed in the page's language: its id and self link are the list's URL
    with its filters `args` and format=atom, its alternate the page; the publisher is its
    author, and today in Vietnam its date when it has no entry."""
    lang, config = current_language(), current_app.config
    publisher = {"name_vi": config["PUBLISHER_NAME_VI"], "name_en": config["PUBLISHER_NAME_EN"]}
    self_url = url_for(endpoint, **args, format="atom", _external=True)
    header = {
        "id": self_url,
        "self": self_url,
        "alternate": url_for(endpoint, **args, _external=True),
        "title": str(title),
        "lang": lang,
        "updated": feed_day(workdays.today()),
        "author": localized(SimpleNamespace(**publisher), "name", lang).text,
    }
    return atom(header, entries)


def feed_day(day):
    """A day as an entry's moment: its start in Vietnam."""
    return datetime.combine(day, time(), workdays.VIETNAM)


def in_language(record, field, lang):
    """A record's text for an entry, as a (text, lang) pair: `lang`'s where the record has
    it, else the Vietnamese, marked so."""
    text = localized(record, field, lang)
    return (text.text, text.lang)
