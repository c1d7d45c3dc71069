"""Agency directory: the province's bodies as a tree, each with contacts and hotlines; and
the staff's page where an agency keeps its own contacts.

The directory's box (here and on the hotline page) ranks with the search engine and falls
back to a plain match while the index is not built yet.
"""

from urllib.parse import urlencode

import sqlalchemy as sa
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload, selectinload
from wtforms import BooleanField, StringField, ValidationError
from wtforms.validators import Optional, Regexp

from portal import access, listing, publishing
from portal.feedback import queries as feedback
from portal.inspections import queries as inspections
from portal.labels import HOTLINE_CHANNELS
from portal.models import (
    Agency,
    AgencyAlias,
    Hotline,
    Level,
    Procedure,
    ProcedureAgency,
    Role,
    Validity,
    db,
)
from portal.text import EMAIL, PHONE, WEB_ADDRESS, most, stripped

bp = Blueprint("agencies", __name__, url_prefix="/<lang>/agencies")


@bp.before_app_request
def follow_a_merged_agency():
    """`?agency=` naming a body merged into another (an old link in the news) leads to the
    same list of the agency it became, on every page that filters by agency, for good."""
    slug = request.args.get("agency")
    if request.method != "GET" or not slug or len(slug) > 120:
        return None
    if db.session.scalar(sa.select(Agency.id).where(Agency.slug == slug)) is not None:
        return None
    alias = db.session.scalar(sa.select(AgencyAlias).where(AgencyAlias.slug == slug))
    if alias is None:
        return None
    args = request.args.copy()
    args["agency"] = alias.agency.slug
    return redirect(f"{request.path}?{urlencode(list(args.items(multi=True)))}", 301)


def main_hotlines():
    """The province's main hotlines (1022), for pages where nothing matched."""
    return db.session.scalars(
        sa.select(Hotline)
        .where(Hotline.is_main, Hotline.status == "published")
        .options(joinedload(Hotline.agency))
        .order_by(Hotline.id)
    ).all()


@bp.route("")
def index():
    query = listing.read_query(request.args)
    agencies = db.session.scalars(sa.select(Agency).order_by(Agency.name_vi)).all()
    if query:
        found = listing.ranked(
            agencies,
            query,
            "agency",
            texts=lambda a: (a.name_vi, a.name_en),
            phones=lambda a: (a.phone,),
        )
        return render_template(
            "agencies/index.html", q=query, found=found, main=[] if found else main_hotlines()
        )
    # Bodies that ceased (the districts, merged departments) leave the tree for a list of
    # their own, each with who took over.
    former = [agency for agency in agencies if not agency.is_current()]
    children = {}
    for agency in agencies:
        if agency.is_current():
            children.setdefault(agency.parent_id, []).append(agency)
    # The province's own tree starts at its province-level roots; bodies named only by
    # national procedures (ministries, generic "commune People's Committee") come apart.
    roots = children.get(None, [])
    province = [a for a in roots if a.level == Level.PROVINCE and a.id in children]
    others = [a for a in roots if a not in province]
    return render_template(
        "agencies/index.html",
        q="",
        children=children,
        province=province,
        others=others,
        former=former,
        total=len(agencies) - len(former),
    )


@bp.route("/<slug:slug>")
def detail(slug):
    agency = db.session.scalar(
        sa.select(Agency)
        .where(Agency.slug == slug)
        .options(selectinload(Agency.public_hotlines), selectinload(Agency.children))
    )
    if agency is None:
        alias = db.session.scalar(sa.select(AgencyAlias).filter_by(slug=slug))
        if alias is None:
            abort(404)
        # Merged into another agency: its old address leads there, for good.
        return redirect(url_for("agencies.detail", slug=alias.agency.slug), 301)
    # Its contacts' and its numbers' published changes; a draft number has none.
    kept = db.session.scalars(
        sa.select(Hotline).where(
            Hotline.agency_id == agency.id, Hotline.status.in_(("published", "withdrawn"))
        )
    ).all()
    return render_template(
        "agencies/detail.html",
        agency=agency,
        history=publishing.history([agency, *kept]),
        history_value=history_value,
        procedure_counts=procedure_counts(agency),
        inspection_card=inspections.summary(agency),
        feedback_figures=feedback.figures(agency),
    )


def history_value(field, value):
    """A value of the agency page's history as a reader reads it."""
    if not value:
        return "—"
    if field == "channels":
        return ", ".join(str(HOTLINE_CHANNELS.get(key, key)) for key in value.split())
    return value


def procedure_counts(agency):
    """How many procedures in force the agency implements, in all and per level."""
    implemented = sa.select(ProcedureAgency.procedure_id).where(
        ProcedureAgency.agency_id == agency.id, ProcedureAgency.role == "implementing"
    )
    columns = [sa.func.count()] + [
        sa.func.sum(sa.case((getattr(Procedure, f"level_{level}"), 1), else_=0))
        for level in Procedure.LEVELS
    ]
    row = db.session.execute(
        sa.select(*columns).where(
            Procedure.id.in_(implemented), Procedure.validity != Validity.ABOLISHED
        )
    ).one()
    return {
        "total": row[0],
        "levels": {
            level: count for level, count in zip(Procedure.LEVELS, row[1:], strict=True) if count
        },
    }


# The staff's side: /<lang>/admin/agencies. Signed-in staff only (access.guard); an officer
# keeps their own agency's contacts, editors and admins every agency's.
staff = Blueprint("agencies_staff", __name__, url_prefix="/<lang>/admin/agencies")
access.guard(staff)


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


@staff.route("")
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


@staff.route("/<int:agency_id>", methods=["GET", "POST"])
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
