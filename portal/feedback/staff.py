"""The staff's side of feedback (/<lang>/admin/feedback): the province office (editors,
admins) records what reached it another way than the portal's form, accepts, rejects with
a reason and assigns; the assigned agency's officers answer, with the signed answer's
file; the office moderates the public version and publishes it. Every step is in the
item's history and the audit trail."""

import re

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
    session,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, NumberRange

from portal import access, attachments, audit, mail, workdays
from portal.feedback import codes, queries
from portal.labels import FEEDBACK_CHANNELS
from portal.models import (
    PROCEDURE_CODE,
    Agency,
    Attachment,
    Channel,
    Feedback,
    FeedbackEvent,
    FeedbackStatus,
    Ground,
    Procedure,
    Redaction,
    Role,
    db,
)
from portal.pagination import page_arg
from portal.security import ActionForm
from portal.text import most, nfc, stripped

# The staff's side: /<lang>/admin/feedback. The province office (editors, admins) accepts,
# rejects and assigns; an agency's officers see what was assigned to their agency.
bp = Blueprint("feedback_staff", __name__, url_prefix="/<lang>/admin/feedback")
access.guard(bp)

# The staff list's states, each as the statuses it shows (None: every one).
STAFF_STATES = {
    "new": (FeedbackStatus.RECEIVED,),
    "open": queries.OPEN,
    "withdrawn": (FeedbackStatus.WITHDRAWN,),
    "all": None,
}


class RejectForm(FlaskForm):
    reason = TextAreaField(
        _l("Why it is not in scope, and where to go instead (the sender reads this)"),
        filters=[stripped, nfc],
        validators=[DataRequired(_l("Say why, and where the sender can go.")), most(2000)],
    )


class AssignForm(FlaskForm):
    agency_id = SelectField(
        _l("The agency that answers it"),
        validators=[DataRequired(_l("Choose the agency."))],
        validate_choice=True,
    )
    reason = StringField(
        _l("Why it moves to another agency (only when it does)"),
        filters=[stripped, nfc],
        validators=[most(500)],
    )


@bp.route("")
def staff_index():
    state = request.args.get("state", "open")
    if state not in STAFF_STATES:
        abort(400, _("Choose a state from the list."))
    theirs = (
        [Feedback.assigned_agency_id == g.user.agency_id] if g.user.role == Role.OFFICER else []
    )
    query = sa.select(Feedback).where(*theirs).order_by(Feedback.received_on, Feedback.id)
    if STAFF_STATES[state]:
        query = query.where(Feedback.status.in_(STAFF_STATES[state]))
    # How many each state holds: one grouped query.
    by_status = db.session.execute(
        sa.select(Feedback.status, sa.func.count()).where(*theirs).group_by(Feedback.status)
    ).all()
    counts = {
        key: sum(n for status, n in by_status if statuses is None or status in statuses)
        for key, statuses in STAFF_STATES.items()
    }
    page = db.paginate(
        query, page=page_arg(), per_page=current_app.config["PER_PAGE"], error_out=False
    )
    today = workdays.today()
    return render_template(
        "feedback/staff_index.html",
        page=page,
        state=state,
        states=STAFF_STATES,
        counts=counts,
        overdue={item.id: queries.overdue(item, today) for item in page.items},
        can_triage=access.can(g.user, "triage"),
    )


# What staff record: every channel but the portal's own form, which the sender fills in.
INTAKE_CHANNELS = [key for key in FEEDBACK_CHANNELS if key != Channel.PORTAL]
# The sender's fields as the staff read them (the citizen's form speaks to the sender).
SENDER_LABELS = {
    "sender_type": (_l("Writes as"), None),
    "sender_name": (_l("The sender's name (or their business's)"), None),
    "sender_email": (
        _l("E-mail (optional)"),
        _l("The receipt with the tracking code, and later the answer, are sent here."),
    ),
}


class IntakeForm(queries.SenderForm):
    """Feedback that reached the province another way than the portal's form."""

    channel = RadioField(
        _l("How it reached the province"),
        choices=[SelectChoice(key, FEEDBACK_CHANNELS[key]) for key in INTAKE_CHANNELS],
        validate_choice=False,  # AnyOf says it in the staff's language
        validators=[
            DataRequired(_l("Choose how it reached the province.")),
            AnyOf(INTAKE_CHANNELS, message=_l("Choose how it reached the province.")),
        ],
    )
    received_on = DateField(
        _l("Received on"),
        default=lambda: workdays.today(),  # looked up at each request
        validators=[DataRequired(_l("Enter the date it was received.")), workdays.not_in_future],
    )
    agency_id = SelectField(
        _l("The agency it is about (optional)"), coerce=access.chosen_id, validate_choice=True
    )
    sector_id = SelectField(
        _l("Field (optional)"),
        description=_l("Without one, the field of the first procedure below."),
        coerce=access.chosen_id,
        validate_choice=True,
    )
    procedure_codes = StringField(
        _l("Related procedure codes (optional)"),
        description=_l("Separated by spaces or commas, e.g. 1.001193 1.000894."),
        filters=[stripped],
        validators=[most(400)],
    )
    title = StringField(
        _l("Title"),
        filters=[stripped, nfc],
        validators=[DataRequired(_l("Give it a short title.")), most(300)],
    )
    content = TextAreaField(
        _l("What the sender said or wrote"),
        filters=[stripped, nfc],
        validators=[DataRequired(_l("Write what the sender said or wrote.")), most(20_000)],
    )
    file = FileField(
        _l("A document or photo (PDF, JPEG or PNG, optional)"), validators=[attachments.checked]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, (label, description) in SENDER_LABELS.items():
            self[name].label.text = label
            if description:
                self[name].description = description

    def typed_codes(self):
        """The procedure codes typed, each once, in the order typed."""
        typed = re.split(r"[\s,;]+", self.procedure_codes.data or "")
        return [code for code in dict.fromkeys(typed) if code]

    def validate_procedure_codes(self, field):
        typed = self.typed_codes()
        wrong = [code for code in typed if not PROCEDURE_CODE.match(code)]
        if wrong:
            raise ValidationError(
                _(
                    "A procedure code looks like 1.001193; %(codes)s does not.",
                    codes=", ".join(wrong),
                )
            )
        known = set(db.session.scalars(sa.select(Procedure.code).where(Procedure.code.in_(typed))))
        unknown = [code for code in typed if code not in known]
        if unknown:
            raise ValidationError(
                _("No procedure has the code %(codes)s.", codes=", ".join(unknown))
            )


@bp.route("/new", methods=["GET", "POST"])
def new():
    """The province office records what came by the hotline, e-mail, post, the press, a
    referral or a dialogue meeting: it gets a tracking code like the citizen's, shown once
    on the next page to be read to the caller or written in the reply."""
    access.require("triage")
    form = IntakeForm()
    form.agency_id.choices = access.agency_choices(g.user, none=True)
    form.sector_id.choices = queries.sector_choices("—")
    if not form.validate_on_submit():
        page = render_template("feedback/staff_new.html", form=form)
        return page, 400 if form.is_submitted() else 200
    with force_locale("vi"):  # the history's notes are Vietnamese, like the agencies' names
        note = _("Received through: %(channel)s.", channel=FEEDBACK_CHANNELS[form.channel.data])
    item, code = queries.receive(
        form,
        g.user.email,
        note,
        channel=form.channel.data,
        received_on=form.received_on.data,
        agency_id=form.agency_id.data,
        sector_id=form.sector_id.data,
        procedure_codes=form.typed_codes(),
        title=form.title.data,
        content=form.content.data,
    )
    audit.record(
        "feedback.received", g.user.email, on=access.record_key(item), channel=str(item.channel)
    )
    db.session.commit()
    # Shown once, on the next page: the portal keeps only the code's hash.
    session["feedback_intake_code"] = code
    session["feedback_intake_mailed"] = queries.mail_receipt(item, code)
    return redirect(url_for("feedback_staff.received"), 303)


@bp.route("/received")
def received():
    """The tracking code of what was just recorded, once; then only its hash is kept."""
    access.require("triage")
    code = session.pop("feedback_intake_code", None)
    mailed = session.pop("feedback_intake_mailed", "none")
    item = code and db.session.scalar(
        sa.select(Feedback).where(Feedback.code_hash == codes.digest(code.replace("-", "")))
    )
    if not item:
        abort(404)
    return render_template(
        "feedback/staff_received.html",
        code=code,
        item=item,
        due=queries.answer_due(item),
        mailed=mailed,
    )


@bp.route("/<int:feedback_id>/files/<int:attachment_id>")
def staff_file(feedback_id, attachment_id):
    """A file of the feedback for the staff who may see it: the sender's (personal data,
    so each download is in the audit trail) or the signed answer's."""
    item = db.get_or_404(Feedback, feedback_id)
    access.require("view", item)
    file = db.get_or_404(Attachment, attachment_id)
    if attachments.is_of(file, item):
        audit.record(
            "feedback.personal_data_read",
            g.user.email,
            on=access.record_key(item),
            attachment=file.id,
        )
        db.session.commit()
    elif not attachments.is_of(file, item, "answer"):
        abort(404)
    return attachments.send(file)


@bp.route("/<int:feedback_id>")
def staff_detail(feedback_id):
    item = db.get_or_404(Feedback, feedback_id)
    access.require("view", item)
    # The page shows the sender's personal data: each reading is in the audit trail.
    audit.record("feedback.personal_data_read", g.user.email, on=access.record_key(item))
    db.session.commit()
    return _detail_page(item)


def _detail_page(item, reject_form=None, assign_form=None, answer_form=None, publish_form=None):
    assign_form = assign_form or AssignForm(formdata=None, agency_id=item.assigned_agency_id)
    answer_form = answer_form or AnswerForm(formdata=None, obj=item)
    publish_form = publish_form or PublishForm(
        formdata=None,
        public_title=item.public_title or item.title,
        public_question=item.public_question or item.content,
        sector_id=item.sector_id,
    )
    publish_form.sector_id.choices = queries.sector_choices("—")
    assign_form.agency_id.choices = queries.current_agencies()
    limit = current_app.config["ATTACHMENT_MAX_BYTES"] / 1_000_000
    answer_form.file.description = _(
        "Up to %(size)s MB. Anyone can download it once the answer is published.", size=f"{limit:g}"
    )
    return render_template(
        "feedback/staff_detail.html",
        item=item,
        action_form=ActionForm(),
        reject_form=reject_form or RejectForm(formdata=None),
        assign_form=assign_form,
        answer_form=answer_form,
        publish_form=publish_form,
        files=attachments.of(item),
        answer_files=attachments.of(item, "answer"),
        triage_due=queries.triage_due(item),
        answer_due=queries.answer_due(item)[0],
        overdue=queries.overdue(item),
        can_triage=access.can(g.user, "triage", item),
        can_answer=access.can(g.user, "edit", item),
    )


def _move(item, to, note=None, **details):
    """A step in the history the sender reads (`note` is for them), and in the audit."""
    item.events.append(
        FeedbackEvent(actor=g.user.email, from_status=item.status, to_status=to, note=note)
    )
    old, item.status = item.status, to
    audit.record(
        f"feedback.{to}", g.user.email, on=access.record_key(item), old=str(old), **details
    )


def _triage(feedback_id, allowed):
    item = db.get_or_404(Feedback, feedback_id)
    access.require("triage", item)
    if item.status not in allowed:
        abort(400, _("This step is not open for it now."))
    return item


@bp.route("/<int:feedback_id>/accept", methods=["POST"])
def accept(feedback_id):
    item = _triage(feedback_id, (FeedbackStatus.RECEIVED,))
    if not ActionForm().validate_on_submit():
        abort(400, _("The form has expired: reload the page and try again."))
    _move(item, FeedbackStatus.ACCEPTED)
    db.session.commit()
    flash(_("Accepted. Now assign it to the agency that answers it."))
    return redirect(url_for("feedback_staff.staff_detail", feedback_id=item.id), 303)


@bp.route("/<int:feedback_id>/reject", methods=["POST"])
def reject(feedback_id):
    item = _triage(feedback_id, (FeedbackStatus.RECEIVED, FeedbackStatus.ACCEPTED))
    form = RejectForm()
    if not form.validate_on_submit():
        return _detail_page(item, reject_form=form), 400
    _move(item, FeedbackStatus.REJECTED, note=form.reason.data)
    db.session.commit()
    flash(_("Marked as not in scope; the sender reads the reason with their code."))
    return redirect(url_for("feedback_staff.staff_detail", feedback_id=item.id), 303)


@bp.route("/<int:feedback_id>/assign", methods=["POST"])
def assign(feedback_id):
    item = _triage(feedback_id, (FeedbackStatus.ACCEPTED, FeedbackStatus.ASSIGNED))
    form = AssignForm()
    form.agency_id.choices = queries.current_agencies()
    if form.validate_on_submit() and item.assigned_agency_id and not form.reason.data:
        form.reason.errors = [_("Say why it moves to another agency.")]
    if form.errors or not form.is_submitted():
        return _detail_page(item, assign_form=form), 400
    agency = db.session.get(Agency, int(form.agency_id.data))
    if agency is None or agency.id == item.assigned_agency_id:
        form.agency_id.errors = [_("Choose another agency than the one it is with.")]
        return _detail_page(item, assign_form=form), 400
    item.assigned_agency_id = agency.id
    _move(item, FeedbackStatus.ASSIGNED, note=agency.name_vi, reason=form.reason.data or None)
    db.session.commit()
    flash(_("Assigned to %(agency)s.", agency=agency.name_vi))
    return redirect(url_for("feedback_staff.staff_detail", feedback_id=item.id), 303)


class AnswerForm(FlaskForm):
    answer_vi = TextAreaField(
        _l("The answer, in Vietnamese"),
        filters=[stripped, nfc],
        validators=[DataRequired(_l("Write the answer.")), most(50_000)],
    )
    answer_en = TextAreaField(
        _l("The answer, in English (optional)"),
        filters=[stripped, nfc],
        validators=[most(50_000)],
    )
    signer_title = StringField(
        _l("Signed by (title, not name)"),
        description=_l("e.g. Phó Giám đốc Sở Tư pháp"),
        filters=[stripped, nfc],
        validators=[DataRequired(_l("Give the signer's title.")), most(200)],
    )
    answer_number = StringField(
        _l("Document number (optional)"), filters=[stripped], validators=[most(80)]
    )
    answer_signed_on = DateField(
        _l("Signed on"),
        validators=[DataRequired(_l("Enter the date it was signed.")), workdays.not_in_future],
    )
    file = FileField(
        _l("The signed answer (PDF, JPEG or PNG, optional)"), validators=[attachments.checked]
    )


class PublishForm(FlaskForm):
    public_title = StringField(
        _l("Title, as published"),
        filters=[stripped, nfc],
        validators=[DataRequired(_l("Give the published title.")), most(300)],
    )
    public_question = TextAreaField(
        _l("The question, as published"),
        description=_l(
            "Remove the sender's name, phone, address and anything else that identifies "
            "them; count each removal below."
        ),
        filters=[stripped, nfc],
        validators=[DataRequired(_l("Write the question as published.")), most(20_000)],
    )
    sector_id = SelectField(
        _l("Field, as published"), coerce=access.chosen_id, validate_choice=True
    )
    personal_data = IntegerField(
        _l("Removals of personal data"),
        default=0,
        validators=[InputRequired(_l("Enter a number.")), NumberRange(0, 99)],
    )
    state_secret = IntegerField(
        _l("Removals of state secrets"),
        default=0,
        validators=[InputRequired(_l("Enter a number.")), NumberRange(0, 99)],
    )
    business_secret = IntegerField(
        _l("Removals of business secrets"),
        default=0,
        validators=[InputRequired(_l("Enter a number.")), NumberRange(0, 99)],
    )


@bp.route("/<int:feedback_id>/answer", methods=["POST"])
def answer(feedback_id):
    """The assigned agency's answer: saved, it is "answered"; public once published."""
    item = db.get_or_404(Feedback, feedback_id)
    access.require("edit", item)
    if item.status not in (FeedbackStatus.ASSIGNED, FeedbackStatus.ANSWERED):
        abort(400, _("This step is not open for it now."))
    form = AnswerForm()
    if not form.validate_on_submit():
        return _detail_page(item, answer_form=form), 400
    for field in ("answer_vi", "answer_en", "signer_title", "answer_number", "answer_signed_on"):
        setattr(item, field, getattr(form, field).data or None)
    item.answer_agency_id = item.assigned_agency_id
    if form.file.data:  # public with the answer once it is published
        attachments.attach(form.file.data, item, g.user.email, part="answer")
    if item.status == FeedbackStatus.ASSIGNED:
        item.answered_on = workdays.today()
        _move(item, FeedbackStatus.ANSWERED)
    else:
        audit.record("feedback.answer_changed", g.user.email, on=access.record_key(item))
    db.session.commit()
    flash(_("The answer is saved. The province office moderates and publishes it."))
    return redirect(url_for("feedback_staff.staff_detail", feedback_id=item.id), 303)


@bp.route("/<int:feedback_id>/publish", methods=["POST"])
def publish(feedback_id):
    """The public version, as moderated, with each removal counted in the register."""
    item = _triage(feedback_id, (FeedbackStatus.ANSWERED,))
    form = PublishForm()
    form.sector_id.choices = queries.sector_choices("—")
    if not form.validate_on_submit():
        return _detail_page(item, publish_form=form), 400
    item.public_title, item.public_question = form.public_title.data, form.public_question.data
    item.sector_id = form.sector_id.data
    for ground in Ground:
        for _n in range(getattr(form, str(ground)).data):
            item.redactions.append(Redaction(ground=ground, actor=g.user.email))
    item.published_on = workdays.today()
    _move(item, FeedbackStatus.PUBLISHED, withheld=len(item.redactions))
    db.session.commit()
    if item.sender_email:  # in the language the sender wrote in
        with force_locale(item.language):
            url = url_for(
                "feedback.detail", feedback_id=item.id, lang=item.language, _external=True
            )
            mail.send(
                item.sender_email,
                _("Your feedback was answered: %(title)s", title=item.public_title[:80]),
                _("The answer to your feedback is published: %(url)s", url=url),
            )
    flash(_("Published: the answer is on the portal."))
    return redirect(url_for("feedback_staff.staff_detail", feedback_id=item.id), 303)
