"""The hotline directory: every agency's number for problems with procedures (the staff's
pages that add, correct and withdraw numbers are in staff.py)."""

from flask import Blueprint, abort, render_template, request
from flask_babel import lazy_gettext as _l

from portal import listing
from portal.downloads import download, export_name
from portal.hotlines import queries
from portal.models import Level

bp = Blueprint("hotlines", __name__, url_prefix="/<lang>/hotlines")


@bp.route("")
def index():
    """The directory, or the numbers it lists (those the box found, when it is filled) as
    ?format=csv or json."""
    query = listing.read_query(request.args)
    hotlines = queries.listed()
    export = request.args.get("format", "html")
    if export not in ("html", "csv", "json"):
        abort(400, description=str(_l("The format must be csv or json.")))
    if export != "html":  # in the page's order
        hotlines = _found(hotlines, query) if query else _by_level(hotlines)
        name = export_name("hotlines")
        return download(queries.rows(hotlines), queries.COLUMNS, export, name)
    if query:
        found = _found(hotlines, query)
        # The main hotline stays on top, but only when it answers what was asked.
        return render_template(
            "hotlines/index.html",
            q=query,
            total=len(found),
            main=[h for h in found if h.is_main],
            found=[h for h in found if not h.is_main],
            province_main=[h for h in hotlines if h.is_main],
        )
    main, groups = _groups(hotlines)
    return render_template("hotlines/index.html", q="", main=main, groups=groups)


def _groups(hotlines):
    """The main hotline, and the others by their agency's level, as the page shows them."""
    groups = {level: [] for level in Level}
    for hotline in hotlines:
        if not hotline.is_main:
            groups[hotline.agency.level].append(hotline)
    return [h for h in hotlines if h.is_main], groups


def _by_level(hotlines):
    main, groups = _groups(hotlines)
    return [*main, *(hotline for group in groups.values() for hotline in group)]


def _found(hotlines, query):
    """The numbers matching the box, best first."""
    return listing.ranked(
        hotlines,
        query,
        "hotline",
        phones=lambda h: (h.phone,),
        texts=lambda h: (h.agency.name_vi, h.agency.name_en, h.purpose_vi, h.purpose_en, h.phone),
    )
