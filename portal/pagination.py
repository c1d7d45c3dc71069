"""Reading the page number of a paginated list from the query string."""

from flask import abort, request
from flask_babel import gettext as _

from portal.listing import whole_number


def page_arg():
    """The `page` query argument; a clear 400 when it is not a positive whole number."""
    page = whole_number(request.args.get("page", "1"), 1, 100_000)
    if page is None:
        abort(400, description=_("The page number must be a whole number from 1."))
    return page
