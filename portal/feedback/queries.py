"""What the feedback pages, the staff's queue and the dashboard share: the province's
targets in working days, and "overdue", derived from them (never stored); the published
answers as the list, its counts per filter, its downloads and its feed show them, and the
answers like a title being typed; and what the citizen's form and the staff's intake
share: the sender's fields and the e-mailed receipt."""

from collections import Counter
from datetime import date, datetime, time

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import selectinload
from wtforms import RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional, Regexp

from portal import attachments, labels, listing, mail, workdays
from portal.downloads import Column
from portal.feedback import codes
from portal.i18n import current_language, format_date
from portal.indexing.sync import SearchUnavailable, get_index, read
from portal.labels import SENDER_TYPES
from portal.models import (
    Agency,
    Channel,
    Feedback,
    FeedbackEvent,
    FeedbackStatus,
    Procedure,
    Sector,
    db,
    localized,
)
from portal.text import EMAIL, PHONE, most, nfc, stripped

# The province's target for an answer, in working days from receipt, shown to the sender
# as "expected by". Decree 20/2008/NĐ-CP (amended by Decree 92/2017/NĐ-CP) and Circular
# 02/2017/TT-VPCP set how feedback is handled; this number is the province's own target,
# to be checked against its regulation before it is called a legal time limit.
ANSWER_DAYS = 10

# Working days the province office takes to accept or reject what came in (its target,
# like ANSWER_DAYS).
TRIAGE_DAYS = 3
# Not answered yet (and not rejected or withdrawn): in progress, may be overdue
OPEN = (FeedbackStatus.RECEIVED, FeedbackStatus.ACCEPTED, FeedbackStatus.ASSIGNED)


def current_agencies():
    """Every agency that exists today, as (id, name) for a select."""
    return [
        (str(agency.id), agency.name_vi)
        for agency in db.session.scalars(sa.select(Agency).order_by(Agency.name_vi))
        if agency.is_current()
    ]


def sector_choices(none):
    """Every field (lĩnh vực), as (id, name in the page's language) for a select whose
    coerce is access.chosen_id, after `none`: the choice of no field."""
    lang = current_language()
    sectors = db.session.scalars(sa.select(Sector)).all()
    named = sorted((localized(sector, "name", lang).text, sector.id) for sector in sectors)
    return [(None, none), *((sector_id, name) for name, sector_id in named)]


class SenderForm(FlaskForm):
    """Who sent it (personal data): the citizen's form and the staff's intake (staff.py)
    share these fields and their rules."""

    sender_type = RadioField(
        _l("You write as"),
        choices=[SelectChoice(key, label) for key, label in SENDER_TYPES.items()],
        default="citizen",
        validators=[DataRequired(_l("Say whether you write as a citizen, a business or an "
                                     "organisation."))],
    )  # fmt: skip
    sender_name = StringField(
        _l("Your name (or your business's)"),
        filters=[stripped, nfc],
        validators=[DataRequired(_l("Enter your name.")), most(200)],
    )
    sender_phone = StringField(
        _l("Phone (optional)"),
        filters=[stripped],
        validators=[
            Optional(),
            most(60),
            Regexp(PHONE, message=_l("A number has digits, and may have spaces, dots or dashes.")),
        ],
    )
    sender_email = StringField(
        _l("E-mail (optional)"),
        description=_l("We send the receipt and the answer here."),
        filters=[stripped],
        validators=[
            Optional(),
            most(254),
            Regexp(EMAIL, message=_l("Enter an e-mail address like ten@example.com.")),
        ],
    )
    sender_address = StringField(
        _l("Address (optional)"), filters=[stripped, nfc], validators=[most(300)]
    )


def receive(form, actor, note=None, **values):
    """A new feedback from a SenderForm's sender and `values` (channel, day, agency, field,
    title, content…; without a field, that of its first procedure), with its tracking
    code, its first step ("received" by `actor`) and the form's file; flushed, not
    committed. Returns (feedback, code): the code is shown once, only its hash is kept."""
    code = codes.new()
    if values.get("sector_id") is None and values.get("procedure_codes"):
        values["sector_id"] = db.session.scalar(
            sa.select(Procedure.sector_id).where(Procedure.code == values["procedure_codes"][0])
        )
    item = Feedback(
        code_hash=codes.digest(code.replace("-", "")),
        sender_type=form.sender_type.data,
        sender_name=form.sender_name.data,
        sender_phone=form.sender_phone.data or None,
        sender_email=form.sender_email.data or None,
        sender_address=form.sender_address.data or None,
        language=current_language(),
        **values,
    )
    db.session.add(item)
    db.session.flush()
    item.events.append(FeedbackEvent(actor=actor, to_status=FeedbackStatus.RECEIVED, note=note))
    if form.file.data:
        attachments.attach(form.file.data, item, actor)
    return item, code


def mail_receipt(item, code):
    """The receipt, to the address the sender gave: "sent", "failed" or "none" (the
    citizen's form and the staff's intake send it)."""
    if not item.sender_email or not mail.configured():
        return "none"
    due = answer_due(item)[0]
    body = "\n\n".join(
        [
            _("Your feedback was received on %(date)s.", date=format_date(item.received_on)),
            f"{_('Title')}: {item.title}",
            f"{_('Your tracking code:')} {code}",
            _("An answer is expected by %(date)s.", date=format_date(due)),
            _("Follow it at %(url)s", url=url_for("feedback.status", _external=True)),
        ]
    )
    subject = _("Feedback received: %(title)s", title=item.title[:80])
    return "sent" if mail.send(item.sender_email, subject, body) else "failed"


def answer_due(item, cal=None):
    """The day the province aims to answer by: ANSWER_DAYS working days after receipt."""
    cal = cal or workdays.calendar()
    return cal.add_working_days(item.received_on, ANSWER_DAYS), ANSWER_DAYS


def triage_due(item, cal=None):
    """The day the province office aims to accept or reject it by."""
    return (cal or workdays.calendar()).add_working_days(item.received_on, TRIAGE_DAYS)


def overdue(item, today=None, cal=None):
    """Derived, never stored: past the target of the stage it is in."""
    today = today or workdays.today()
    if item.status == FeedbackStatus.RECEIVED:
        return triage_due(item, cal) < today
    if item.status in OPEN:
        return answer_due(item, cal)[0] < today
    return False


def answered_about(code, limit=10):
    """Published answers that name the procedure `code`, newest first (its page lists them)."""
    return db.session.scalars(
        sa.select(Feedback)
        .where(Feedback.status == FeedbackStatus.PUBLISHED, _names(code))
        .order_by(Feedback.published_on.desc(), Feedback.id.desc())
        .limit(limit)
    ).all()


def figures(agency):
    """How many were assigned to the agency, answered (published or not) and published."""
    rows = dict(
        db.session.execute(
            sa.select(Feedback.status, sa.func.count(Feedback.id))
            .where(Feedback.assigned_agency_id == agency.id)
            .group_by(Feedback.status)
        ).all()
    )
    published = rows.get(FeedbackStatus.PUBLISHED, 0)
    answered = rows.get(FeedbackStatus.ANSWERED, 0) + published
    return {
        "assigned": sum(rows.values()),
        "answered": answered,
        "published": published,
        "open": sum(rows.get(status, 0) for status in OPEN),
    }


MEASURES = (
    "received",
    "rejected",
    "answered",
    "on_time",
    "published",
    "in_progress",
    "overdue",
    "withdrawn",
)
STATISTICS_COLUMNS = (
    Column("year", _l("Year")),
    Column("agency", _l("Agency")),
    *(Column(measure, labels.FEEDBACK_MEASURES[measure]) for measure in MEASURES),
)


def statistics(year=None, today=None):
    """Counts per year (all years) and per assigned agency (one year, or all), as rows of
    dicts in MEASURES: received, not in scope, answered (published or not), answered
    within the target, published, in progress, in progress past its target, withdrawn by
    the sender (received = not in scope + answered + in progress + withdrawn)."""
    today = today or workdays.today()
    cal = workdays.calendar()
    items = db.session.scalars(sa.select(Feedback).order_by(Feedback.received_on)).all()
    by_year, by_agency = {}, {}
    for item in items:
        counts = _counts_of(item, cal, today)
        _add(by_year, item.received_on.year, counts)
        if year is None or item.received_on.year == year:
            _add(by_agency, item.assigned_agency_id, counts)
    return by_year, by_agency


def _counts_of(item, cal, today):
    due = answer_due(item, cal)[0]
    answered = item.status in (FeedbackStatus.ANSWERED, FeedbackStatus.PUBLISHED)
    return {
        "received": 1,
        "rejected": int(item.status == FeedbackStatus.REJECTED),
        "answered": int(answered),
        "on_time": int(answered and item.answered_on is not None and item.answered_on <= due),
        "published": int(item.status == FeedbackStatus.PUBLISHED),
        "in_progress": int(item.status in OPEN),
        "overdue": int(overdue(item, today, cal)),
        "withdrawn": int(item.status == FeedbackStatus.WITHDRAWN),
    }


def _add(table, key, counts):
    row = table.setdefault(key, dict.fromkeys(MEASURES, 0))
    for measure, n in counts.items():
        row[measure] += n


SORTS = {
    "newest": (Feedback.published_on.desc(), Feedback.id.desc()),
    "oldest": (Feedback.published_on, Feedback.id),
}
# The answers' download: its JSON keys, its CSV headers and labels in the page's language.
ANSWER_COLUMNS = (
    Column("title", _l("Title")),
    Column("question", _l("Question")),
    Column("answer_vi", _l("Answer (Vietnamese)")),
    Column("answer_en", _l("Answer (English)")),
    Column("agency", _l("Answering agency")),
    Column("field", _l("Field")),
    Column("channel", _l("Received through"), labels.FEEDBACK_CHANNELS),
    Column("procedures", _l("Procedures"), text=True),  # codes: "1.013950" is no number
    Column("received_on", _l("Received on")),
    Column("answered_on", _l("Answered on")),
    Column("published_on", _l("Published on")),
    Column("working_days", _l("Working days taken")),
    Column("within_target", _l("Within the target")),
    Column("url", _l("Page on this portal")),
)


class Answers:
    """The published answers matching `filters` (agency slug, field slug, year received,
    channel, procedure code, answered within the target or later) and the text `q`, as the
    list, its downloads and its feed show them; and, for each filter, how many each of its
    values would give with the others applied.

    The text is matched by the search engine (best first), or by a plain match of the
    public title and question until an index exists."""

    def __init__(self, filters, q=""):
        self.filters, self.q = filters, q
        self._all_timeliness = None
        self.ranked = listing.ranked_ids(q, "feedback") if q else None

    def conditions(self, skip=None):
        """The WHERE of the list, without the filter `skip` (a facet counts without its own)."""
        f, where = self.filters, [Feedback.status == FeedbackStatus.PUBLISHED]
        if self.q and self.ranked is None:
            where.append(
                sa.or_(
                    Feedback.public_title.icontains(self.q, autoescape=True),
                    Feedback.public_question.icontains(self.q, autoescape=True),
                )
            )
        elif self.q:
            where.append(Feedback.id.in_(self.ranked) if self.ranked else sa.false())
        if f.get("agency") and skip != "agency":
            agency = sa.select(Agency.id).where(Agency.slug == f["agency"]).correlate(None)
            where.append(Feedback.answer_agency_id.in_(agency))
        if f.get("field") and skip != "field":
            sector = sa.select(Sector.id).where(Sector.slug == f["field"]).correlate(None)
            where.append(Feedback.sector_id.in_(sector))
        if f.get("year") and skip != "year":
            year = int(f["year"])
            where += [
                Feedback.received_on >= date(year, 1, 1),
                Feedback.received_on < date(year + 1, 1, 1),
            ]
        if f.get("channel") and skip != "channel":
            where.append(Feedback.channel == f["channel"])
        if f.get("procedure") and skip != "procedure":
            where.append(_names(f["procedure"]))
        if f.get("timeliness") and skip != "timeliness":
            ids = [
                i for i, timeliness in self._timeliness().items() if timeliness == f["timeliness"]
            ]
            where.append(Feedback.id.in_(ids))
        return where

    def _timeliness(self, where=()):
        """{id: "on_time" or "late"} of the published answers (with `where`): due dates are
        in working days, which SQL cannot count, so they are counted here."""
        if not where and self._all_timeliness is not None:
            return self._all_timeliness
        cal, found = workdays.calendar(), {}
        rows = db.session.execute(
            sa.select(Feedback.id, Feedback.received_on, Feedback.answered_on).where(
                Feedback.status == FeedbackStatus.PUBLISHED, *where
            )
        )
        for row in rows:
            due = answer_due(row, cal)[0]
            found[row.id] = "on_time" if row.answered_on and row.answered_on <= due else "late"
        if not where:
            self._all_timeliness = found
        return found

    def select(self, sort=None):
        """The list, best first when searching, else by `sort` (newest first by default)."""
        sort = sort or self.filters.get("sort")
        query = sa.select(Feedback).where(*self.conditions())
        if self.ranked and not sort:
            return query.order_by(listing.rank_order(Feedback.id, self.ranked))
        return query.order_by(*SORTS[sort or "newest"])

    def facets(self):
        """{filter: [(value, label, count)]}: the values published answers have, each with
        how many the list would hold were it chosen (the other filters kept); one query
        per filter. Values that would give none are left out, except the chosen one."""
        year = sa.extract("year", Feedback.received_on)
        published = Feedback.status == FeedbackStatus.PUBLISHED
        agencies = db.session.execute(
            sa.select(Agency.slug, Agency.name_vi, self._kept("agency"))
            .join(Feedback, Feedback.answer_agency_id == Agency.id)
            .where(published)
            .group_by(Agency.slug, Agency.name_vi)
            .order_by(Agency.name_vi)
        ).all()
        sectors = db.session.execute(
            sa.select(Sector.slug, Sector.name_vi, Sector.name_en, self._kept("field"))
            .join(Feedback, Feedback.sector_id == Sector.id)
            .where(published)
            .group_by(Sector.slug, Sector.name_vi, Sector.name_en)
            .order_by(Sector.name_vi)
        ).all()
        channels = dict(
            db.session.execute(
                sa.select(Feedback.channel, self._kept("channel"))
                .where(published)
                .group_by(Feedback.channel)
            ).all()
        )
        years = db.session.execute(
            sa.select(year, self._kept("year"))
            .where(published)
            .group_by(year)
            .order_by(year.desc())
        ).all()
        facets = {
            "agency": [(slug, name, n) for slug, name, n in agencies],
            "field": [(row.slug, row, row[-1]) for row in sectors],
            "channel": [(str(c), str(c), channels[c]) for c in Channel if c in channels],
            "year": [(str(int(y)), str(int(y)), n) for y, n in years],
            "procedure": self._procedures(),
            "timeliness": [
                (key, key, n)
                for key, n in sorted(
                    Counter(self._timeliness(self.conditions(skip="timeliness")).values()).items(),
                    key=lambda pair: pair[0] != "on_time",
                )
            ],
        }
        for name, items in facets.items():
            chosen = self.filters.get(name)
            facets[name] = [item for item in items if item[2] or item[0] == chosen]
            if chosen and chosen not in (item[0] for item in facets[name]):
                facets[name].append((chosen, None, 0))  # no published answer has it
        return facets

    def _kept(self, skip):
        """How many of a group's published answers the other filters keep."""
        return sa.func.sum(sa.case((sa.and_(*self.conditions(skip=skip)), 1), else_=0))

    def _procedures(self):
        """Per procedure code, most answers first, labelled by the procedure (name_vi and
        name_en). The codes are a JSON list: counted here, read in one query."""
        kept = sa.case((sa.and_(*self.conditions(skip="procedure")), 1), else_=0)
        rows = db.session.execute(
            sa.select(Feedback.procedure_codes, kept).where(
                Feedback.status == FeedbackStatus.PUBLISHED
            )
        ).all()
        counts = Counter()
        for named, n in rows:
            for code in set(named or ()):
                counts[code] += n
        procedures = {
            row.code: row
            for row in db.session.execute(
                sa.select(Procedure.code, Procedure.name_vi, Procedure.name_en).where(
                    Procedure.code.in_(list(counts))
                )
            )
        }
        ordered = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
        return [(code, procedures.get(code), n) for code, n in ordered]


SIMILAR = 5  # answers shown on the form as like the title typed


def similar(title, limit=SIMILAR):
    """Published answers like `title`, best first, found by the search engine: those
    holding all its words, then those holding the most, down to half of them (fewer is
    chance: "giấy" alone is in half the titles). None before an index exists; only
    published ones, whatever an index not yet in step says."""
    text = listing.clean_query(title)[: listing.MAX_QUERY_LENGTH]
    if not text or listing.query_problem(text) or not get_index().exists():
        return []
    try:
        results = read(
            lambda index: index.search(
                text, lang=current_language(), types=["feedback"], per_page=limit
            )
        )
    except SearchUnavailable:
        return []
    words = len(text.split())
    ids = [int(hit.id) for hit in results.hits if len(hit.missing_terms) * 2 <= words]
    found = {
        item.id: item
        for item in db.session.scalars(
            sa.select(Feedback).where(
                Feedback.id.in_(ids), Feedback.status == FeedbackStatus.PUBLISHED
            )
        )
    }
    return [found[i] for i in ids if i in found]


def _names(code):
    """The answer names the procedure `code` (its codes are a JSON list)."""
    return sa.cast(Feedback.procedure_codes, sa.String).like(f'%"{code}"%')


def answer_rows(query):
    """The export's rows: the public version only, never the sender."""
    cal = workdays.calendar()
    loaded = query.options(selectinload(Feedback.answer_agency), selectinload(Feedback.sector))
    for item in db.session.scalars(loaded):
        due = answer_due(item, cal)[0]
        yield {
            "title": item.public_title,
            "question": item.public_question,
            "answer_vi": item.answer_vi,
            "answer_en": item.answer_en or "",
            "agency": item.answer_agency.name_vi if item.answer_agency else "",
            "field": item.sector.name_vi if item.sector else "",
            "channel": str(item.channel),
            "procedures": " ".join(item.procedure_codes),
            "received_on": item.received_on.isoformat(),
            "answered_on": item.answered_on.isoformat() if item.answered_on else "",
            "published_on": item.published_on.isoformat() if item.published_on else "",
            "working_days": cal.working_days_between(item.received_on, item.answered_on)
            if item.answered_on
            else "",
            "within_target": bool(item.answered_on and item.answered_on <= due),
            "url": url_for("feedback.detail", feedback_id=item.id, _external=True),
        }


# The feed holds the newest answers of the list: a reader polls it for what is new.
FEED_ENTRIES = 50


def feed_entries(answers, lang):
    """The Atom feed's entries (portal/downloads.py), newest published first: the public
    version only, never the sender. An answer's content is in `lang` when it has it."""
    query = answers.select(sort="newest").limit(FEED_ENTRIES)
    for item in db.session.scalars(query.options(selectinload(Feedback.answer_agency))):
        url = url_for("feedback.detail", feedback_id=item.id, lang=lang, _external=True)
        answer = localized(item, "answer", lang)
        yield {
            "id": url,
            "link": url,
            # The public title and question are moderated in Vietnamese only.
            "title": (item.public_title, "vi"),
            "summary": (item.public_question, "vi"),
            "content": (answer.text, answer.lang),
            "updated": datetime.combine(item.published_on, time(), workdays.VIETNAM),
            "author": (item.answer_agency.name_vi, "vi") if item.answer_agency else None,
        }
