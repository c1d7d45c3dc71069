"""Streamed downloads of a list: CSV (UTF-8 with BOM, for Excel) or JSON."""

import csv
import io
import json

from flask import Response, stream_with_context


def download(rows, columns, export, name):
    """A streamed CSV or JSON response of `rows` (dicts); memory stays flat however many."""
    if export == "csv":
        return _response(_csv(rows, columns), "text/csv; charset=utf-8", f"{name}.csv")
    return _response(_json(rows), "application/json; charset=utf-8", f"{name}.json")


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
