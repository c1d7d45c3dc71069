"""Reading the page number of a paginated list from the query string."""

from flask import abort, request
from flask_babel import gettext as _


def page_arg():
    """The `page` query argument; a clear 400 when it is not a positive whole number."""
    raw = request.args.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= 100_000:
        abort(400, description=_("The page number must be a whole number from 1."))
    return int(raw)
