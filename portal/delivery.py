"""What makes a page quick to fetch on a phone: compressed answers, and static files with
versioned URLs a browser keeps for a year.

Compression is Flask-Compress's: brotli or gzip, as the visitor's Accept-Encoding asks, for
text (HTML, CSS, JS, JSON, CSV, Atom and XML, SVG) of 500 bytes or more; never for what is
compressed already (PDF, JPEG, PNG: every attached file is one of them). It runs last, after
the page cache (portal/pagecache.py) has kept the page as rendered, so a kept page is
compressed for each visitor who asks and sent plain to one who does not; its ETag gets the
encoding (`"…:br"`), so each variant has its own and a conditional request for either is a
304. A streamed download (CSV, JSON) is compressed as it streams. What holds a session's
secrets (staff pages, `no-store`, and any answer while the session holds something) is sent
plain (BREACH). `COMPRESS=off` turns it off (a proxy in front may do it instead).

Static files: url_for('static', filename=…) adds `v=`, the first 10 hex digits of the file's
SHA-256 (read once per file per process), so templates need no change. A URL with the right
`v` may be kept for a year (`immutable`); one without it, or with an old one, for 5 minutes
only, so a page kept somewhere with an old link never pins a stale file for long.
"""

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import current_app, request, session
from flask_compress import Compress
from werkzeug.security import safe_join

COMPRESSED_TYPES = [
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "text/csv",
    "application/atom+xml",
    "application/xml",
    "text/xml",
    "image/svg+xml",
]
VERSIONED = "public, max-age=31536000, immutable"
UNVERSIONED = "public, max-age=300"


def init_app(app):
    app.url_defaults(_add_version)
    app.after_request(_static_lifetime)
    if not app.config.get("COMPRESS", True):
        return
    app.config.update(
        COMPRESS_MIMETYPES=COMPRESSED_TYPES,
        COMPRESS_MIN_SIZE=500,  # below that, the headers weigh more than the saving
        COMPRESS_ALGORITHM=["br", "gzip"],  # br wins ties: it is smaller
        # Measured on the demo's /vi/procedures (26,869 bytes): gzip 6 gives 5,546 in 0.15 ms,
        # brotli 4 (Flask-Compress's default) 5,647, brotli 5 5,264 in 0.25 ms; brotli 9 and
        # up cost 8 ms or more, too much for every visit.
        COMPRESS_BR_LEVEL=5,
        COMPRESS_LEVEL=6,
        # Static files and downloads are streamed; Flask-Compress leaves gzip out of its
        # streaming list by default, which would send them plain to a gzip-only client.
        COMPRESS_ALGORITHM_STREAMING=["br", "gzip"],
        COMPRESS_STREAMS=True,
        COMPRESS_REGISTER=False,  # registered below, where it runs last
    )
    compress = Compress()
    compress.init_app(app)

    def compressed(response):
        """Not what holds a session's secrets (a staff page, a form's token, a flash): a
        compressed answer that also echoes what a visitor typed could give them away to
        someone who can only measure its size (BREACH)."""
        if session or "no-store" in (response.headers.get("Cache-Control") or ""):
            return response
        return compress.after_request(response)

    # Flask runs after-request functions last registered first: put compression first in
    # the list so it runs after every other one (the page cache keeps the page uncompressed;
    # the headers of every step are set before), whatever order create_app calls them in.
    app.after_request_funcs.setdefault(None, []).insert(0, compressed)


def static_version(filename):
    """The first 10 hex digits of a static file's SHA-256, or None when there is no such
    file."""
    return _version(current_app.static_folder, filename)


@lru_cache(maxsize=256)
def _version(folder, filename):
    path = safe_join(folder, filename) if folder else None
    if path is None or not Path(path).is_file():
        return None
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:10]


def _add_version(endpoint, values):
    if endpoint == "static" and "v" not in values and values.get("filename"):
        version = static_version(values["filename"])
        if version:
            values["v"] = version


def _static_lifetime(response):
    """A year for a static URL of the file as it is now; five minutes for any other."""
    if request.endpoint != "static" or response.status_code not in (200, 304):
        return response
    filename = (request.view_args or {}).get("filename")
    current = static_version(filename) if filename else None
    response.headers["Cache-Control"] = (
        VERSIONED if current and request.args.get("v") == current else UNVERSIONED
    )
    response.headers.pop("Expires", None)  # Cache-Control says it; no second clock
    if (
        response.status_code == 200
        and response.direct_passthrough
        and response.mimetype in COMPRESSED_TYPES
    ):
        # Sent as a file stream, a stylesheet would be compressed as a stream, whose file is
        # closed only when the garbage collector gets to it; our text files are small: read
        # it now (closed when the answer is), compressed whole, with its Content-Length.
        response.direct_passthrough = False
        response.make_sequence()
    return response
