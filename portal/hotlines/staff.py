"""The staff's pages that add, correct and withdraw hotlines (/<lang>/admin/hotlines)."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from portal import access, publishing, workdays
from portal.labels import HOTLINE_CHANNELS
from portal.models import Agency, Hotline, Role, db
from portal.text import PHONE, most, stripped

# The staff's side: /<lang>/admin/hotlines. Signed-in staff only (access.guard); an officer
# keeps their own agency's numbers, editors and admins every agency's.
bp = Blueprint("hotlines_staff", __name__, url_prefix="/<lang>/admin/hotlines")
access.guard(bp)


class HotlineForm(FlaskForm):
    agency_id = SelectField(_l("Agency"), coerce=int, validate_choice=True)
    phone = StringField(
        _l("Number"),
        description=_l("As citizens dial it, e.g. 0290 3831 925 or 1022."),
        filters=[stripped],
        validators=[
            DataRequired(_l("Enter the number.")),
            Regexp(PHONE, message=_l("A number has digits, and may have spaces, dots or dashes.")),
        ],
    )
    channels = SelectMultipleField(
        _l("Reached by"),
        choices=[SelectChoice(key, HOTLINE_CHANNELS[key]) for key in Hotline.CHANNELS],
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        validators=[DataRequired(_l("Choose at least one way to reach it."))],
    )
    purpose_vi = StringField(
        _l("What it is for, in Vietnamese"),
        filters=[stripped],
        validators=[DataRequired(_l("Say what the number is for.")), most(300)],
    )
    purpose_en = StringField(
        _l("What it is for, in English"), filters=[stripped], validators=[most(300)]
    )
    hours_vi = StringField(
        _l("When it answers, in Vietnamese"), filters=[stripped], validators=[most(200)]
    )
    hours_en = StringField(
        _l("When it answers, in English"), filters=[stripped], validators=[most(200)]
    )
    english_checked = BooleanField(_l("The English text still says what the Vietnamese says"))
    verified = BooleanField(_l("I called this number today and it answered"))

    def validate_purpose_en(self, field):
        if self.hours_en.data and not field.data:
            raise ValidationError(_l("Say in English what it is for, or leave the English empty."))


EDITED = ("agency_id", "phone", "purpose_vi", "purpose_en", "hours_vi", "hours_en")


@bp.route("")
def staff_index():
    query = sa.select(Hotline).join(Hotline.agency).order_by(Agency.name_vi, Hotline.id)
    if g.user.role == Role.OFFICER:
        query = query.where(Hotline.agency_id == g.user.agency_id)
    rows = db.session.scalars(query.options(joinedload(Hotline.agency))).all()
    return render_template("hotlines/staff_index.html", hotlines=rows, state=publishing.state)


@bp.route("/new", methods=["GET", "POST"])
def new():
    hotline = Hotline(agency_id=g.user.agency_id, channels="phone")
    access.require("edit", hotline)
    return _edit_page(hotline)


@bp.route("/<int:hotline_id>", methods=["GET", "POST"])
def edit(hotline_id):
    hotline = db.get_or_404(Hotline, hotline_id)
    access.require("view", hotline)
    return _edit_page(hotline)


def _edit_page(hotline):
    form = HotlineForm(obj=hotline, channels=hotline.channel_list)
    form.agency_id.choices = _agency_choices()
    action = request.form.get("action", "save")
    if request.method == "POST":
        access.require("edit", hotline)
        if action not in ("save", "publish") or hotline.status == "withdrawn":
            abort(400, _("Choose one of the form's buttons."))
    if not form.validate_on_submit():
        return _form_page(hotline, form), 400 if form.is_submitted() else 200
    if hotline.status == "published":
        action = "publish"  # a public number changes only by publishing the change
    values = {field: getattr(form, field).data or None for field in EDITED}
    values["channels"] = " ".join(key for key in Hotline.CHANNELS if key in form.channels.data)
    if form.verified.data:
        values["verified_on"] = workdays.today()
    publishing.change(hotline, values, g.user, english_checked=form.english_checked.data)
    access.require("edit", hotline)  # also after the change: its agency may differ
    if action == "publish":
        publishing.publish(hotline, g.user)
    db.session.commit()
    flash(_("Published.") if action == "publish" else _("Saved."))
    return redirect(url_for("hotlines_staff.edit", hotline_id=hotline.id), 303)


def _agency_choices():
    """Every hotline is some agency's: the choices without "none"."""
    return [(agency_id, name) for agency_id, name in access.agency_choices(g.user) if agency_id]


def _form_page(hotline, form, withdraw_form=None):
    return render_template(
        "hotlines/staff_form.html",
        hotline=hotline,
        form=form,
        withdraw_form=withdraw_form or publishing.WithdrawForm(formdata=None),
        state=publishing.state(hotline) if hotline.id else None,
    )


@bp.route("/<int:hotline_id>/withdraw", methods=["POST"])
def withdraw(hotline_id):
    """Out of service: off the directory and the agency page, kept with the reason."""
    hotline = db.get_or_404(Hotline, hotline_id)
    access.require("publish", hotline)
    if hotline.status != "published":
        abort(400, _("Only a published number can be withdrawn."))
    form = publishing.WithdrawForm()
    if not form.validate_on_submit():
        shown = HotlineForm(formdata=None, obj=hotline, channels=hotline.channel_list)
        shown.agency_id.choices = _agency_choices()
        return _form_page(hotline, shown, withdraw_form=form), 400
    publishing.withdraw(hotline, g.user, form.reason_vi.data, form.reason_en.data)
    db.session.commit()
    flash(_("Withdrawn: it is no longer offered to citizens."))
    return redirect(url_for("hotlines_staff.edit", hotline_id=hotline.id), 303)
