"""Feedback, the citizen's side: send it (/<lang>/feedback/new), after seeing similar
answers if they wish, get a tracking code shown once, follow it (/<lang>/feedback/status)
without anyone's personal data, withdraw it while it is not answered; the published
answers (with the signed answer's file), their list with counts per filter, downloads and
feed, and figures (the staff's side is in staff.py)."""

import re
from datetime import timedelta

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, Optional

from portal import access, attachments, downloads, listing, ratelimit, workdays
from portal.downloads import check_size, download
from portal.feedback import codes, queries
from portal.i18n import current_language
from portal.labels import FEEDBACK_CHANNELS, FEEDBACK_TIMELINESS
from portal.models import (
    PROCEDURE_CODE,
    SLUG,
    Agency,
    Attachment,
    Channel,
    Feedback,
    FeedbackEvent,
    FeedbackStatus,
    Procedure,
    db,
    utcnow,
)
from portal.pagination import page_arg
from portal.text import most, nfc, stripped

bp = Blueprint("feedback", __name__, url_prefix="/<lang>/feedback")

YEAR = re.compile(r"20[0-9]{2}")  # ASCII digits only: "²".isdigit() is true

# How many feedbacks one address may send, and how many codes it may look up, per window:
# shared by every worker and host (portal/ratelimit.py).
SEND_LIMIT, SEND_WINDOW = 5, timedelta(hours=1)
LOOKUP_LIMIT, LOOKUP_WINDOW = 10, timedelta(minutes=10)


class FeedbackForm(queries.SenderForm):
    agency_id = SelectField(
        _l("Which agency is it about? (optional)"), default="", validate_choice=True
    )
    sector_id = SelectField(
        _l("Which field is it in? (optional)"),
        description=_l("Like the procedures' fields: civil status, land, business…"),
        coerce=access.chosen_id,
        validate_choice=True,
    )
    procedure_code = StringField(
        _l("Procedure code (optional)"),
        description=_l("On the procedure's page, e.g. 1.001193."),
        filters=[stripped],
        validators=[Optional(), most(40)],
    )
    title = StringField(
        _l("In a few words, what is it about?"),
        filters=[stripped, nfc],
        validators=[DataRequired(_l("Give it a short title.")), most(300)],
    )
    content = TextAreaField(
        _l("Your feedback or petition"),
        description=_l("What happened, which rule or procedure, and what you propose."),
        filters=[stripped, nfc],
        validators=[DataRequired(_l("Write your feedback.")), most(20_000)],
    )
    file = FileField(
        _l("A document or photo (PDF, JPEG or PNG, optional)"), validators=[attachments.checked]
    )
    # A field people do not see: only a robot fills it in.
    nickname = StringField(_l("Leave this field empty"), filters=[stripped])

    def validate_procedure_code(self, field):
        if field.data and not PROCEDURE_CODE.match(field.data):
            raise ValidationError(_l("A procedure code looks like 1.001193."))
        if field.data and not db.session.scalar(
            sa.select(Procedure.id).where(Procedure.code == field.data)
        ):
            raise ValidationError(_l("No procedure has this code."))

    def validate_nickname(self, field):
        if field.data:
            raise ValidationError(_l("Leave this field empty."))


class StatusForm(FlaskForm):
    code = StringField(
        _l("Tracking code"),
        description=_l("As on your receipt, e.g. 7KQM-2XVD-…; dashes and spaces do not matter."),
        filters=[stripped],
        validators=[most(100)],
    )


class WithdrawForm(FlaskForm):
    # The code as the sender typed it to look it up (it is in the lookup's box already).
    code = HiddenField(filters=[stripped], validators=[most(100)])
    confirm = BooleanField(
        _l("I withdraw this feedback: it will not be answered."),
        validators=[DataRequired(_l("Tick the box to confirm that you withdraw it."))],
    )
    note = TextAreaField(
        _l("Why, if you wish to say (optional)"),
        description=_l("The staff who handle it read this; it is never published."),
        filters=[stripped, nfc],
        validators=[most(2000)],
    )


def _agency_choices():
    return [("", _("I do not know")), *queries.current_agencies()]


def _address():
    return request.remote_addr or "-"


def _too_many(template, form, retry_at):
    """The same page, what was typed kept, saying when to try again (a 429)."""
    minutes = max(1, int((retry_at - utcnow()).total_seconds() // 60) + 1)
    message = _("Too many tries from this connection. Try again in %(num)s minutes.", num=minutes)
    page = render_template(template, form=form, too_many=message)
    return page, 429, {"Retry-After": str(minutes * 60)}


@bp.route("")
def index():
    """Where citizens send feedback and follow it; the published answers, filtered (with
    how many each filter's values hold), found with the search engine, downloadable
    (?format=csv or json) and followed as an Atom feed (?format=atom)."""
    q = listing.read_query(request.args)
    filters = _answer_filters(request.args)
    answers = queries.Answers(filters, q)
    query = answers.select()
    export = request.args.get("format", "html")
    if export not in ("html", "csv", "json", "atom"):
        abort(400, _("The format must be csv, json or atom."))
    kept = dict(filters, q=q) if q else filters  # for the links to this very list
    if export == "atom":
        return _feed(answers, kept)
    if export != "html":
        check_size(query)
        name = downloads.export_name("feedback-answers", filters.get("year"), filters.get("agency"))
        return download(queries.answer_rows(query), queries.ANSWER_COLUMNS, export, name)
    page = db.paginate(
        query, page=page_arg(), per_page=current_app.config["PER_PAGE"], error_out=False
    )
    return render_template(
        "feedback/index.html",
        page=page,
        q=q,
        filters=filters,
        facets=answers.facets(),
        feed_url=url_for("feedback.index", **kept, format="atom"),
    )


def _feed(answers, kept):
    """The newest published answers of the filtered list, in the page's language."""
    title = _("Published answers to feedback and petitions")
    entries = queries.feed_entries(answers, current_language())
    return downloads.feed("feedback.index", kept, title, entries)


# What each filter of the answers' list may be.
ANSWER_FILTERS = {
    "agency": lambda v: bool(re.fullmatch(SLUG, v)),
    "field": lambda v: bool(re.fullmatch(SLUG, v)),
    "year": lambda v: bool(YEAR.fullmatch(v)),
    "channel": lambda v: v in FEEDBACK_CHANNELS,
    "procedure": lambda v: bool(PROCEDURE_CODE.match(v)),
    "timeliness": lambda v: v in FEEDBACK_TIMELINESS,
    "sort": lambda v: v in queries.SORTS,
}


def _answer_filters(args):
    """The list's filters, each checked: a clear 400 for a value that cannot be right."""
    filters = {}
    for name, valid in ANSWER_FILTERS.items():
        value = args.get(name, "").strip()
        if not value:
            continue
        if not valid(value):
            abort(400, str(listing.invalid(name, value)))
        filters[name] = value
    return filters


@bp.route("/statistics")
def statistics():
    """Received, answered, on time, in progress, overdue: per year, and per agency for the
    chosen year; as CSV or JSON with ?format=."""
    year = request.args.get("year", "")
    if year and not YEAR.fullmatch(year):
        abort(400, _("The year must be a year like 2017."))
    export = request.args.get("format", "html")
    if export not in ("html", "csv", "json"):
        abort(400, _("The format must be csv or json."))
    by_year, by_agency = queries.statistics(int(year) if year else None)
    agencies = {
        agency.id: agency
        for agency in db.session.scalars(
            sa.select(Agency).where(Agency.id.in_([key for key in by_agency if key]))
        )
    }
    if export != "html":
        rows = [
            {"year": key, "agency": "", **counts} for key, counts in sorted(by_year.items())
        ] + [
            {
                "year": year or "",
                "agency": agencies[key].name_vi if key in agencies else "",
                **counts,
            }
            for key, counts in by_agency.items()
        ]
        name = downloads.export_name("feedback-statistics", year)
        return download(rows, queries.STATISTICS_COLUMNS, export, name)
    return render_template(
        "feedback/statistics.html",
        by_year=sorted(by_year.items()),
        by_agency=sorted(
            by_agency.items(),
            key=lambda pair: agencies[pair[0]].name_vi if pair[0] in agencies else "",
        ),
        agencies=agencies,
        year=year,
        measures=queries.MEASURES,
        answer_days=queries.ANSWER_DAYS,
    )


@bp.route("/new", methods=["GET", "POST"])
def new():
    """The form; its second button ("Find similar answers") shows published answers like
    the title typed, keeping what was typed, and sends nothing."""
    form = FeedbackForm()
    form.agency_id.choices = _agency_choices()
    form.sector_id.choices = queries.sector_choices(_("I do not know"))
    if form.is_submitted() and request.form.get("action") == "similar":
        title = form.title.data or ""
        similar = queries.similar(title) if title else None
        return render_template("feedback/new.html", form=form, similar=similar, asked=True)
    if not form.validate_on_submit():
        return render_template("feedback/new.html", form=form), 400 if form.is_submitted() else 200
    retry_at = ratelimit.hit(f"feedback-send:{_address()}", SEND_LIMIT, SEND_WINDOW)
    if retry_at:
        return _too_many("feedback/new.html", form, retry_at)
    item, code = queries.receive(
        form,
        "sender",
        channel=Channel.PORTAL,
        received_on=workdays.today(),
        agency_id=int(form.agency_id.data) if form.agency_id.data else None,
        sector_id=form.sector_id.data,
        procedure_codes=[form.procedure_code.data] if form.procedure_code.data else [],
        title=form.title.data,
        content=form.content.data,
    )
    db.session.commit()
    # Shown once, on the next page: the portal keeps only the code's hash.
    session["feedback_code"] = code
    session["feedback_mailed"] = queries.mail_receipt(item, code)
    return redirect(url_for("feedback.sent"), 303)


@bp.route("/sent")
def sent():
    code = session.pop("feedback_code", None)
    mailed = session.pop("feedback_mailed", "none")
    if code is None:
        abort(404)
    item = db.session.scalar(
        sa.select(Feedback).where(Feedback.code_hash == codes.digest(code.replace("-", "")))
    )
    if item is None:
        abort(404)
    return render_template(
        "feedback/sent.html", code=code, item=item, due=queries.answer_due(item), mailed=mailed
    )


@bp.route("/status", methods=["GET", "POST"])
def status():
    form = StatusForm()
    if not form.validate_on_submit():
        return render_template(
            "feedback/status.html", form=form
        ), 400 if form.is_submitted() else 200
    item, refused = _look_up(form, form.code.data)
    if refused:
        return refused
    return _status_page(form, item)


def _look_up(form, typed):
    """(the feedback with the code typed, None), or (None, the page refusing it): too
    many tries from this address, a code that cannot be one, or nobody's code."""
    retry_at = ratelimit.hit(f"feedback-code:{_address()}", LOOKUP_LIMIT, LOOKUP_WINDOW)
    if retry_at:
        return None, _too_many("feedback/status.html", form, retry_at)
    try:
        code = codes.normalised(typed)
    except codes.BadCode as bad:
        form.code.errors = [str(bad)]
        return None, (render_template("feedback/status.html", form=form), 400)
    item = db.session.scalar(sa.select(Feedback).where(Feedback.code_hash == codes.digest(code)))
    if item is None or not codes.same(item.code_hash, code):
        # The same answer for every wrong code: nothing to learn from trying.
        form.code.errors = [_("No feedback has this code. Check it against your receipt.")]
        return None, (render_template("feedback/status.html", form=form), 404)
    return item, None


def _status_page(form, item, withdraw_form=None, status=200, too_late=False):
    """What the sender reads with a right code: the history, the due date, and the
    withdrawal while it is not answered yet."""
    withdrawn = [e.at for e in item.events if e.to_status == FeedbackStatus.WITHDRAWN]
    withdraw_form = withdraw_form or WithdrawForm(formdata=None, code=form.code.data)
    return render_template(
        "feedback/status.html",
        form=form,
        item=item,
        due=queries.answer_due(item),
        found=True,
        withdraw_form=withdraw_form if item.status in queries.OPEN else None,
        withdrawn_at=withdrawn[-1] if withdrawn else None,
        too_late=too_late,
    ), status


@bp.route("/status/withdraw", methods=["POST"])
def withdraw():
    """The sender withdraws what is not answered yet: with its code (counted as a lookup)
    and a tick to confirm; a step in its history the staff see."""
    form = WithdrawForm()
    lookup = StatusForm(formdata=None, code=form.code.data)
    item, refused = _look_up(lookup, form.code.data)
    if refused:
        return refused
    if item.status not in queries.OPEN:
        return _status_page(lookup, item, status=400, too_late=True)
    if not form.validate_on_submit():
        return _status_page(lookup, item, withdraw_form=form, status=400)
    item.events.append(
        FeedbackEvent(
            actor="sender",
            from_status=item.status,
            to_status=FeedbackStatus.WITHDRAWN,
            note=form.note.data or None,
        )
    )
    item.status = FeedbackStatus.WITHDRAWN
    db.session.commit()
    return _status_page(lookup, item)


@bp.route("/<int:feedback_id>")
def detail(feedback_id):
    """A published answer: the question as moderated, the answer, its dates, what was
    withheld and why; never who asked."""
    item = db.session.get(Feedback, feedback_id)
    if item is None or item.status != FeedbackStatus.PUBLISHED:
        abort(404)
    cal = workdays.calendar()
    due = queries.answer_due(item)[0]
    withheld = {}
    for redaction in item.redactions:
        withheld[redaction.ground] = withheld.get(redaction.ground, 0) + 1
    return render_template(
        "feedback/detail.html",
        item=item,
        due=due,
        days_taken=cal.working_days_between(item.received_on, item.answered_on),
        on_time=item.answered_on <= due,
        withheld=withheld,
        answer_files=attachments.of(item, "answer"),
    )


@bp.route("/<int:feedback_id>/files/<int:attachment_id>")
def answer_file(feedback_id, attachment_id):
    """The signed answer's file, once the answer is published; never the sender's."""
    item = db.session.get(Feedback, feedback_id)
    file = db.session.get(Attachment, attachment_id)
    if item is None or item.status != FeedbackStatus.PUBLISHED or file is None:
        abort(404)
    if not attachments.is_of(file, item, "answer"):
        abort(404)
    return attachments.send(file)
