"""The staff's pages where the province adds its part to a national procedure record
(/<lang>/admin/procedures)."""

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import selectinload
from wtforms import BooleanField, SelectField, StringField, TextAreaField, ValidationError

from portal import access, listing, publishing
from portal.models import (
    Agency,
    ContentVersion,
    Hotline,
    Procedure,
    ProcedureLocal,
    ProcedureRevision,
    db,
)
from portal.pagination import page_arg
from portal.procedures import queries
from portal.text import fold, most, render_markdown, stripped

# The staff's side: /<lang>/admin/procedures. The national record changes only by import;
# what the province adds to it (ProcedureLocal) is written, previewed and published here.
# Signed-in staff only (access.guard); an officer keeps the procedures their agency implements.
bp = Blueprint("procedures_staff", __name__, url_prefix="/<lang>/admin/procedures")
access.guard(bp)


@bp.context_processor
def helpers():
    return {"source_html": queries.source_html}


class LocalForm(FlaskForm):
    name_en = StringField(_l("Name, in English"), filters=[stripped], validators=[most(1000)])
    conditions_en = TextAreaField(
        _l("Conditions, in English"), filters=[stripped], validators=[most(20000)]
    )
    note_vi = TextAreaField(
        _l("Local note, in Vietnamese"),
        description=_l(
            "What to know here: where to go in the province, opening hours, what the "
            "national record leaves out. Markdown: a blank line starts a paragraph."
        ),
        filters=[stripped],
        validators=[most(5000)],
    )
    note_en = TextAreaField(
        _l("Local note, in English"), filters=[stripped], validators=[most(5000)]
    )
    agency_id = SelectField(_l("Processed here by"), coerce=access.chosen_id, validate_choice=True)
    hotline_id = SelectField(_l("Number to call"), coerce=access.chosen_id, validate_choice=True)
    english_checked = BooleanField(_l("The English text still says what the Vietnamese says"))

    def __init__(self, *args, procedure, **kwargs):
        super().__init__(*args, **kwargs)
        self.procedure = procedure

    def validate_conditions_en(self, field):
        if field.data and not self.procedure.conditions_vi:
            raise ValidationError(_l("The national record states no conditions to translate."))

    def validate_note_en(self, field):
        if field.data and not self.note_vi.data:
            raise ValidationError(_l("Write the Vietnamese note first: the English translates it."))


LOCAL_EDITED = ("name_en", "conditions_en", "note_vi", "note_en", "agency_id", "hotline_id")
LOCAL_ACTIONS = ("preview", "save", "submit", "publish")
LOCAL_DONE = {
    "save": _l("Saved."),
    "submit": _l("Saved and sent for review."),
    "publish": _l("Published. The procedure's page shows it, with the change in its history."),
}


@bp.route("")
def staff_index():
    local = request.args.get("local", "")
    if local and local not in queries.LOCAL_FILTERS:
        abort(400, _("Choose a status from the list."))
    query = listing.read_query(request.args)
    page = db.paginate(
        queries.for_staff(g.user, local, query).options(selectinload(Procedure.local)),
        page=page_arg(),
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )
    return render_template(
        "procedures/staff_index.html",
        page=page,
        local=local,
        q=query,
        filters=queries.LOCAL_FILTERS,
        state=publishing.state,
    )


@bp.route("/<code>", methods=["GET", "POST"])
def edit(code):
    procedure = db.first_or_404(sa.select(Procedure).where(Procedure.code == code))
    # A first local part starts from the English the record has (an import's), and is not
    # in the session until saved: a GET stores nothing.
    local = procedure.local or ProcedureLocal(
        procedure_id=procedure.id,
        name_en=procedure.name_en,
        conditions_en=procedure.conditions_en,
    )
    access.require("view", local)
    form = LocalForm(obj=local, procedure=procedure)
    form.agency_id.choices = access.agency_choices(g.user, none=True)
    form.hotline_id.choices = queries.hotline_choices(g.user)
    action = request.form.get("action", "save")
    if request.method == "POST":
        if action not in LOCAL_ACTIONS:
            abort(400, _("Choose one of the form's buttons."))
        access.require("edit", local)
    if not form.validate_on_submit():
        return _local_page(procedure, local, form), 400 if form.is_submitted() else 200
    if action == "preview":
        return _local_page(procedure, local, form, preview=True)
    if local.status == "published":
        action = "publish"  # a public text changes only by publishing the change
    values = {field: getattr(form, field).data or None for field in LOCAL_EDITED}
    publishing.change(local, values, g.user, english_checked=form.english_checked.data)
    if action == "submit":
        publishing.move(local, publishing.IN_REVIEW, g.user)
    elif action == "publish":
        access.require("publish", local)
        before = _last_public(local)
        publishing.publish(local, g.user)
        _show_on_procedure(procedure, local, before, g.user)
    db.session.commit()
    flash(str(LOCAL_DONE[action]))
    return redirect(url_for("procedures_staff.edit", code=procedure.code), 303)


def _local_page(procedure, local, form, preview=False):
    return render_template(
        "procedures/staff_form.html",
        procedure=procedure,
        local=local,
        form=form,
        preview=preview,
        state=publishing.state(local) if local.id else None,
        markdown=render_markdown,
    )


def _last_public(local):
    """The fields of the local part's latest public version ({} before the first)."""
    if local.id is None:
        return {}
    version = db.session.scalar(
        sa.select(ContentVersion)
        .where(ContentVersion.record == access.record_key(local))
        .order_by(ContentVersion.number.desc())
        .limit(1)
    )
    return version.fields if version else {}


def _show_on_procedure(procedure, local, before, user):
    """The English texts go onto the procedure (every list and the search read them there),
    and the change joins the procedure's public history, bodies and numbers by name."""
    procedure.name_en, procedure.conditions_en = local.name_en, local.conditions_en
    procedure.name_folded = fold(f"{procedure.code} {procedure.name_vi} {procedure.name_en or ''}")
    shown = {
        "name_en": lambda value: value,
        "conditions_en": lambda value: value,
        "note_vi": lambda value: value,
        "note_en": lambda value: value,
        "agency_id": lambda value: _agency_name(value),
        "hotline_id": lambda value: _hotline_phone(value),
    }
    changes = {}
    for field, show in shown.items():
        old, new = before.get(field), getattr(local, field)
        if (old or None) != (new or None):
            changes[REVISION_NAMES.get(field, field)] = [show(old), show(new)]
    if changes:
        procedure.revisions.append(
            ProcedureRevision(kind="local", changed_by=f"portal: {user.role}", changes=changes)
        )


# A local part's fields as the procedure's history names them (labels.REVISION_FIELDS).
REVISION_NAMES = {"agency_id": "local_agency", "hotline_id": "local_hotline"}


def _agency_name(agency_id):
    agency = db.session.get(Agency, agency_id) if agency_id else None
    return agency.name_vi if agency else None


def _hotline_phone(hotline_id):
    hotline = db.session.get(Hotline, hotline_id) if hotline_id else None
    return hotline.phone if hotline else None
