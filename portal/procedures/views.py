"""The procedure finder (`/vi/procedures`), its exports and the procedure page."""

import re

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal import listing
from portal.downloads import download
from portal.i18n import translated
from portal.models import (
    DecisionAction,
    Hotline,
    LifeEvent,
    Procedure,
    ProcedureAgency,
    db,
    procedure_life_event,
)
from portal.pagination import page_arg
from portal.procedures.finder import Filters, Finder

bp = Blueprint("procedures", __name__, url_prefix="/<lang>/procedures")

CODE_RE = re.compile(r"^\d\.\d{6}(\.\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2})?$")
EXPORT_COLUMNS = (
    "code",
    "name_vi",
    "name_en",
    "sector",
    "levels",
    "applicants",
    "online_level",
    "validity",
    "processing_days",
    "fee",
    "implementing_agencies",
    "decisions",
    "url",
)


@bp.context_processor
def helpers():
    return {
        "change_text": change_text,
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
    if export in ("csv", "json"):
        return download(_export_rows(finder), EXPORT_COLUMNS, export, "procedures")
    if export != "html":
        abort(400, description=str(_l("The format must be csv or json.")))
    page = db.paginate(
        finder.select().options(selectinload(Procedure.sector)),
        page=page_arg(),
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )
    if page.page > 1 and not page.items:
        abort(404)
    return render_template(
        "procedures/index.html", page=page, filters=filters, facets=finder.facets(db.session)
    )


@bp.route("/<code>")
def detail(code):
    if not CODE_RE.match(code):
        abort(404)
    procedure = db.session.scalar(
        sa.select(Procedure)
        .where(Procedure.code == code)
        .options(
            selectinload(Procedure.sector),
            selectinload(Procedure.revisions),
            selectinload(Procedure.life_events),
            selectinload(Procedure.agencies).joinedload(ProcedureAgency.agency),
        )
    )
    if procedure is None:
        abort(404)
    implementing = procedure.agencies_in("implementing")
    hotlines = (
        db.session.scalars(
            sa.select(Hotline).where(Hotline.agency_id.in_([a.id for a in implementing]))
        ).all()
        if implementing
        else []
    )
    return render_template(
        "procedures/detail.html",
        procedure=procedure,
        implementing=implementing,
        hotlines=hotlines,
        related=_related(procedure),
        abolished_by=procedure.decision_for(DecisionAction.ABOLISHED),
        replacement=_replacement(procedure),
    )


def _replacement(procedure):
    if not procedure.replaced_by_code:
        return None
    return db.session.scalar(sa.select(Procedure).filter_by(code=procedure.replaced_by_code))


def _related(procedure, limit=6):
    """Other procedures of the same field, then of the same life events."""
    related = {}
    if procedure.sector_id:
        related[procedure.sector.name_vi] = db.session.scalars(
            sa.select(Procedure)
            .where(
                Procedure.sector_id == procedure.sector_id,
                Procedure.id != procedure.id,
                Procedure.validity != "abolished",
            )
            .order_by(Procedure.name_vi)
            .limit(limit)
        ).all()
    for event in procedure.life_events:
        related[event] = db.session.scalars(
            sa.select(Procedure)
            .join(procedure_life_event)
            .join(LifeEvent)
            .where(
                LifeEvent.id == event.id,
                Procedure.id != procedure.id,
                Procedure.validity != "abolished",
            )
            .order_by(Procedure.name_vi)
            .limit(limit)
        ).all()
    return {key: items for key, items in related.items() if items}


def _export_rows(finder):
    """Every matching procedure as a flat dict, read in batches (memory stays flat)."""
    query = (
        finder.select()
        .options(
            selectinload(Procedure.sector),
            selectinload(Procedure.agencies).joinedload(ProcedureAgency.agency),
            selectinload(Procedure.decisions),
        )
        .execution_options(yield_per=500)
    )
    for procedure in db.session.scalars(query):
        yield {
            "code": procedure.code,
            "name_vi": procedure.name_vi,
            "name_en": procedure.name_en or "",
            "sector": procedure.sector.name_vi if procedure.sector else "",
            "levels": " ".join(procedure.levels),
            "applicants": " ".join(procedure.applicant_kinds),
            "online_level": str(procedure.online_level),
            "validity": str(procedure.validity),
            "processing_days": ""
            if procedure.processing_days is None
            else f"{procedure.processing_days:g}",
            "fee": procedure.fee_summary or "",
            "implementing_agencies": "; ".join(
                a.name_vi for a in procedure.agencies_in("implementing")
            ),
            "decisions": "; ".join(link.decision.number for link in procedure.decisions),
            "url": url_for("procedures.detail", code=procedure.code, _external=True),
        }
