"""Inspection pages: the list, an inspection, the findings table, overdue ones, scorecards;
and the staff's pages where agencies report what they fixed (follow-up reports)."""

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
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional

from portal import access, attachments, audit, labels, publishing, workdays
from portal.downloads import check_size, download
from portal.inspections import queries
from portal.inspections.queries import (
    Filters,
    FindingFilters,
    FindingFinder,
    InspectionFinder,
    rate,
    scorecard,
)
from portal.models import (
    OVERDUE,
    Agency,
    Attachment,
    ContentStatus,
    Finding,
    FindingStatus,
    FollowUp,
    FollowUpLetter,
    InspectedUnit,
    Inspection,
    Topic,
    db,
)
from portal.pagination import page_arg
from portal.text import most, stripped

bp = Blueprint("inspections", __name__, url_prefix="/<lang>/inspections")

# Inspection conclusions are published within 10 days of signing (Law on Inspection 2022,
# Art. 79); later publication is flagged on the page.
PUBLICATION_DAYS = 10


@bp.context_processor
def helpers():
    return {
        "publication_days": PUBLICATION_DAYS,
        "facet_label": _facet_label,
    }


def _facet_label(name, value, label):
    if name == "unit":
        return label
    if name == "level":
        return labels.AGENCY_LEVELS[value]
    if name == "topic":
        return labels.TOPICS[Topic(value)]
    if name == "status":
        return labels.FINDING_STATUSES[value]
    return value


def _export_format():
    export = request.args.get("format", "html")
    if export not in ("html", "csv", "json"):
        abort(400, description=str(_l("The format must be csv or json.")))
    return export


def _paginate(query, **options):
    page = db.paginate(
        query, page=page_arg(), per_page=current_app.config["PER_PAGE"], error_out=False, **options
    )
    if page.page > 1 and not page.items:
        abort(404)
    return page


@bp.route("")
def index():
    filters = Filters.from_args(request.args)
    finder = InspectionFinder(filters)
    export = _export_format()
    if export != "html":
        check_size(finder.select())
        return download(
            queries.inspection_rows(finder), queries.INSPECTION_COLUMNS, export, "inspections"
        )
    page = _paginate(
        finder.select().options(
            selectinload(Inspection.plan),
            selectinload(Inspection.topic_links),
            selectinload(Inspection.units).joinedload(InspectedUnit.agency),
            selectinload(Inspection.findings),
        )
    )
    cal = workdays.calendar()
    statuses = {
        i.id: [queries.status_of(f, finder.today, cal) for f in i.findings] for i in page.items
    }
    return render_template(
        "inspections/index.html",
        page=page,
        filters=filters,
        facets=finder.facets(db.session),
        statuses=statuses,
    )


@bp.route("/findings")
def findings():
    return _findings_page(
        FindingFilters.from_args(request.args), "inspections.findings", "findings"
    )


@bp.route("/overdue")
def overdue():
    args = request.args.to_dict()
    if args.pop("status", OVERDUE) != OVERDUE:
        abort(400, description=str(_l("This page lists overdue findings only.")))
    filters = FindingFilters.from_args({**args, "status": OVERDUE})
    return _findings_page(filters, "inspections.overdue", "overdue")


def _findings_page(filters, endpoint, name):
    finder = FindingFinder(filters)
    export = _export_format()
    if export != "html":
        check_size(finder.select())
        return download(queries.finding_rows(finder), queries.FINDING_COLUMNS, export, name)
    query = finder.select().options(
        selectinload(Finding.public_follow_ups),
        selectinload(Finding.inspection),
        selectinload(Finding.agency),
    )
    page = _paginate(query)
    cal = workdays.calendar()
    rows = [rate(finding, finder.today, cal) for finding in page.items]
    page_args = filters.args(status="") if name == "overdue" else filters.args()
    return render_template(
        "inspections/findings.html",
        page=page,
        rows=rows,
        filters=filters,
        facets=finder.facets(db.session),
        endpoint=endpoint,
        overdue_only=name == "overdue",
        page_args=page_args,
    )


@bp.route("/<slug:slug>")
def detail(slug):
    inspection = db.session.scalar(
        sa.select(Inspection)
        .where(Inspection.slug == slug)
        .options(
            selectinload(Inspection.units).joinedload(InspectedUnit.agency),
            selectinload(Inspection.findings).selectinload(Finding.public_follow_ups),
            selectinload(Inspection.findings).selectinload(Finding.letters),
            selectinload(Inspection.members),
            selectinload(Inspection.topic_links),
        )
    )
    if inspection is None:
        abort(404)
    on, cal = workdays.today(), workdays.calendar()
    rows = {}
    for finding in inspection.findings:
        rows.setdefault(finding.agency_id, []).append(rate(finding, on, cal))
    letters = db.session.scalars(
        sa.select(FollowUpLetter)
        .where(FollowUpLetter.findings.any(Finding.inspection_id == inspection.id))
        .order_by(FollowUpLetter.signed_on)
    ).all()
    reports = [
        r for f in inspection.findings for r in f.public_follow_ups if r.status == "published"
    ]
    return render_template(
        "inspections/detail.html",
        inspection=inspection,
        rows=rows,
        letters=letters,
        today=on,
        files=attachments.of_each(reports),
    )


@bp.route("/units/<slug:slug>")
def unit(slug):
    agency = db.session.scalar(sa.select(Agency).where(Agency.slug == slug))
    if agency is None:
        abort(404)
    return render_template("inspections/unit.html", agency=agency, card=scorecard(agency))


@bp.route("/attachments/<int:attachment_id>")
def attachment(attachment_id):
    """A file attached to a follow-up report: for everyone once the report is published;
    for the staff who may see the report before that."""
    file = db.get_or_404(Attachment, attachment_id)
    kind, _sep, record_id = file.record.partition(":")
    report = db.session.get(FollowUp, int(record_id)) if kind == "follow_up" else None
    if report is None:
        abort(404)
    if report.status != ContentStatus.PUBLISHED and not access.can(g.user, "view", report):
        abort(410 if report.status == ContentStatus.WITHDRAWN else 404)
    return attachments.send(file)


# The staff's side: /<lang>/admin/findings. Signed-in staff only (access.guard); an officer
# reports on the findings their agency answers for, editors and admins on every one.
staff = Blueprint("inspections_staff", __name__, url_prefix="/<lang>/admin/findings")
access.guard(staff)


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


@staff.route("")
def staff_index():
    state = request.args.get("state", "open")
    if state not in queries.STAFF_STATES:
        abort(400, _("Choose a state from the list."))
    query = queries.for_staff(g.user, state).options(
        selectinload(Finding.inspection),
        selectinload(Finding.agency),
        selectinload(Finding.follow_ups),
    )
    page = _paginate(query)
    cal = workdays.calendar()
    return render_template(
        "inspections/staff_index.html",
        page=page,
        rows=[rate(finding, workdays.today(), cal) for finding in page.items],
        state=state,
        states=queries.STAFF_STATES,
    )


@staff.route("/<int:finding_id>/follow-ups/new", methods=["GET", "POST"])
def new_follow_up(finding_id):
    finding = db.get_or_404(Finding, finding_id)
    # Not tied to the finding's list until it is saved (publishing.change adds it).
    report = FollowUp(finding_id=finding.id, position=len(finding.follow_ups), imported=False)
    access.require("edit", report)
    return _edit_page(report)


@staff.route("/follow-ups/<int:follow_up_id>", methods=["GET", "POST"])
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


@staff.route("/follow-ups/<int:follow_up_id>/withdraw", methods=["POST"])
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
