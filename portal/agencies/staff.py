"""The staff's page where an agency keeps its own contacts (/<lang>/admin/agencies)."""

import sqlalchemy as sa
from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, ValidationError
from wtforms.validators import Optional, Regexp

from portal import access, listing, publishing
from portal.models import (
    Agency,
    Role,
    db,
)
from portal.text import EMAIL, PHONE, WEB_ADDRESS, most, stripped

# The staff's side: /<lang>/admin/agencies. Signed-in staff only (access.guard); an officer
# keeps their own agency's contacts, editors and admins every agency's.
bp = Blueprint("agencies_staff", __name__, url_prefix="/<lang>/admin/agencies")
access.guard(bp)


class ContactsForm(FlaskForm):
    name_en = StringField(_l("Name in English"), filters=[stripped], validators=[most(500)])
    address = StringField(_l("Address"), filters=[stripped], validators=[most(300)])
    phone = StringField(
        _l("Phone"),
        description=_l("As citizens dial it, e.g. 0290 3831 925."),
        filters=[stripped],
        validators=[
            Optional(),
            most(60),
            Regexp(PHONE, message=_l("A number has digits, and may have spaces, dots or dashes.")),
        ],
    )
    email = StringField(
        _l("Email"),
        filters=[stripped],
        validators=[
            Optional(),
            most(120),
            Regexp(EMAIL, message=_l("Enter an e-mail address like vanphong@camau.gov.vn.")),
        ],
    )
    website = StringField(
        _l("Website"),
        filters=[stripped],
        validators=[
            Optional(),
            most(300),
            Regexp(WEB_ADDRESS, message=_l("Enter a full address, like https://…")),
        ],
    )
    working_hours_vi = StringField(
        _l("Working hours, in Vietnamese"), filters=[stripped], validators=[most(300)]
    )
    working_hours_en = StringField(
        _l("Working hours, in English"), filters=[stripped], validators=[most(300)]
    )
    english_checked = BooleanField(_l("The English text still says what the Vietnamese says"))

    def validate_name_en(self, field):
        if self.working_hours_en.data and not field.data:
            raise ValidationError(_l("Give the English name too, or leave the English empty."))


EDITED = Agency.PUBLIC_FIELDS  # what the form changes is what a version keeps


@bp.route("")
def staff_index():
    """The agencies whose contacts the user keeps: an officer's own, or every current one."""
    query = listing.read_query(request.args)
    select = sa.select(Agency).order_by(Agency.name_vi)
    if g.user.role == Role.OFFICER:
        select = select.where(Agency.id == g.user.agency_id)
    agencies = [a for a in db.session.scalars(select) if a.is_current()]
    if query:
        agencies = listing.ranked(
            agencies,
            query,
            "agency",
            texts=lambda a: (a.name_vi, a.name_en),
            phones=lambda a: (a.phone,),
        )
    return render_template("agencies/staff_index.html", agencies=agencies, q=query)


@bp.route("/<int:agency_id>", methods=["GET", "POST"])
def edit(agency_id):
    agency = db.get_or_404(Agency, agency_id)
    access.require("view", agency)
    form = ContactsForm(obj=agency)
    if request.method == "POST":
        access.require("edit", agency)
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("agencies/staff_form.html", agency=agency, form=form), status
    values = {field: getattr(form, field).data or None for field in EDITED}
    if publishing.change(agency, values, g.user, english_checked=form.english_checked.data):
        publishing.publish_change(agency, g.user)
        flash(_("Published on the agency's page."))
    else:
        flash(_("Nothing changed."))
    db.session.commit()
    return redirect(url_for("agencies_staff.edit", agency_id=agency.id), 303)
