"""Streamed downloads of a list: CSV (UTF-8 with BOM, for Excel) or JSON; and a list's
newest items as an Atom feed."""

import csv
import io
import json
import re
import xml.etree.ElementTree as ET

import sqlalchemy as sa
from flask import Response, abort, stream_with_context
from flask_babel import gettext as _

from portal.i18n import format_number
from portal.models import db

# A download is written while the visitor waits, in one worker: past this many rows it would
# outlast the worker's timeout and end cut off mid-file, so it is refused up front instead.
MAX_ROWS = 10_000


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


def download(rows, columns, export, name):
    """A streamed CSV or JSON response of `rows` (dicts); memory stays flat however many."""
    if export == "csv":
        return _response(_csv(rows, columns), "text/csv; charset=utf-8", f"{name}.csv")
    return _response(_json(rows), "application/json; charset=utf-8", f"{name}.json")


def neutralised(value):
    """A cell a spreadsheet shows as text, not a formula: "=1+1" becomes "'=1+1"."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv(rows, columns):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    # The BOM tells Excel the file is UTF-8, so Vietnamese letters open correctly.
    buffer.write("\ufeff")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


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
