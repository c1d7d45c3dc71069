"""Streamed downloads of a list: CSV (UTF-8 with BOM, for Excel) or JSON."""

import csv
import io
import json

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
