"""Reading the page number of a paginated list from the query string, and the page."""

from flask import abort, current_app, request
from flask_babel import gettext as _

from portal.listing import whole_number
from portal.models import db


def page_arg():
    """The `page` query argument; a clear 400 when it is not a positive whole number."""
    page = whole_number(request.args.get("page", "1"), 1, 100_000)
    if page is None:
        abort(400, description=_("The page number must be a whole number from 1."))
    return page


def paginate(query, **options):
    """The page of `query` the query string asks for; past the last page, a 404."""
    page = db.paginate(
        query, page=page_arg(), per_page=current_app.config["PER_PAGE"], error_out=False, **options
    )
    if page.page > 1 and not page.items:
        abort(404)
    return page
