"""The staff's pages that write, review, publish and withdraw announcements
(/<lang>/admin/announcements)."""

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
from wtforms import (
    BooleanField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
    ValidationError,
)
from wtforms.validators import URL, DataRequired, Optional

from portal import access, listing, publishing
from portal.announcements import queries
from portal.models import (
    Announcement,
    db,
    unique_slug,
    utcnow,
)
from portal.pagination import page_arg
from portal.security import ActionForm
from portal.text import most, render_markdown, stripped

# The staff's side: /<lang>/admin/announcements. Signed-in staff only (access.guard); each
# record is checked with access.require, so an officer acts on their agency's alone.
bp = Blueprint("announcements_staff", __name__, url_prefix="/<lang>/admin/announcements")
access.guard(bp)


class AnnouncementForm(publishing.Schedule, FlaskForm):
    title_vi = StringField(
        _l("Title in Vietnamese"),
        filters=[stripped],
        validators=[DataRequired(_l("Enter the Vietnamese title.")), most(300)],
    )
    title_en = StringField(
        _l("Title in English"), filters=[stripped], validators=[Optional(), most(300)]
    )
    summary_vi = TextAreaField(
        _l("Summary in Vietnamese"), filters=[stripped], validators=[most(2000)]
    )
    summary_en = TextAreaField(
        _l("Summary in English"), filters=[stripped], validators=[most(2000)]
    )
    body_vi = TextAreaField(
        _l("Text in Vietnamese"),
        description=_l("Markdown: a blank line between paragraphs, ## for a heading."),
        filters=[stripped],
        validators=[DataRequired(_l("Enter the Vietnamese text.")), most(200_000)],
    )
    body_en = TextAreaField(_l("Text in English"), filters=[stripped], validators=[most(200_000)])
    english_checked = BooleanField(_l("The English text still says what the Vietnamese says"))
    agency_id = SelectField(_l("Agency"), coerce=access.chosen_id, validate_choice=True)
    source_url = URLField(
        _l("Link to the source (optional)"),
        filters=[stripped],
        validators=[
            Optional(),
            URL(message=_l("Enter a full address, like https://…")),
            most(500),
        ],
    )

    def validate_title_en(self, field):
        if not field.data and (self.body_en.data or self.summary_en.data):
            raise ValidationError(_l("Give the English title too, or leave the English empty."))

    def validate_body_en(self, field):
        if self.title_en.data and not field.data:
            raise ValidationError(_l("Enter the English text, or leave the English title empty."))


STAFF_FILTERS = ("draft", "in_review", "scheduled", "published", "withdrawn")


@bp.route("")
def staff_index():
    status = request.args.get("status", "")
    if status and status not in STAFF_FILTERS:
        abort(400, _("Choose a status from the list."))
    query = listing.read_query(request.args)
    page = db.paginate(
        queries.for_staff(g.user, status, query),
        page=page_arg(),
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )
    return render_template(
        "announcements/staff_index.html",
        page=page,
        status=status,
        q=query,
        statuses=STAFF_FILTERS,
        state=publishing.state,
    )


@bp.route("/new", methods=["GET", "POST"])
def new():
    announcement = Announcement(agency_id=g.user.agency_id)
    access.require("edit", announcement)
    return _edit_page(announcement)


@bp.route("/<int:announcement_id>", methods=["GET", "POST"])
def edit(announcement_id):
    announcement = db.get_or_404(Announcement, announcement_id)
    access.require("view", announcement)
    return _edit_page(announcement)


ACTIONS = ("preview", "save", "submit", "publish")


def _edit_page(announcement):
    form = AnnouncementForm(obj=announcement)
    form.agency_id.choices = access.agency_choices(g.user)
    action = request.form.get("action", "save")
    if request.method == "POST" and action not in ACTIONS:
        abort(400, _("Choose one of the form's buttons."))
    if request.method == "POST":
        access.require("edit", announcement)
        if announcement.status == "withdrawn":
            abort(400, _("A withdrawn announcement is kept as it was; it cannot be changed."))
    if not form.validate_on_submit():
        return _form_page(announcement, form), 400 if form.is_submitted() else 200
    if action == "preview":
        return _form_page(announcement, form, preview=True)
    if announcement.status == "published" and action != "publish":
        # A public text changes only by publishing the change (a new public version).
        action = "publish"
    if action == "publish" and (
        clash := queries.same_title_and_day(announcement, form.title_vi.data, form.publish_at())
    ):
        message = _("Another announcement has this title on the same day: %(title)s.", title=clash)
        form.title_vi.errors = [message]
        return _form_page(announcement, form), 400
    if announcement.slug is None:  # made once: the address stays when the title changes
        announcement.slug = unique_slug(Announcement, form.title_vi.data)
    values = {field: getattr(form, field).data or None for field in EDITED}
    publishing.change(announcement, values, g.user, english_checked=form.english_checked.data)
    access.require("edit", announcement)  # also after the change: its agency may differ
    if action == "submit":
        publishing.move(announcement, publishing.IN_REVIEW, g.user)
    elif action == "publish":
        access.require("publish", announcement)
        publishing.publish(announcement, g.user, at=form.publish_at())
    db.session.commit()
    flash(str(DONE[action]))
    return redirect(url_for("announcements_staff.edit", announcement_id=announcement.id), 303)


EDITED = (
    "title_vi",
    "title_en",
    "summary_vi",
    "summary_en",
    "body_vi",
    "body_en",
    "agency_id",
    "source_url",
)
DONE = {
    "save": _l("Saved."),
    "submit": _l("Saved and sent for review."),
    "publish": _l("Published. A new public version is on the announcement's page."),
}


def _form_page(announcement, form, preview=False, withdraw_form=None):
    return render_template(
        "announcements/staff_form.html",
        announcement=announcement,
        form=form,
        preview=preview,
        withdraw_form=withdraw_form or publishing.WithdrawForm(formdata=None),
        action_form=ActionForm(),
        state=publishing.state(announcement) if announcement.id else None,
        markdown=render_markdown,
    )


@bp.route("/<int:announcement_id>/withdraw", methods=["POST"])
def withdraw(announcement_id):
    announcement = db.get_or_404(Announcement, announcement_id)
    access.require("publish", announcement)
    if not announcement.is_public(utcnow()):
        abort(400, _("Only a public announcement can be withdrawn."))
    form = publishing.WithdrawForm()
    if not form.validate_on_submit():
        shown = AnnouncementForm(formdata=None, obj=announcement)
        shown.agency_id.choices = access.agency_choices(g.user)
        return _form_page(announcement, shown, withdraw_form=form), 400
    publishing.withdraw(announcement, g.user, form.reason_vi.data, form.reason_en.data)
    db.session.commit()
    flash(_("Withdrawn. Its page now says when and why."))
    return redirect(url_for("announcements_staff.edit", announcement_id=announcement.id), 303)


@bp.route("/<int:announcement_id>/draft", methods=["POST"])
def back_to_draft(announcement_id):
    """Back to draft: one in review, or one scheduled that is not public yet."""
    announcement = db.get_or_404(Announcement, announcement_id)
    access.require("edit", announcement)
    if publishing.state(announcement) not in ("in_review", "scheduled"):
        abort(400, _("Only an announcement in review or scheduled can go back to draft."))
    if ActionForm().validate_on_submit():
        announcement.publish_at = None
        publishing.move(announcement, publishing.DRAFT, g.user)
        db.session.commit()
        flash(_("Back to draft."))
    return redirect(url_for("announcements_staff.edit", announcement_id=announcement.id), 303)
