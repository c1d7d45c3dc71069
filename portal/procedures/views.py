"""The procedure finder (`/vi/procedures`), its exports, the feed of its procedures'
changes, and the procedure page (the staff's pages, where the province adds its part to a
national record, are in staff.py)."""

from functools import partial

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal import downloads, listing
from portal.downloads import check_size, download, export_name
from portal.feedback import queries as feedback
from portal.i18n import current_language, translated
from portal.models import (
    PROCEDURE_CODE,
    ContentStatus,
    DecisionAction,
    Hotline,
    Procedure,
    ProcedureAgency,
    TranslationStatus,
    db,
    utcnow,
)
from portal.pagination import page_arg
from portal.procedures import bodies, queries
from portal.procedures.queries import Filters, Finder
from portal.text import render_markdown

bp = Blueprint("procedures", __name__, url_prefix="/<lang>/procedures")


@bp.context_processor
def helpers():
    return {
        "change_text": change_text,
        "markdown": partial(render_markdown, top=3),  # under the "In <province>" <h2>
        "at_a_glance": queries.at_a_glance,
        "channel_cells": queries.channel_cells,
        "source_html": queries.source_html,
        "step_tracks": queries.step_tracks,
        "checklist": queries.checklist,
        "named_bodies": bodies.named_bodies,
        "translated_name": lambda record: translated(record, "name"),
        "decision_number": lambda decision: decision.number,
    }


def change_text(value, limit=160):
    """A revision's old or new value, short enough to read in a list."""
    if value in (None, "", [], {}):
        return "—"
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        value = ", ".join(value)
    elif isinstance(value, list | dict):
        return str(_l("%(count)s entries", count=len(value)))
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@bp.route("")
def index():
    filters = Filters.from_args(request.args)
    finder = Finder(filters, listing.ranked_ids(filters.q, "procedure") if filters.q else None)
    export = request.args.get("format", "html")
    if export in ("csv", "json", "xlsx"):
        check_size(finder.select())
        rows = queries.export_rows(finder, structured=export == "json")
        name = export_name("procedures", filters.agency)
        return download(rows, queries.EXPORT_COLUMNS, export, name)
    if export == "atom":
        entries = queries.change_feed_entries(finder, current_language())
        title = _l("Changes to administrative procedures")
        return downloads.feed("procedures.index", filters.args(), title, entries)
    if export != "html":
        abort(400, description=str(_l("The format must be csv, json, xlsx or atom.")))
    # The page's ids first, then their rows: sorting every match with all its columns (steps,
    # documents, the source's record) costs more than the rest of the page.
    page = db.paginate(
        finder.select().with_only_columns(Procedure.id),
        page=page_arg(),
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )
    if page.page > 1 and not page.items:
        abort(404)
    page.items = queries.by_ids(page.items, queries.LISTED, selectinload(Procedure.sector))
    return render_template(
        "procedures/index.html",
        page=page,
        filters=filters,
        facets=finder.facets(db.session),
        feed_url=url_for("procedures.index", **filters.args(), format="atom"),
    )


@bp.route("/<code>")
def detail(code):
    if not PROCEDURE_CODE.match(code):
        abort(404)
    procedure = db.session.scalar(
        sa.select(Procedure)
        .where(Procedure.code == code)
        .options(
            selectinload(Procedure.sector),
            selectinload(Procedure.revisions),
            selectinload(Procedure.life_events),
            selectinload(Procedure.agencies).joinedload(ProcedureAgency.agency),
            selectinload(Procedure.local),
        )
    )
    if procedure is None:
        abort(404)
    implementing = procedure.agencies_in("implementing")
    current = [agency.id for agency in implementing if agency.is_current()]
    now = utcnow()
    local = procedure.local if procedure.local and procedure.local.is_public(now) else None
    hotlines = [
        hotline
        for hotline in db.session.scalars(
            sa.select(Hotline)
            .where(Hotline.agency_id.in_(current), Hotline.status == ContentStatus.PUBLISHED)
            .order_by(Hotline.id)
        )
        if hotline.is_public(now)
    ]
    if local and local.hotline and local.hotline.is_public(now):
        # The number the province names for this procedure comes first.
        hotlines = [local.hotline, *(h for h in hotlines if h.id != local.hotline_id)]
    return render_template(
        "procedures/detail.html",
        procedure=procedure,
        local=local,
        local_outdated=local is not None
        and current_language() == "en"
        and local.translation_status == TranslationStatus.OUTDATED,
        implementing=implementing,
        hotlines=hotlines,
        related=queries.related(procedure),
        related_by_name=queries.named_procedures(procedure.related_names),
        glance=queries.at_a_glance(procedure.channels),
        abolished_by=procedure.decision_for(DecisionAction.ABOLISHED),
        replacement=queries.replacement(procedure),
        answers=feedback.answered_about(procedure.code),
    )
