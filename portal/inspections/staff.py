"""The staff's pages of inspections: follow-up reports on findings (/<lang>/admin/findings),
and inspections with their conclusion, units, findings and plans in the editorial workflow
(/<lang>/admin/inspections)."""

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
from flask_wtf.file import FileField
from sqlalchemy.orm import selectinload
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from portal import access, attachments, audit, labels, listing, publishing, workdays
from portal.inspections import queries
from portal.inspections.importer import RESERVED_SLUGS
from portal.inspections.queries import (
    rate,
)
from portal.models import (
    Agency,
    ContentStatus,
    Finding,
    FindingStatus,
    FollowUp,
    InspectedUnit,
    Inspection,
    InspectionPlan,
    InspectionTopic,
    Role,
    Topic,
    db,
    unique_slug,
    utcnow,
)
from portal.pagination import paginate
from portal.security import ActionForm
from portal.text import most, render_markdown, stripped

# The staff's side: /<lang>/admin/findings. Signed-in staff only (access.guard); an officer
# reports on the findings their agency answers for, editors and admins on every one.
bp = Blueprint("inspections_staff", __name__, url_prefix="/<lang>/admin/findings")
access.guard(bp)


class FollowUpForm(FlaskForm):
    reported_on = DateField(
        _l("Date of the report"),
        validators=[DataRequired(_l("Enter the date of the report.")), workdays.not_in_future],
    )
    number = StringField(
        _l("Document number (optional)"),
        description=_l("As on the signed report, e.g. 45/BC-UBND."),
        filters=[stripped],
        validators=[most(80)],
    )
    text_vi = TextAreaField(
        _l("What was done, in Vietnamese"),
        filters=[stripped],
        validators=[DataRequired(_l("Say what was done.")), most(20_000)],
    )
    text_en = TextAreaField(
        _l("What was done, in English"), filters=[stripped], validators=[most(20_000)]
    )
    english_checked = BooleanField(_l("The English text still says what the Vietnamese says"))
    reported_status = SelectField(
        _l("The finding is now"),
        choices=[
            SelectChoice("", _l("(not stated in this report)")),
            *(SelectChoice(str(s), labels.FINDING_STATUSES[s]) for s in FindingStatus),
        ],
        coerce=lambda value: FindingStatus(value) if value else None,
        validate_choice=True,
    )
    resolved_on = DateField(
        _l("Fixed on"),
        description=_l("Only when the finding is done."),
        validators=[Optional(), workdays.not_in_future],
    )
    file = FileField(
        _l("The signed report (PDF, JPEG or PNG, optional)"), validators=[attachments.checked]
    )

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        # Checked here: an empty date stops resolved_on's own checks (Optional).
        done = self.reported_status.data == FindingStatus.DONE
        if done and not self.resolved_on.data and not self.resolved_on.errors:
            self.resolved_on.errors.append(_l("Enter the date it was fixed."))
            valid = False
        if not done and self.resolved_on.data:
            self.resolved_on.errors.append(
                _l("Only a finding that is done has a date it was fixed.")
            )
            valid = False
        return valid


EDITED = ("reported_on", "number", "text_vi", "text_en", "reported_status", "resolved_on")


@bp.route("")
def staff_index():
    state = request.args.get("state", "open")
    if state not in queries.STAFF_STATES:
        abort(400, _("Choose a state from the list."))
    query = queries.for_staff(g.user, state).options(
        selectinload(Finding.inspection),
        selectinload(Finding.agency),
        selectinload(Finding.follow_ups),
    )
    page = paginate(query)
    cal = workdays.calendar()
    return render_template(
        "inspections/staff_index.html",
        page=page,
        rows=[rate(finding, workdays.today(), cal) for finding in page.items],
        state=state,
        states=queries.STAFF_STATES,
    )


@bp.route("/<int:finding_id>/follow-ups/new", methods=["GET", "POST"])
def new_follow_up(finding_id):
    finding = db.get_or_404(Finding, finding_id)
    # Not tied to the finding's list until it is saved (publishing.change adds it).
    report = FollowUp(finding_id=finding.id, position=len(finding.follow_ups), imported=False)
    access.require("edit", report)
    return _edit_page(report)


@bp.route("/follow-ups/<int:follow_up_id>", methods=["GET", "POST"])
def edit_follow_up(follow_up_id):
    report = db.get_or_404(FollowUp, follow_up_id)
    access.require("view", report)
    return _edit_page(report)


def _edit_page(report):
    form = FollowUpForm(obj=report)
    limit = current_app.config["ATTACHMENT_MAX_BYTES"] / 1_000_000
    form.file.description = _(
        "Up to %(size)s MB. Anyone can download it once the report is published.", size=f"{limit:g}"
    )
    action = request.form.get("action", "save")
    if request.method == "POST":
        access.require("edit", report)
        if action not in ("save", "publish") or report.status == ContentStatus.WITHDRAWN:
            abort(400, _("Choose one of the form's buttons."))
    if not form.validate_on_submit():
        return _form_page(report, form), 400 if form.is_submitted() else 200
    if report.status == ContentStatus.PUBLISHED:
        action = "publish"  # a public report changes only by publishing the change
    values = {field: getattr(form, field).data or None for field in EDITED}
    publishing.change(report, values, g.user, english_checked=form.english_checked.data)
    if form.file.data:
        attachments.attach(form.file.data, report, g.user.email)
    if action == "publish":
        access.require("publish", report)
        publishing.publish(report, g.user)
        _report_status(report)
    db.session.commit()
    flash(_("Published on the inspection's page.") if action == "publish" else _("Saved."))
    return redirect(url_for("inspections_staff.edit_follow_up", follow_up_id=report.id), 303)


def _report_status(report):
    """A published report that states the finding's status sets it (and when it was fixed);
    the finding's values before are kept on the report, for a withdrawal."""
    if report.reported_status is None:
        return
    finding = report.finding
    if report.finding_status_before is None:
        report.finding_status_before = finding.status
        report.finding_resolved_before = finding.resolved_on
    values = {"status": report.reported_status, "resolved_on": report.resolved_on}
    changes = {
        field: [str(getattr(finding, field) or ""), str(value or "")]
        for field, value in values.items()
        if getattr(finding, field) != value
    }
    if changes:
        for field, value in values.items():
            setattr(finding, field, value)
        audit.record(
            "finding.changed", g.user.email, on=access.record_key(finding), changes=changes
        )


def _undo_report_status(report):
    """After a withdrawal: the finding's values go back to what they were before the report,
    unless a later published report set them since."""
    if report.finding_status_before is None:
        return
    later = [
        other
        for other in report.finding.follow_ups
        if other.status == ContentStatus.PUBLISHED
        and other.reported_status is not None
        and (other.reported_on, other.id) > (report.reported_on, report.id)
    ]
    if later:
        return
    finding = report.finding
    changes = {
        "status": [str(finding.status), str(report.finding_status_before)],
        "resolved_on": [str(finding.resolved_on or ""), str(report.finding_resolved_before or "")],
    }
    finding.status = report.finding_status_before
    finding.resolved_on = report.finding_resolved_before
    audit.record("finding.changed", g.user.email, on=access.record_key(finding), changes=changes)


def _form_page(report, form, withdraw_form=None):
    return render_template(
        "inspections/staff_form.html",
        report=report,
        finding=report.finding or db.session.get(Finding, report.finding_id),
        form=form,
        withdraw_form=withdraw_form or publishing.WithdrawForm(formdata=None),
        files=attachments.of(report) if report.id else [],
        state=publishing.state(report) if report.id else None,
    )


@bp.route("/follow-ups/<int:follow_up_id>/withdraw", methods=["POST"])
def withdraw_follow_up(follow_up_id):
    """Sent in error, or about another finding: it stays listed, struck, with the reason."""
    report = db.get_or_404(FollowUp, follow_up_id)
    access.require("publish", report)
    if report.status != ContentStatus.PUBLISHED:
        abort(400, _("Only a published report can be withdrawn."))
    form = publishing.WithdrawForm()
    if not form.validate_on_submit():
        return _form_page(report, FollowUpForm(formdata=None, obj=report), withdraw_form=form), 400
    publishing.withdraw(report, g.user, form.reason_vi.data, form.reason_en.data)
    _undo_report_status(report)
    db.session.commit()
    flash(_("Withdrawn: the inspection's page says when and why."))
    return redirect(url_for("inspections_staff.edit_follow_up", follow_up_id=report.id), 303)


# The staff's side of inspections themselves: /<lang>/admin/inspections. An inspection (its
# conclusion, units and findings) is written as a draft, sent for review, published or
# scheduled, and withdrawn with a public reason; each published change is a public version.
# An officer acts on the inspections their agency led (access.owners), editors and admins
# on every one; plans are kept here too.
editorial = Blueprint("inspections_editorial", __name__, url_prefix="/<lang>/admin/inspections")
access.guard(editorial)


def _agencies(*kept):
    """Every current agency, and those of `kept` ids (a body that has since ceased stays on
    its old records), as (id, name) for a select."""
    kept_ids = {agency_id for agency_id in kept if agency_id is not None}
    return [
        (agency_id, name)
        for agency_id, name in db.session.execute(
            sa.select(Agency.id, Agency.name_vi)
            .where(sa.or_(Agency.successor_id.is_(None), Agency.id.in_(kept_ids)))
            .order_by(Agency.name_vi)
        )
    ]


def _topic_choices():
    return [SelectChoice(str(topic), labels.TOPICS[topic]) for topic in Topic]


class UnitForm(Form):
    """One inspected unit and the conclusion's assessment of it (a row of the form)."""

    agency_id = SelectField(_l("Unit"), coerce=access.chosen_id, validate_choice=True)
    assessment_vi = TextAreaField(
        _l("Assessment in Vietnamese"), filters=[stripped], validators=[most(20_000)]
    )
    assessment_en = TextAreaField(
        _l("Assessment in English"), filters=[stripped], validators=[most(20_000)]
    )


class InspectionForm(publishing.Schedule, FlaskForm):
    title_vi = StringField(
        _l("Title in Vietnamese"),
        filters=[stripped],
        validators=[DataRequired(_l("Enter the Vietnamese title.")), most(500)],
    )
    title_en = StringField(
        _l("Title in English"), filters=[stripped], validators=[Optional(), most(500)]
    )
    plan_id = SelectField(_l("Inspection plan"), coerce=access.chosen_id, validate_choice=True)
    started_on = DateField(
        _l("First day of the inspection"),
        validators=[DataRequired(_l("Enter the first day of the inspection."))],
    )
    ended_on = DateField(
        _l("Last day of the inspection"),
        validators=[DataRequired(_l("Enter the last day of the inspection."))],
    )
    lead_agency_id = SelectField(
        _l("Agency that led the inspection"),
        description=_l("Its officers may edit this inspection."),
        coerce=access.chosen_id,
        validate_choice=True,
    )
    lead_name = StringField(_l("Team leader"), filters=[stripped], validators=[most(200)])
    lead_title_vi = StringField(
        _l("Team leader's position, in Vietnamese"), filters=[stripped], validators=[most(300)]
    )
    lead_title_en = StringField(
        _l("Team leader's position, in English"), filters=[stripped], validators=[most(300)]
    )
    deputy_name = StringField(_l("Deputy team leader"), filters=[stripped], validators=[most(200)])
    deputy_title_vi = StringField(
        _l("Deputy's position, in Vietnamese"), filters=[stripped], validators=[most(300)]
    )
    deputy_title_en = StringField(
        _l("Deputy's position, in English"), filters=[stripped], validators=[most(300)]
    )
    deputy_agency_id = SelectField(
        _l("Deputy's agency"), coerce=access.chosen_id, validate_choice=True
    )
    members = SelectMultipleField(
        _l("Members from"),
        description=_l("Hold Ctrl (or Cmd) to choose several."),
        coerce=int,
        validate_choice=True,
    )
    topics = SelectMultipleField(
        _l("Topics checked"),
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        validators=[DataRequired(_l("Choose at least one topic."))],
    )
    units = FieldList(
        FormField(UnitForm), label=_l("The units inspected and their assessment"), min_entries=1
    )
    conclusion_number = StringField(
        _l("Conclusion number"),
        description=_l("As on the signed conclusion, e.g. 215/TB-UBND."),
        filters=[stripped],
        validators=[most(80)],
    )
    conclusion_signed_on = DateField(_l("Signed on"), validators=[Optional()])
    conclusion_published_on = DateField(
        _l("Published on the portal on"),
        description=_l("The law asks for publication within 10 days of signing."),
        validators=[Optional()],
    )
    conclusion_text_vi = TextAreaField(
        _l("Conclusion in Vietnamese"),
        description=_l("Markdown: a blank line between paragraphs, ## for a heading."),
        filters=[stripped],
        validators=[most(200_000)],
    )
    conclusion_text_en = TextAreaField(
        _l("Conclusion in English"), filters=[stripped], validators=[most(200_000)]
    )
    conclusion_url = URLField(
        _l("Link to the signed conclusion (optional)"),
        filters=[stripped],
        validators=[Optional(), URL(message=_l("Enter a full address, like https://…")), most(500)],
    )
    english_checked = BooleanField(_l("The English text still says what the Vietnamese says"))

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        # Checked here: an empty date stops its own checks (Optional), and these span fields.
        start, end = self.started_on.data, self.ended_on.data
        if start and end and end < start:
            self.ended_on.errors.append(_l("The last day cannot be before the first."))
            valid = False
        signed, published = self.conclusion_signed_on.data, self.conclusion_published_on.data
        if signed and published and published < signed:
            self.conclusion_published_on.errors.append(
                _l("It cannot be published before it was signed.")
            )
            valid = False
        chosen = [row.agency_id.data for row in self.units if row.agency_id.data]
        if len(chosen) != len(set(chosen)):
            self.units.errors.append(_l("The same unit is listed twice."))
            valid = False
        if not self.title_en.data and (self.conclusion_text_en.data or self.lead_title_en.data):
            self.title_en.errors.append(
                _l("Give the English title too, or leave the English empty.")
            )
            valid = False
        return valid


EDITED_INSPECTION = (
    "title_vi",
    "title_en",
    "plan_id",
    "started_on",
    "ended_on",
    "lead_agency_id",
    "lead_name",
    "lead_title_vi",
    "lead_title_en",
    "deputy_name",
    "deputy_title_vi",
    "deputy_title_en",
    "deputy_agency_id",
    "conclusion_number",
    "conclusion_signed_on",
    "conclusion_published_on",
    "conclusion_text_vi",
    "conclusion_text_en",
    "conclusion_url",
)
INSPECTION_ACTIONS = ("preview", "save", "submit", "publish")
INSPECTION_DONE = {
    "save": _l("Saved."),
    "submit": _l("Saved and sent for review."),
    "publish": _l("Published. A new public version is on the inspection's page."),
}


@editorial.route("")
def inspection_list():
    status = request.args.get("status", "")
    if status and status not in STAFF_FILTERS:
        abort(400, _("Choose a status from the list."))
    query = listing.read_query(request.args)
    page = paginate(queries.inspections_for_staff(g.user, status, query))
    return render_template(
        "inspections/editorial_index.html",
        page=page,
        status=status,
        q=query,
        statuses=STAFF_FILTERS,
        state=publishing.state,
    )


STAFF_FILTERS = ("draft", "in_review", "scheduled", "published", "withdrawn")


@editorial.route("/new", methods=["GET", "POST"])
def new_inspection():
    inspection = Inspection(lead_agency_id=g.user.agency_id, imported=False)
    access.require("edit", inspection)
    return _inspection_page(inspection)


@editorial.route("/<int:inspection_id>", methods=["GET", "POST"])
def edit_inspection(inspection_id):
    inspection = db.get_or_404(Inspection, inspection_id)
    access.require("view", inspection)
    return _inspection_page(inspection)


def _inspection_form(inspection, **options):
    """The form, filled from the inspection (and from the request when it was posted)."""
    units = [
        {
            "agency_id": unit.agency_id,
            "assessment_vi": unit.assessment_vi,
            "assessment_en": unit.assessment_en,
        }
        for unit in inspection.units
    ]
    data = {field: getattr(inspection, field) for field in EDITED_INSPECTION}
    form = InspectionForm(
        data={
            **data,
            "members": [agency.id for agency in inspection.members],
            "topics": [str(topic) for topic in inspection.topics],
            "units": [*units, {}, {}],  # and empty rows, to add units
        },
        **options,
    )
    agencies = _agencies(
        inspection.deputy_agency_id,
        *(agency.id for agency in inspection.members),
        *(unit.agency_id for unit in inspection.units),
    )
    none = [(None, "—")]
    form.plan_id.choices = none + [
        (plan.id, f"{plan.number}: {plan.title_vi}")
        for plan in db.session.scalars(
            sa.select(InspectionPlan).order_by(InspectionPlan.year.desc(), InspectionPlan.number)
        )
    ]
    form.lead_agency_id.choices = access.agency_choices(g.user)
    lead = inspection.lead_agency
    if lead is not None and lead.id not in {choice[0] for choice in form.lead_agency_id.choices}:
        form.lead_agency_id.choices.append((lead.id, lead.name_vi))  # one that has ceased
    form.deputy_agency_id.choices = none + agencies
    form.members.choices = agencies
    form.topics.choices = _topic_choices()
    for row in form.units:
        row.agency_id.choices = none + agencies
    return form


def _inspection_page(inspection):
    form = _inspection_form(inspection)
    action = request.form.get("action", "save")
    if request.method == "POST":
        if action not in INSPECTION_ACTIONS:
            abort(400, _("Choose one of the form's buttons."))
        access.require("edit", inspection)
        if inspection.status == ContentStatus.WITHDRAWN:
            abort(400, _("A withdrawn inspection is kept as it was; it cannot be changed."))
    if not form.validate_on_submit():
        return _inspection_form_page(inspection, form), 400 if form.is_submitted() else 200
    if action == "preview":
        return _inspection_form_page(inspection, form, preview=True)
    if inspection.status == ContentStatus.PUBLISHED and action != "publish":
        action = "publish"  # a public inspection changes only by publishing the change
    units = [row.data for row in form.units if row.agency_id.data]
    kept = {row["agency_id"] for row in units}
    orphans = {f.agency_id for f in inspection.findings} - kept
    if orphans:
        form.units.errors.append(
            _("A unit with findings stays: move or delete its findings first.")
        )
        return _inspection_form_page(inspection, form), 400
    if inspection.slug is None:  # made once: the address stays when the title changes
        inspection.slug = unique_slug(Inspection, form.title_vi.data)
        if inspection.slug in RESERVED_SLUGS:
            inspection.slug += "-1"
    values = {field: getattr(form, field).data or None for field in EDITED_INSPECTION}
    values["year"] = form.started_on.data.year
    inspection.imported = False  # changed on the portal: the importer leaves it alone now
    publishing.change(inspection, values, g.user, english_checked=form.english_checked.data)
    access.require("edit", inspection)  # also after the change: its lead agency may differ
    _sync_parts(inspection, form, units)
    if action == "submit":
        publishing.move(inspection, publishing.IN_REVIEW, g.user)
    elif action == "publish":
        access.require("publish", inspection)
        publishing.publish(inspection, g.user, at=form.publish_at())
    db.session.commit()
    flash(str(INSPECTION_DONE[action]))
    return redirect(
        url_for("inspections_editorial.edit_inspection", inspection_id=inspection.id), 303
    )


def _sync_parts(inspection, form, units):
    """Members, topics and units (with their assessments) as the form says; what changed is
    in the audit trail, and an assessment's language moves that language's date."""
    changes = {}
    members = sorted(form.members.data or [])
    if sorted(agency.id for agency in inspection.members) != members:
        changes["members"] = [sorted(a.id for a in inspection.members), members]
        inspection.members = db.session.scalars(
            sa.select(Agency).where(Agency.id.in_(members))
        ).all()
    topics = [str(topic) for topic in Topic if str(topic) in form.topics.data]
    if [str(topic) for topic in inspection.topics] != topics:
        changes["topics"] = [[str(t) for t in inspection.topics], topics]
        inspection.topic_links = [InspectionTopic(topic=Topic(topic)) for topic in topics]
    existing = {unit.agency_id: unit for unit in inspection.units}
    before = [[u.agency_id, u.assessment_vi, u.assessment_en] for u in inspection.units]
    kept = []
    for position, row in enumerate(units):
        unit = existing.get(row["agency_id"]) or InspectedUnit(agency_id=row["agency_id"])
        for lang in ("vi", "en"):
            value = row[f"assessment_{lang}"] or None
            if getattr(unit, f"assessment_{lang}") != value:
                setattr(unit, f"assessment_{lang}", value)
                setattr(inspection, f"{lang}_changed_at", utcnow())
        unit.position = position
        kept.append(unit)
    after = [[u.agency_id, u.assessment_vi, u.assessment_en] for u in kept]
    if before != after:
        changes["units"] = [before, after]
    inspection.units = kept
    db.session.flush()  # the new units' agencies load, for the public version's text
    if changes:
        audit.record(
            "inspection.changed", g.user.email, on=access.record_key(inspection), changes=changes
        )


def _inspection_form_page(inspection, form, preview=False, withdraw_form=None):
    cal, on = workdays.calendar(), workdays.today()
    return render_template(
        "inspections/editorial_form.html",
        inspection=inspection,
        form=form,
        preview=preview,
        rows=[rate(finding, on, cal) for finding in inspection.findings] if inspection.id else [],
        withdraw_form=withdraw_form or publishing.WithdrawForm(formdata=None),
        action_form=ActionForm(),
        state=publishing.state(inspection) if inspection.id else None,
        markdown=render_markdown,
    )


@editorial.route("/<int:inspection_id>/withdraw", methods=["POST"])
def withdraw_inspection(inspection_id):
    inspection = db.get_or_404(Inspection, inspection_id)
    access.require("publish", inspection)
    if not inspection.is_public(utcnow()):
        abort(400, _("Only a public inspection can be withdrawn."))
    form = publishing.WithdrawForm()
    if not form.validate_on_submit():
        shown = _inspection_form(inspection, formdata=None)
        return _inspection_form_page(inspection, shown, withdraw_form=form), 400
    inspection.imported = False
    publishing.withdraw(inspection, g.user, form.reason_vi.data, form.reason_en.data)
    db.session.commit()
    flash(_("Withdrawn. Its page now says when and why."))
    return redirect(
        url_for("inspections_editorial.edit_inspection", inspection_id=inspection.id), 303
    )


@editorial.route("/<int:inspection_id>/draft", methods=["POST"])
def inspection_to_draft(inspection_id):
    """Back to draft: one in review, or one scheduled that is not public yet."""
    inspection = db.get_or_404(Inspection, inspection_id)
    access.require("edit", inspection)
    if publishing.state(inspection) not in ("in_review", "scheduled"):
        abort(400, _("Only an inspection in review or scheduled can go back to draft."))
    if ActionForm().validate_on_submit():
        inspection.publish_at, inspection.imported = None, False
        publishing.move(inspection, publishing.DRAFT, g.user)
        db.session.commit()
        flash(_("Back to draft."))
    return redirect(
        url_for("inspections_editorial.edit_inspection", inspection_id=inspection.id), 303
    )


# Findings, added and changed within their inspection (whose owners may act on them).


class FindingForm(FlaskForm):
    agency_id = SelectField(_l("Unit"), coerce=access.chosen_id, validate_choice=True)
    topic = SelectField(_l("Topic"), validate_choice=True)
    text_vi = TextAreaField(
        _l("Finding in Vietnamese"),
        filters=[stripped],
        validators=[DataRequired(_l("Say what the team found.")), most(20_000)],
    )
    text_en = TextAreaField(_l("Finding in English"), filters=[stripped], validators=[most(20_000)])
    recommendation_vi = TextAreaField(
        _l("Recommendation in Vietnamese"),
        filters=[stripped],
        validators=[DataRequired(_l("Say what the unit must fix.")), most(20_000)],
    )
    recommendation_en = TextAreaField(
        _l("Recommendation in English"), filters=[stripped], validators=[most(20_000)]
    )
    responsible_id = SelectField(
        _l("Agency responsible for the follow-up"),
        description=_l("Leave “—” when the unit itself answers for it."),
        coerce=access.chosen_id,
        validate_choice=True,
    )
    deadline = DateField(_l("Deadline (optional)"), validators=[Optional()])

    def validate_agency_id(self, field):
        if field.data is None:
            raise ValidationError(_l("Choose the unit the finding is about."))


EDITED_FINDING = (
    "agency_id",
    "topic",
    "text_vi",
    "text_en",
    "recommendation_vi",
    "recommendation_en",
    "responsible_id",
    "deadline",
)


@editorial.route("/<int:inspection_id>/findings/new", methods=["GET", "POST"])
def new_finding(inspection_id):
    inspection = db.get_or_404(Inspection, inspection_id)
    access.require("edit", inspection)
    return _finding_page(inspection, Finding(topic=Topic.PROCEDURES))


@editorial.route("/findings/<int:finding_id>", methods=["GET", "POST"])
def edit_finding(finding_id):
    finding = db.get_or_404(Finding, finding_id)
    access.require("view", finding.inspection)
    return _finding_page(finding.inspection, finding)


def _finding_page(inspection, finding):
    form = FindingForm(obj=finding)
    if finding.id and finding.responsible_id == finding.agency_id and not form.is_submitted():
        form.responsible_id.data = None  # shown as "the unit itself"
    form.agency_id.choices = [(None, "—")] + [
        (u.agency_id, u.agency.name_vi) for u in inspection.units
    ]
    form.topic.choices = _topic_choices()
    form.responsible_id.choices = [(None, "—"), *_agencies(finding.responsible_id)]
    if request.method == "POST":
        access.require("edit", inspection)
        if inspection.status == ContentStatus.WITHDRAWN:
            abort(400, _("A withdrawn inspection is kept as it was; it cannot be changed."))
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template(
            "inspections/editorial_finding.html", inspection=inspection, finding=finding, form=form
        ), status
    values = {field: getattr(form, field).data or None for field in EDITED_FINDING}
    values["topic"] = Topic(values["topic"])
    values["responsible_id"] = values["responsible_id"] or values["agency_id"]
    changes = {}
    for field, new in values.items():
        old = getattr(finding, field)
        if old != new:
            changes[field] = [publishing.plain(old), publishing.plain(new)]
            setattr(finding, field, new)
    created = finding.id is None
    if created:
        finding.position = len(inspection.findings)
        finding.ref = _new_ref(inspection)
        inspection.findings.append(finding)
    if changes:
        db.session.flush()
        kind = "finding.created" if created else "finding.changed"
        audit.record(kind, g.user.email, on=access.record_key(finding), changes=changes)
        now = utcnow()
        if any(field.endswith("_vi") for field in changes):
            inspection.vi_changed_at = now
        if any(field.endswith("_en") for field in changes):
            inspection.en_changed_at = now
        inspection.imported, inspection.updated_at = False, now
        if inspection.status == ContentStatus.PUBLISHED:
            # A published inspection's findings change only as a new public version.
            access.require("publish", inspection)
            publishing.publish_change(inspection, g.user)
    db.session.commit()
    if not changes:
        flash(_("Nothing changed."))
    elif inspection.status == ContentStatus.PUBLISHED:
        flash(_("Published. A new public version is on the inspection's page."))
    else:
        flash(_("Saved."))
    return redirect(url_for("inspections_editorial.edit_finding", finding_id=finding.id), 303)


def _new_ref(inspection):
    """A key for a finding entered on the portal, unused within its inspection."""
    taken = {finding.ref for finding in inspection.findings}
    n = len(taken) + 1
    while f"portal-{n}" in taken:
        n += 1
    return f"portal-{n}"


# Inspection plans: kept on the portal, picked from the inspection's form.


class PlanForm(FlaskForm):
    number = StringField(
        _l("Plan number"),
        description=_l("As on the signed plan, e.g. 4261/KH-UBND."),
        filters=[stripped],
        validators=[DataRequired(_l("Enter the plan's number.")), most(80)],
    )
    signed_on = DateField(_l("Signed on"), validators=[Optional()])
    year = StringField(
        _l("Year it covers"),
        filters=[stripped],
        validators=[
            DataRequired(_l("Enter the year it covers.")),
            Regexp(r"^(20[0-9]{2}|2100)$", message=_l("The year must be four digits, like 2017.")),
        ],
    )
    issuer_id = SelectField(_l("Issued by"), coerce=access.chosen_id, validate_choice=True)
    title_vi = StringField(
        _l("Title in Vietnamese"),
        filters=[stripped],
        validators=[DataRequired(_l("Enter the Vietnamese title.")), most(500)],
    )
    title_en = StringField(_l("Title in English"), filters=[stripped], validators=[most(500)])
    topics = SelectMultipleField(
        _l("Topics it plans to check"),
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )
    url = URLField(
        _l("Link to the signed plan (optional)"),
        filters=[stripped],
        validators=[Optional(), URL(message=_l("Enter a full address, like https://…")), most(500)],
    )


EDITED_PLAN = ("number", "signed_on", "year", "issuer_id", "title_vi", "title_en", "topics", "url")


@editorial.route("/plans")
def plan_list():
    query = sa.select(InspectionPlan).order_by(InspectionPlan.year.desc(), InspectionPlan.number)
    if g.user.role == Role.OFFICER:
        query = query.where(InspectionPlan.issuer_id == g.user.agency_id)
    return render_template(
        "inspections/editorial_plans.html", plans=db.session.scalars(query).all()
    )


@editorial.route("/plans/new", methods=["GET", "POST"])
def new_plan():
    plan = InspectionPlan(issuer_id=g.user.agency_id, imported=False, topics=[])
    access.require("edit", plan)
    return _plan_page(plan)


@editorial.route("/plans/<int:plan_id>", methods=["GET", "POST"])
def edit_plan(plan_id):
    plan = db.get_or_404(InspectionPlan, plan_id)
    access.require("view", plan)
    return _plan_page(plan)


def _plan_page(plan):
    form = PlanForm(obj=plan)
    form.issuer_id.choices = access.agency_choices(g.user)
    issuer = plan.issuer
    if issuer is not None and issuer.id not in {choice[0] for choice in form.issuer_id.choices}:
        form.issuer_id.choices.append((issuer.id, issuer.name_vi))  # one that has ceased
    form.topics.choices = _topic_choices()
    if request.method == "POST":
        access.require("edit", plan)
    valid = form.validate_on_submit()
    if valid and db.session.scalar(
        sa.select(InspectionPlan.id).where(
            InspectionPlan.number == form.number.data, InspectionPlan.id != plan.id
        )
    ):
        form.number.errors.append(_("Another plan has this number."))
        valid = False
    if not valid:
        status = 400 if form.is_submitted() else 200
        return render_template("inspections/editorial_plan.html", plan=plan, form=form), status
    values = {field: getattr(form, field).data or None for field in EDITED_PLAN}
    values["year"] = int(values["year"])
    values["topics"] = [str(topic) for topic in Topic if str(topic) in (values["topics"] or [])]
    changes = {}
    for field, new in values.items():
        old = getattr(plan, field)
        if (old or None) != (new or None):
            changes[field] = [publishing.plain(old), publishing.plain(new)]
            setattr(plan, field, new)
    created = plan.id is None
    if created:
        db.session.add(plan)
    access.require("edit", plan)  # also after the change: its issuer may differ
    if changes:
        plan.imported = False  # kept on the portal now: the importer leaves it alone
        db.session.flush()
        kind = "inspection_plan.created" if created else "inspection_plan.changed"
        audit.record(kind, g.user.email, on=access.record_key(plan), changes=changes)
    db.session.commit()
    flash(_("Saved.") if changes else _("Nothing changed."))
    return redirect(url_for("inspections_editorial.edit_plan", plan_id=plan.id), 303)
