"""What the inspection pages, exports, feeds and API share: finders, overdue rules,
scorecards.

The HTML pages, their CSV/JSON exports and their Atom feeds call the same finders, so they
cannot disagree.
The text box goes through the site's search engine (accentless, ranked); until an index
exists it falls back to a plain case-insensitive match in the database.
"""

import re
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import url_for
from flask_babel import get_translations
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal import labels, listing, workdays
from portal.downloads import FEED_ENTRIES, Column, feed_day, in_language
from portal.i18n import current_language, format_date, format_number
from portal.models import (
    OVERDUE,
    SLUG,
    STATUSES,
    Agency,
    ContentStatus,
    Finding,
    FindingStatus,
    InspectedUnit,
    Inspection,
    InspectionPlan,
    InspectionTopic,
    Level,
    Role,
    Topic,
    db,
    localized,
    utcnow,
)
from portal.text import plain_text
from portal.workdays import due_date, overdue_cutoff

LEVELS = ("province", "district", "commune")
SLUG_RE = re.compile(SLUG)
INSPECTION_SORTS = {
    "newest": (Inspection.started_on.desc(), Inspection.id.desc()),
    "oldest": (Inspection.started_on, Inspection.id),
    "title": (Inspection.title_vi, Inspection.id),
}
FINDING_SORTS = {
    "deadline": (Finding.deadline.is_(None), Finding.deadline, Finding.id),
    "newest": (Inspection.started_on.desc(), Finding.inspection_id.desc(), Finding.position),
    "unit": (Agency.name_vi, Finding.deadline, Finding.id),
}


# What the public reads: published inspections whose time has come, and withdrawn ones,
# which stay listed, marked; a withdrawn one's findings no longer count anywhere.


def is_public():
    """Published and its time has come (a scheduled one is public from publish_at, in every
    worker, with no job to run)."""
    return sa.and_(
        Inspection.status == ContentStatus.PUBLISHED,
        sa.or_(Inspection.publish_at.is_(None), Inspection.publish_at <= utcnow()),
    )


def listed():
    """The public list's inspections: those in force and those withdrawn."""
    return sa.or_(is_public(), Inspection.status == ContentStatus.WITHDRAWN)


def of_public_inspection():
    """SQL for "the finding is part of a public inspection"."""
    return Finding.inspection_id.in_(sa.select(Inspection.id).where(is_public()))


def release_due():
    """Tell the search index about scheduled inspections whose time has come (each touched
    once; the change log does the rest). Pages do not wait for this. Returns how many."""
    due = db.session.scalars(
        sa.select(Inspection).where(
            Inspection.status == ContentStatus.PUBLISHED,
            Inspection.publish_at <= utcnow(),
            Inspection.released_at.is_(None),
        )
    ).all()
    for inspection in due:
        inspection.released_at = utcnow()
    if due:
        db.session.commit()
    return len(due)


@dataclass
class Filters(listing.Filters):
    """The inspection list's filters; a finding filter matches through any of its findings."""

    year: str = ""
    plan: str = ""
    unit: str = ""
    level: str = ""
    topic: str = ""
    status: str = ""

    FACETS = ("year", "plan", "unit", "level", "topic", "status")
    CHOICES = {"level": LEVELS, "topic": [t.value for t in Topic], "status": STATUSES}
    SORTS = INSPECTION_SORTS

    @classmethod
    def problems(cls, values):
        problems = []
        if values["year"] and listing.whole_number(values["year"], 1000, 9999) is None:
            problems.append(_l("The year must be four digits, like 2017."))
        if values["unit"] and not SLUG_RE.fullmatch(values["unit"]):
            problems.append(listing.invalid("unit", values["unit"]))
        if len(values["plan"]) > 80:
            problems.append(_l("The plan number is too long: at most %(max)s characters.", max=80))
        return problems


class FindingFilters(Filters):
    """The findings table's filters: the same, sorted by deadline by default."""

    SORTS = FINDING_SORTS


class _Base:
    """Conditions and facet counts shared by both finders.

    `ranked`: the ids the search engine matched for the text box, best first; None when
    there is no query, or no index yet (then `text_columns` are matched in the database).
    """

    def __init__(self, filters, today=None):
        self.filters = filters
        self.id_column = self.model.id
        self.ranked = listing.ranked_ids(filters.q, self.kind) if filters.q else None
        cal = workdays.calendar()
        self.today = today or workdays.today()
        self.status = status_expression(workdays.overdue_cutoff(self.today, cal))

    def _text_conditions(self):
        if not self.filters.q:
            return []
        if self.ranked is not None:
            return [self.id_column.in_(self.ranked)]
        # Lowered here too: SQLite's lower() leaves letters like "Ú" as they are.
        return [
            sa.or_(*(column.icontains(word, autoescape=True) for column in self.text_columns))
            for word in self.filters.q.lower().split()
        ]

    def _order(self, sorts):
        """ORDER BY for the chosen sort; by relevance, the engine's order."""
        sort = self.filters.sort
        if sort != "relevance":
            return sorts[sort]
        if not self.ranked:  # no index yet: the usual order
            return sorts[next(iter(sorts))]
        return (listing.rank_order(self.id_column, self.ranked), self.id_column)

    def _count(self, session, name, key, label=None, join=()):
        """Counts of matching rows per value of `key`, with this facet's own filter ignored."""
        ids = sa.select(self.id_column).where(*self.conditions(skip=name))
        query = sa.select(
            key, *([label] if label is not None else []), sa.func.count(sa.distinct(self.id_column))
        )
        query = query.select_from(self.id_column.table)
        for target, on in join:
            query = query.join(target, on)
        query = query.where(self.id_column.in_(ids)).group_by(
            key, *([label] if label is not None else [])
        )
        return [
            (str(row[0]), row[1] if label is not None else str(row[0]), row[-1])
            for row in session.execute(query).all()
            if row[0] is not None
        ]


class InspectionFinder(_Base):
    """Inspections matching the filters; a finding filter matches through any of its findings."""

    model = Inspection
    kind = "inspection"
    text_columns = (Inspection.title_vi, Inspection.title_en)

    def conditions(self, skip=None):
        f = self.filters
        where = [listed(), *self._text_conditions()]
        if f.year and skip != "year":
            where.append(Inspection.year == int(f.year))
        if f.plan and skip != "plan":
            where.append(
                Inspection.plan_id.in_(
                    sa.select(InspectionPlan.id).where(InspectionPlan.number == f.plan)
                )
            )
        if f.unit and skip != "unit":
            where.append(
                Inspection.id.in_(
                    sa.select(InspectedUnit.inspection_id)
                    .join(Agency, Agency.id == InspectedUnit.agency_id)
                    .where(Agency.slug == f.unit)
                )
            )
        if f.level and skip != "level":
            where.append(
                Inspection.id.in_(
                    sa.select(InspectedUnit.inspection_id)
                    .join(Agency, Agency.id == InspectedUnit.agency_id)
                    .where(Agency.level == f.level)
                )
            )
        if f.topic and skip != "topic":
            where.append(
                Inspection.id.in_(
                    sa.select(InspectionTopic.inspection_id).where(InspectionTopic.topic == f.topic)
                )
            )
        if f.status and skip != "status":
            where.append(
                Inspection.id.in_(sa.select(Finding.inspection_id).where(self.status == f.status))
            )
        return where

    def select(self):
        return (
            sa.select(Inspection).where(*self.conditions()).order_by(*self._order(INSPECTION_SORTS))
        )

    def facets(self, session):
        """{facet: [(value, label, count)]}; zeros left out."""
        unit = (
            (InspectedUnit, InspectedUnit.inspection_id == Inspection.id),
            (Agency, Agency.id == InspectedUnit.agency_id),
        )
        return _ordered(
            {
                "year": self._count(session, "year", Inspection.year),
                "plan": self._count(
                    session,
                    "plan",
                    InspectionPlan.number,
                    InspectionPlan.year,
                    join=((InspectionPlan, InspectionPlan.id == Inspection.plan_id),),
                ),
                "unit": _agencies(session, self._count(session, "unit", Agency.slug, join=unit)),
                "level": self._count(session, "level", Agency.level, join=unit),
                "topic": self._count(
                    session,
                    "topic",
                    InspectionTopic.topic,
                    join=((InspectionTopic, InspectionTopic.inspection_id == Inspection.id),),
                ),
                "status": self._count(
                    session,
                    "status",
                    self.status,
                    join=((Finding, Finding.inspection_id == Inspection.id),),
                ),
            }
        )


class FindingFinder(_Base):
    """Findings matching the filters, each with its derived status."""

    model = Finding
    kind = "finding"
    text_columns = (
        Finding.text_vi,
        Finding.text_en,
        Finding.recommendation_vi,
        Finding.recommendation_en,
    )

    def conditions(self, skip=None):
        f = self.filters
        where = [of_public_inspection(), *self._text_conditions()]
        if f.year and skip != "year":
            where.append(
                Finding.inspection_id.in_(
                    sa.select(Inspection.id).where(Inspection.year == int(f.year))
                )
            )
        if f.plan and skip != "plan":
            where.append(
                Finding.inspection_id.in_(
                    sa.select(Inspection.id)
                    .join(InspectionPlan)
                    .where(InspectionPlan.number == f.plan)
                )
            )
        if f.unit and skip != "unit":
            where.append(Finding.agency_id.in_(sa.select(Agency.id).where(Agency.slug == f.unit)))
        if f.level and skip != "level":
            where.append(Finding.agency_id.in_(sa.select(Agency.id).where(Agency.level == f.level)))
        if f.topic and skip != "topic":
            where.append(Finding.topic == f.topic)
        if f.status and skip != "status":
            where.append(self.status == f.status)
        return where

    def select(self):
        """(Finding, status) rows in the chosen order."""
        return (
            sa.select(Finding, self.status.label("derived_status"))
            .join(Inspection, Inspection.id == Finding.inspection_id)
            .join(Agency, Agency.id == Finding.agency_id)
            .where(*self.conditions())
            .order_by(*self._order(FINDING_SORTS))
        )

    def facets(self, session):
        inspection = ((Inspection, Inspection.id == Finding.inspection_id),)
        agency = ((Agency, Agency.id == Finding.agency_id),)
        return _ordered(
            {
                "year": self._count(session, "year", Inspection.year, join=inspection),
                "plan": self._count(
                    session,
                    "plan",
                    InspectionPlan.number,
                    InspectionPlan.year,
                    join=(*inspection, (InspectionPlan, InspectionPlan.id == Inspection.plan_id)),
                ),
                "unit": _agencies(session, self._count(session, "unit", Agency.slug, join=agency)),
                "level": self._count(session, "level", Agency.level, join=agency),
                "topic": self._count(session, "topic", Finding.topic),
                "status": self._count(session, "status", self.status),
            }
        )


class InspectionFindings(FindingFinder):
    """One inspection's findings, for its page's own download: the findings table's rows
    and order, narrowed to it."""

    def __init__(self, inspection, today=None):
        super().__init__(FindingFilters.from_args({}), today)
        self.inspection_id = inspection.id

    def conditions(self, skip=None):
        return [*super().conditions(skip), Finding.inspection_id == self.inspection_id]


def _agencies(session, items):
    """Unit facet items with the agency itself as the label (shown in the reader's language)."""
    found = {
        a.slug: a
        for a in session.scalars(
            sa.select(Agency).where(Agency.slug.in_([value for value, _, _ in items]))
        )
    }
    return [(value, found[value], count) for value, _, count in items]


def _ordered(facets):
    """Years newest first, levels and topics and statuses in their own order, units by name."""
    orders = {
        "level": [lv.value for lv in Level],
        "topic": [t.value for t in Topic],
        "status": list(STATUSES),
    }
    facets["year"].sort(key=lambda item: item[0], reverse=True)
    facets["plan"].sort(key=lambda item: (-int(item[1]), item[0]))
    facets["unit"].sort(key=lambda item: item[1].name_vi)
    for name, order in orders.items():
        facets[name].sort(key=lambda item, order=order: order.index(item[0]))
    return facets


# Overdue and on time: the one rule, in SQL for lists and in Python for a loaded finding.


def status_expression(cutoff):
    """SQL for a finding's status with "overdue" derived from its deadline."""
    return sa.case(
        (sa.and_(Finding.status != FindingStatus.DONE, Finding.deadline <= cutoff), OVERDUE),
        else_=sa.type_coerce(Finding.status, sa.String(20)),
    )


def of_agency(agency_id):
    """SQL for "this agency answers for the finding": the responsible one, or the unit
    itself when none is named (as access.owners() says)."""
    return sa.or_(
        Finding.responsible_id == agency_id,
        sa.and_(Finding.responsible_id.is_(None), Finding.agency_id == agency_id),
    )


STAFF_STATES = ("open", OVERDUE, "all")


def for_staff(user, state):
    """The findings `user` reports on, overdue first then by deadline: an officer's agency's,
    every finding for editors and admins. `state`: "open" (not done), "overdue" or "all"."""
    cutoff = overdue_cutoff(workdays.today(), workdays.calendar())
    query = sa.select(Finding).order_by(
        (status_expression(cutoff) != OVERDUE), Finding.deadline.is_(None), Finding.deadline
    )
    query = query.where(of_public_inspection())  # a report follows a published conclusion
    if user.role == Role.OFFICER:
        query = query.where(of_agency(user.agency_id))
    if state == "open":
        query = query.where(Finding.status != FindingStatus.DONE)
    elif state == OVERDUE:
        query = query.where(status_expression(cutoff) == OVERDUE)
    return query.order_by(Finding.id)


def status_of(finding, on, cal):
    """A finding's status on a day: what the unit reported, or overdue past the deadline.

    The same rule as `status_expression()`, for one finding already loaded.
    """
    done = finding.status == FindingStatus.DONE
    if not done and finding.deadline is not None and finding.deadline <= overdue_cutoff(on, cal):
        return OVERDUE
    return str(finding.status)


def working_days_late(finding, on, cal):
    """Working days past the deadline: until it was done, or until `on` while open."""
    due = due_date(finding.deadline, cal)
    if due is None:
        return 0
    end = finding.resolved_on if finding.status == FindingStatus.DONE else on
    if end is None or end <= due:
        return 0
    return cal.working_days_between(due, end)


def outcome(finding, on, cal):
    """For scorecards: "on_time", "late" (done after the deadline) or "open" (not done yet)."""
    if finding.status != FindingStatus.DONE:
        return "open"
    return "late" if working_days_late(finding, on, cal) else "on_time"


# Scorecards: a unit's record over the years, fixed on time, late, or still open.


@dataclass
class Row:
    """A finding as a scorecard shows it."""

    finding: Finding
    status: str
    outcome: str  # on_time, late, open
    days_late: int


@dataclass
class Scorecard:
    inspections: list
    rows: list = field(default_factory=list)
    totals: Counter = field(default_factory=Counter)
    by_topic: dict = field(default_factory=dict)


def rate(finding, on, cal):
    """One finding's status, outcome and working days late."""
    return Row(
        finding,
        status_of(finding, on, cal),
        outcome(finding, on, cal),
        working_days_late(finding, on, cal),
    )


def _priority(row):
    """Overdue first (longest overdue first), then other open ones, then the done ones."""
    rank = 0 if row.status == OVERDUE else 1 if row.outcome == "open" else 2
    deadline = row.finding.deadline.toordinal() if row.finding.deadline else 10**7
    return (rank, deadline, row.finding.id)


def scorecard(agency, on=None):
    """Every inspection of `agency`, and its findings counted per outcome and per topic."""
    on = on or workdays.today()
    cal = workdays.calendar()
    inspections = db.session.scalars(
        sa.select(Inspection)
        .join(InspectedUnit)
        .where(InspectedUnit.agency_id == agency.id, is_public())
        .order_by(Inspection.started_on.desc())
    ).all()
    findings = db.session.scalars(
        sa.select(Finding)
        .where(Finding.agency_id == agency.id, of_public_inspection())
        .options(selectinload(Finding.public_follow_ups), selectinload(Finding.inspection))
    ).all()
    card = Scorecard(inspections)
    card.rows = sorted((rate(f, on, cal) for f in findings), key=_priority)
    for row in card.rows:
        counts = card.by_topic.setdefault(row.finding.topic, Counter())
        for counter in (card.totals, counts):
            counter["total"] += 1
            counter[row.outcome] += 1
            counter[OVERDUE] += row.status == OVERDUE
    card.by_topic = {t: card.by_topic[t] for t in Topic if t in card.by_topic}
    return card


def summary(agency):
    """For the agency page: how the unit's inspections came out, or None if never inspected."""
    card = scorecard(agency)
    return card if card.inspections else None


# The rows of the lists' CSV and JSON downloads (streamed by portal.downloads).


# Their JSON keys, and their CSV headers and labels in the page's language. A document's
# number is kept as text: "12/2017" would be a date to a spreadsheet.
INSPECTION_COLUMNS = (
    Column("slug", _l("Identifier")),
    Column("title", _l("Title")),
    Column("plan", _l("Inspection plan"), text=True),
    Column("year", _l("Year")),
    Column("started_on", _l("Started on")),
    Column("ended_on", _l("Ended on")),
    Column("units", _l("Inspected units")),
    Column("topics", _l("Topics"), labels.TOPICS, sep=" "),
    Column("conclusion_number", _l("Conclusion number"), text=True),
    Column("conclusion_signed_on", _l("Date the conclusion was signed")),
    Column("conclusion_published_on", _l("Date the conclusion was published")),
    Column("findings", _l("Number of findings")),
    Column("overdue", _l("Findings overdue")),
    Column("url", _l("Page on this portal")),
)
# Everything the findings table and the inspection's page say of a finding.
FINDING_COLUMNS = (
    Column("inspection", _l("Inspection")),
    Column("year", _l("Year")),
    Column("plan", _l("Inspection plan"), text=True),
    Column("conclusion_number", _l("Conclusion number"), text=True),
    Column("number", _l("Finding number")),
    Column("ref", _l("Reference"), text=True),
    Column("unit", _l("Inspected unit")),
    Column("topic", _l("Topic"), labels.TOPICS),
    Column("finding", _l("Finding")),
    Column("recommendation", _l("Recommendation")),
    Column("responsible", _l("Responsible")),
    Column("deadline", _l("Deadline")),
    Column("status", _l("Status"), labels.FINDING_STATUSES),
    Column("resolved_on", _l("Resolved on")),
    Column("outcome", _l("Outcome"), labels.OUTCOMES),
    Column("working_days_late", _l("Working days late")),
    Column("working_days_overdue", _l("Working days overdue")),
    Column("last_follow_up", _l("Last follow-up")),
    Column("last_follow_up_on", _l("Date of the last follow-up")),
    Column("url", _l("Page on this portal")),
)


def _text(record, field):
    return localized(record, field, current_language()).text if record else ""


def inspection_rows(finder):
    """Every matching inspection as a flat dict, read in batches."""
    query = (
        finder.select()
        .options(
            selectinload(Inspection.plan),
            selectinload(Inspection.topic_links),
            selectinload(Inspection.units).joinedload(InspectedUnit.agency),
            selectinload(Inspection.findings),
        )
        .execution_options(yield_per=200)
    )
    cal, on = workdays.calendar(), finder.today
    for inspection in db.session.scalars(query):
        statuses = [status_of(f, on, cal) for f in inspection.findings]
        yield {
            "slug": inspection.slug,
            "title": _text(inspection, "title"),
            "plan": inspection.plan.number if inspection.plan else "",
            "year": inspection.year,
            "started_on": inspection.started_on.isoformat(),
            "ended_on": inspection.ended_on.isoformat(),
            "units": "; ".join(_text(u.agency, "name") for u in inspection.units),
            "topics": " ".join(inspection.topics),
            "conclusion_number": inspection.conclusion_number or "",
            "conclusion_signed_on": _iso(inspection.conclusion_signed_on),
            "conclusion_published_on": _iso(inspection.conclusion_published_on),
            "findings": len(statuses),
            "overdue": statuses.count(OVERDUE),
            "url": url_for("inspections.detail", slug=inspection.slug, _external=True),
        }


def finding_rows(finder):
    """Every matching finding as a flat dict, in the page's order."""
    query = finder.select().options(
        selectinload(Finding.public_follow_ups),
        selectinload(Finding.inspection).selectinload(Inspection.plan),
        selectinload(Finding.agency),
        selectinload(Finding.responsible),
    )
    cal, on = workdays.calendar(), finder.today
    query = query.add_columns(_finding_number()).execution_options(yield_per=500)
    for finding, status, number in db.session.execute(query):
        last, inspection = finding.last_follow_up, finding.inspection
        late = working_days_late(finding, on, cal)
        yield {
            "inspection": _text(inspection, "title"),
            "year": inspection.year,
            "plan": inspection.plan.number if inspection.plan else "",
            "conclusion_number": inspection.conclusion_number or "",
            "number": number,
            "ref": finding.ref,
            "unit": _text(finding.agency, "name"),
            "topic": str(finding.topic),
            "finding": _text(finding, "text"),
            "recommendation": _text(finding, "recommendation"),
            "responsible": _text(finding.responsible, "name"),
            "deadline": _iso(finding.deadline),
            "status": status,
            "resolved_on": _iso(finding.resolved_on),
            "outcome": outcome(finding, on, cal),
            "working_days_late": late,
            "working_days_overdue": late if status == OVERDUE else "",
            "last_follow_up": _text(last, "text"),
            "last_follow_up_on": _iso(last.reported_on) if last else "",
            "url": url_for(
                "inspections.detail",
                slug=inspection.slug,
                _anchor=f"finding-{finding.id}",
                _external=True,
            ),
        }


def _finding_number():
    """A finding's number on its inspection's page ("Finding 2"): its place among the
    inspection's findings, in their order."""
    other = sa.orm.aliased(Finding)
    before = sa.or_(
        other.position < Finding.position,
        sa.and_(other.position == Finding.position, other.id <= Finding.id),
    )
    return (
        sa.select(sa.func.count(other.id))
        .where(other.inspection_id == Finding.inspection_id, before)
        .correlate(Finding)
        .scalar_subquery()
        .label("number")
    )


def _iso(day):
    return day.isoformat() if day else ""


# The lists' Atom feeds (written by portal.downloads), in the page's language `lang`.


# The day an inspection was made public: its conclusion's publication here, else its
# signing, else (no conclusion yet) the end of the visit.
PUBLIC_DAY = sa.func.coalesce(
    Inspection.conclusion_published_on, Inspection.conclusion_signed_on, Inspection.ended_on
)


def inspection_feed_entries(finder, lang):
    """The newest public inspections the filters match, by the day each was made public:
    a withdrawn one is no entry."""
    query = (
        sa.select(Inspection)
        .where(*finder.conditions(), is_public())
        .order_by(PUBLIC_DAY.desc(), Inspection.id.desc())
        .limit(FEED_ENTRIES)
        .options(
            selectinload(Inspection.units).joinedload(InspectedUnit.agency),
            selectinload(Inspection.lead_agency),
        )
    )
    for inspection in db.session.scalars(query):
        url = url_for("inspections.detail", slug=inspection.slug, lang=lang, _external=True)
        day = (
            inspection.conclusion_published_on
            or inspection.conclusion_signed_on
            or inspection.ended_on
        )
        units = "; ".join(localized(u.agency, "name", lang).text for u in inspection.units)
        summary = [_("Units inspected: %(units)s.", units=units)] if units else []
        if inspection.conclusion_number:
            conclusion = _("Conclusion no. %(number)s", number=inspection.conclusion_number)
            if inspection.conclusion_signed_on:
                conclusion += ", " + format_date(inspection.conclusion_signed_on)
            summary.insert(0, conclusion + ".")
        text = localized(inspection, "conclusion_text", lang)
        lead = inspection.lead_agency
        yield {
            "id": url,
            "link": url,
            "title": in_language(inspection, "title", lang),
            "summary": (" ".join(summary), lang),
            "content": (plain_text(text.text), text.lang),
            "updated": feed_day(day),
            "author": in_language(lead, "name", lang) if lead else None,
        }


def overdue_feed_entries(finder, lang):
    """The overdue findings in the page's order: each with its unit and recommendation
    (its title), deadline and working days late, dated the day it became overdue (the
    first working day after its deadline) or its last follow-up's, if later."""
    query = (
        finder.select()
        .limit(FEED_ENTRIES)
        .options(
            selectinload(Finding.public_follow_ups),
            selectinload(Finding.inspection),
            selectinload(Finding.agency),
        )
    )
    cal, on = workdays.calendar(), finder.today
    for finding, _status in db.session.execute(query):
        url = url_for(
            "inspections.detail",
            slug=finding.inspection.slug,
            lang=lang,
            _anchor=f"finding-{finding.id}",
            _external=True,
        )
        overdue_since = cal.add_working_days(due_date(finding.deadline, cal), 1)
        last = finding.last_follow_up
        updated = max(overdue_since, last.reported_on) if last else overdue_since
        unit = localized(finding.agency, "name", lang).text
        recommendation = localized(finding, "recommendation", lang)
        late = working_days_late(finding, on, cal)
        summary = " · ".join(
            [
                unit,
                f"{_('Deadline')}: {format_date(finding.deadline)}",
                # As the page writes it: the number formatted for the language.
                get_translations().ngettext(
                    "%(num)s working day late", "%(num)s working days late", late
                )
                % {"num": format_number(late)},
            ]
        )
        yield {
            "id": url,
            "link": url,
            "title": (f"{unit}: {recommendation.text}", recommendation.lang),
            "summary": (summary, lang),
            "content": in_language(finding, "text", lang),
            "updated": feed_day(updated),
        }


def inspections_for_staff(user, status, text):
    """The staff's list of inspections: every state, newest change first; an officer sees
    those their agency led (as access.owners() says)."""
    query = sa.select(Inspection).order_by(Inspection.updated_at.desc(), Inspection.id)
    if user.role == Role.OFFICER:
        query = query.where(Inspection.lead_agency_id == user.agency_id)
    scheduled = sa.and_(
        Inspection.status == ContentStatus.PUBLISHED, Inspection.publish_at > utcnow()
    )
    if status == "scheduled":
        query = query.where(scheduled)
    elif status == ContentStatus.PUBLISHED:
        query = query.where(is_public())
    elif status:
        query = query.where(Inspection.status == status)
    if text:
        query = query.where(
            sa.or_(
                Inspection.title_vi.icontains(text, autoescape=True),
                Inspection.conclusion_number.icontains(text, autoescape=True),
            )
        )
    return query
