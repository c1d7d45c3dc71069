"""What the procedure pages, exports, feed and API share: the finder's query, related
procedures, the newest changes.

The HTML page, the CSV/JSON export, the Atom feed and the API all call `Finder`, so they
cannot disagree.
"""

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy.orm import load_only, selectinload

from portal import labels, listing
from portal.downloads import FEED_ENTRIES, Column, feed_day, in_language
from portal.i18n import current_language, format_date
from portal.labels import DECISION_ACTIONS
from portal.models import (
    Agency,
    ContentStatus,
    Decision,
    Hotline,
    LifeEvent,
    OnlineLevel,
    Procedure,
    ProcedureAgency,
    ProcedureDecision,
    ProcedureLocal,
    Role,
    Sector,
    Validity,
    db,
    localized,
    procedure_life_event,
)
from portal.procedures.bodies import named_bodies
from portal.procedures.channels import TIME_WORDS, fee_said, time_summary
from portal.text import fold

LEVEL_COLUMNS = {level: getattr(Procedure, f"level_{level}") for level in Procedure.LEVELS}
APPLICANT_COLUMNS = {
    kind: getattr(Procedure, column) for kind, column in Procedure.APPLICANTS.items()
}
# The name a page shows: on /en/ the English one where there is one, else the Vietnamese.
SHOWN_NAME = {
    "vi": Procedure.name_vi,
    "en": sa.func.coalesce(sa.func.nullif(Procedure.name_en, ""), Procedure.name_vi),
}


def procedure_sorts(lang):
    """{sort: order}; with a query, "relevance" (the engine's order) comes first."""
    name = SHOWN_NAME.get(lang, Procedure.name_vi)
    return {
        "name": (name, Procedure.code),
        "code": (Procedure.code,),
        "time": (Procedure.processing_days.is_(None), Procedure.processing_days, name),
        "updated": (Procedure.updated_at.desc(), Procedure.code),
    }


@dataclass
class Filters(listing.Filters):
    """The procedure finder's filters."""

    sector: str = ""
    agency: str = ""
    level: str = ""
    applicant: str = ""
    online: str = ""
    validity: str = ""
    decision: str = ""
    event: str = ""

    FACETS = ("event", "sector", "level", "applicant", "online", "validity", "agency", "decision")
    CHOICES = {
        "level": LEVEL_COLUMNS,
        "applicant": APPLICANT_COLUMNS,
        "online": {o.value for o in OnlineLevel},
        "validity": {v.value for v in Validity},
    }
    SORTS = procedure_sorts("vi")  # the keys; select() orders in the page's language


class Finder:
    """Builds the filtered query; each facet is counted with every other filter applied.

    `ranked`: ids the search engine matched for the text box, best first. Without an index
    (None), the box falls back to matching the accentless name and code in the database.
    """

    def __init__(self, filters, ranked=None):
        self.filters = filters
        self.ranked = ranked

    def conditions(self, skip=None):
        f = self.filters
        where = []
        if f.q and self.ranked is not None:
            where.append(Procedure.id.in_(self.ranked))
        elif f.q:
            where += [
                Procedure.name_folded.contains(word, autoescape=True) for word in fold(f.q).split()
            ]
        if f.sector and skip != "sector":
            where.append(
                Procedure.sector_id.in_(sa.select(Sector.id).where(Sector.slug == f.sector))
            )
        if f.agency and skip != "agency":
            where.append(
                Procedure.id.in_(
                    sa.select(ProcedureAgency.procedure_id)
                    .join(ProcedureAgency.agency)
                    .where(Agency.slug == f.agency)
                )
            )
        if f.level and skip != "level":
            where.append(LEVEL_COLUMNS[f.level])
        if f.applicant and skip != "applicant":
            where.append(APPLICANT_COLUMNS[f.applicant])
        if f.online and skip != "online":
            where.append(Procedure.online_level == f.online)
        if f.validity and skip != "validity":
            where.append(Procedure.validity == f.validity)
        if f.decision and skip != "decision":
            where.append(
                Procedure.id.in_(
                    sa.select(ProcedureDecision.procedure_id)
                    .join(ProcedureDecision.decision)
                    .where(Decision.number == f.decision)
                )
            )
        if f.event and skip != "event":
            where.append(
                Procedure.id.in_(
                    sa.select(procedure_life_event.c.procedure_id)
                    .join(LifeEvent)
                    .where(LifeEvent.slug == f.event)
                )
            )
        return where

    def select(self):
        query = sa.select(Procedure).where(*self.conditions())
        sorts = procedure_sorts(current_language())
        if self.filters.sort != "relevance":
            return query.order_by(*sorts[self.filters.sort])
        if self.ranked:
            return query.order_by(listing.rank_order(Procedure.id, self.ranked), Procedure.code)
        return query.order_by(*sorts["name"])

    def facets(self, session):
        """{facet: [(value, label row or text, count)]}, largest first, zeros left out; a
        label row has the columns a label reads (name_vi and name_en, or a decision's number).

        Each facet counts with every other filter applied, so facets whose own filter is off
        share one set of conditions: the columns of the procedure table are counted in one
        query per such set, the related rows (life events, sectors, agencies, decisions) in
        one query each.
        """
        facets = {
            "event": self._grouped(
                session,
                "event",
                (LifeEvent.slug, LifeEvent.name_vi, LifeEvent.name_en),
                procedure_life_event.c.procedure_id,
                procedure_life_event.c.life_event_id,
                LifeEvent.position,
            ),
            "sector": self._grouped(
                session,
                "sector",
                (Sector.slug, Sector.name_vi, Sector.name_en),
                Procedure.id,
                Procedure.sector_id,
            ),
            "agency": self._grouped(
                session,
                "agency",
                (Agency.slug, Agency.name_vi, Agency.name_en),
                ProcedureAgency.procedure_id,
                ProcedureAgency.agency_id,
                role="implementing",
            ),
            "decision": self._grouped(
                session,
                "decision",
                (Decision.number,),
                ProcedureDecision.procedure_id,
                ProcedureDecision.decision_id,
                limit=30,
            ),
        }
        facets.update(self._columns(session))
        return {name: facets[name] for name in FACET_ORDER}

    def _skipped(self, name):
        """The facet whose filter a count leaves out: `name` if that filter is on, else None
        (the same conditions as every other facet whose filter is off)."""
        return name if getattr(self.filters, name) else None

    def _columns(self, session):
        """The facets of the procedure's own columns (level, applicant, online, validity):
        per set of conditions, one query grouped by the online level and the validity, with
        a sum of each level's and each applicant's flag; added up here."""
        flags = {**LEVEL_COLUMNS, **APPLICANT_COLUMNS}
        by_skip = {}
        for name in ("level", "applicant", "online", "validity"):
            by_skip.setdefault(self._skipped(name), []).append(name)
        facets = {}
        for skip, names in by_skip.items():
            sums = [sa.func.sum(sa.case((column, 1), else_=0)) for column in flags.values()]
            rows = session.execute(
                sa.select(Procedure.online_level, Procedure.validity, sa.func.count(), *sums)
                .where(*self.conditions(skip=skip))
                .group_by(Procedure.online_level, Procedure.validity)
            ).all()
            online, validity, totals = {}, {}, dict.fromkeys(flags, 0)
            for online_level, valid, count, *flagged in rows:
                online[str(online_level)] = online.get(str(online_level), 0) + count
                validity[str(valid)] = validity.get(str(valid), 0) + count
                for key, number in zip(flags, flagged, strict=True):
                    totals[key] += number or 0
            counted = {
                "level": [(key, key, totals[key]) for key in LEVEL_COLUMNS if totals[key]],
                "applicant": [(key, key, totals[key]) for key in APPLICANT_COLUMNS if totals[key]],
                "online": _largest_first(online),
                "validity": _largest_first(validity),
            }
            facets.update({name: counted[name] for name in names})
        return facets

    def _grouped(
        self, session, name, shown, procedure_column, key_column, order=None, role=None, limit=None
    ):
        """Counts per related row (life event, sector, agency, decision), each row as its
        `shown` columns (the value first: a slug or a number; then what labels it).

        Counted on the link (or procedure) table first, then joined to the rows; with no
        other filter on, every link counts, so the matching procedures need no subquery.
        """
        model = shown[0].class_
        counts = sa.select(
            key_column.label("key"),
            sa.func.count(sa.distinct(procedure_column)).label("procedures"),
            sa.func.count().label("links"),
        ).group_by(key_column)
        where = self.conditions(skip=self._skipped(name))
        if where:
            counts = counts.where(procedure_column.in_(sa.select(Procedure.id).where(*where)))
        if role:
            counts = counts.where(ProcedureAgency.role == role)
        counts = counts.subquery()
        ordering = (order,) if order is not None else (counts.c.links.desc(), model.id)
        query = (
            sa.select(counts.c.procedures, *shown)
            .join_from(model, counts, model.id == counts.c.key)
            .order_by(*ordering)
        )
        if limit:
            query = query.limit(limit)
        return [(row[1], row, row[0]) for row in session.execute(query)]


FACET_ORDER = ("event", "sector", "agency", "decision", "level", "applicant", "online", "validity")


def _largest_first(counts):
    """[(value, value, count)] of {value: count}, largest first, then by value; zeros out."""
    return [
        (value, value, count)
        for value, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        if count
    ]


# What the finder's list shows of a procedure: its steps, documents and the source's record
# are not read (nor parsed) for it.
LISTED = load_only(
    Procedure.code,
    Procedure.name_vi,
    Procedure.name_en,
    Procedure.sector_id,
    *LEVEL_COLUMNS.values(),
    Procedure.channels,
    Procedure.validity,
)


def by_ids(ids, *options):
    """The procedures of `ids`, in that order."""
    found = {
        procedure.id: procedure
        for procedure in db.session.scalars(
            sa.select(Procedure).where(Procedure.id.in_(ids)).options(*options)
        )
    }
    return [found[id_] for id_ in ids if id_ in found]


# The export's columns: its JSON keys, its CSV headers and labels in the page's language.
EXPORT_COLUMNS = (
    Column("code", _l("Code"), text=True),  # "1.013950" is no number
    Column("name_vi", _l("Name (Vietnamese)")),
    Column("name_en", _l("Name (English)")),
    Column("sector", _l("Field")),
    Column("levels", _l("Level"), labels.PROCEDURE_LEVELS, sep=" "),
    Column("applicants", _l("Who applies"), labels.APPLICANT_TYPES, sep="; "),
    Column("online_level", _l("Online service"), labels.ONLINE_LEVELS),
    Column("validity", _l("Status"), labels.VALIDITY),
    Column("processing_time", _l("Processing time")),
    Column("fee", _l("Fee")),
    Column("implementing_agencies", _l("Implementing agency")),
    Column("decisions", _l("Announcing decisions")),
    Column("url", _l("Page on this portal")),
)


def _changed(action, code, number, day):
    """What a decision did to a procedure, as a sentence."""
    if action == "announced":
        return _(
            "Procedure %(code)s was announced by decision %(number)s of %(date)s.",
            code=code, number=number, date=day,
        )  # fmt: skip
    if action == "amended":
        return _(
            "Procedure %(code)s was amended by decision %(number)s of %(date)s.",
            code=code, number=number, date=day,
        )  # fmt: skip
    return _(
        "Procedure %(code)s was abolished by decision %(number)s of %(date)s.",
        code=code, number=number, date=day,
    )  # fmt: skip


def change_feed_entries(finder, lang):
    """The newest changes to the procedures the finder matches: each decision that
    announced, amended or abolished one, newest signed first. A decision whose date the
    records do not give says nothing of when it changed the procedure: it is left out."""
    query = (
        sa.select(ProcedureDecision, Procedure)
        .join(Decision, Decision.id == ProcedureDecision.decision_id)
        .join(Procedure, Procedure.id == ProcedureDecision.procedure_id)
        .where(Decision.signed_on.is_not(None), *finder.conditions())
        .order_by(
            Decision.signed_on.desc(),
            Decision.id.desc(),
            Procedure.code,
            ProcedureDecision.action,
        )
        .limit(FEED_ENTRIES)
        .options(
            selectinload(ProcedureDecision.decision),
            load_only(Procedure.code, Procedure.name_vi, Procedure.name_en),
        )
    )
    for link, procedure in db.session.execute(query):
        decision, action = link.decision, str(link.action)
        url = url_for("procedures.detail", code=procedure.code, lang=lang, _external=True)
        name, lang_of_name = in_language(procedure, "name", lang)
        day = format_date(decision.signed_on)
        yield {
            "id": f"{url}#decisions-{decision.id}-{action}",
            "link": f"{url}#decisions",
            "title": (f"{DECISION_ACTIONS[action]}: {name}", lang_of_name),
            "summary": (_changed(action, procedure.code, decision.number, day), lang),
            # The decision's own title, as the province wrote it.
            "content": (decision.title_vi or "", "vi"),
            "updated": feed_day(decision.signed_on),
        }


def replacement(procedure):
    if not procedure.replaced_by_code:
        return None
    return db.session.scalar(sa.select(Procedure).filter_by(code=procedure.replaced_by_code))


# What a link to another procedure shows (its code and name): not its steps, documents and
# the source's record, which would be read and parsed for nothing.
_LINKED = load_only(Procedure.code, Procedure.name_vi, Procedure.name_en)


def named_procedures(names):
    """The procedures whose Vietnamese name is exactly one of names: {name: procedure}.

    The national record names related procedures without their codes; a name that matches
    no procedure, or several, stays text.
    """
    if not names:
        return {}
    found = {}
    query = sa.select(Procedure).where(Procedure.name_vi.in_(names)).options(_LINKED)
    for procedure in db.session.scalars(query):
        found.setdefault(procedure.name_vi, []).append(procedure)
    return {name: matches[0] for name, matches in found.items() if len(matches) == 1}


def related(procedure, limit=6):
    """Other procedures of the same field, then of the same life events."""
    related = {}
    if procedure.sector_id:
        related[procedure.sector.name_vi] = db.session.scalars(
            sa.select(Procedure)
            .options(_LINKED)
            .where(
                Procedure.sector_id == procedure.sector_id,
                Procedure.id != procedure.id,
                Procedure.validity != "abolished",
            )
            .order_by(Procedure.name_vi)
            .limit(limit)
        ).all()
    for event in procedure.life_events:
        related[event] = db.session.scalars(
            sa.select(Procedure)
            .options(_LINKED)
            .join(procedure_life_event)
            .join(LifeEvent)
            .where(
                LifeEvent.id == event.id,
                Procedure.id != procedure.id,
                Procedure.validity != "abolished",
            )
            .order_by(Procedure.name_vi)
            .limit(limit)
        ).all()
    return {key: items for key, items in related.items() if items}


# What the JSON export says of a channel: the source's words and the amount read from them.
# Not "days": a number of days computed from "1 Giờ" (0.042) says what the source did not.
CHANNEL_FIELDS = (
    "kind",
    "time_text",
    "unit_stated",
    "fee_text",
    "fee_vnd",
    "as_published",
    "description",
)


def export_rows(finder, structured=False):
    """Every matching procedure as a flat dict, read in batches (memory stays flat).

    `structured` (the JSON export) adds every part of the record as the page shows it:
    steps, channels, documents, legal bases, results, agencies by role, related procedures.
    """
    query = (
        finder.select()
        .options(
            selectinload(Procedure.sector),
            selectinload(Procedure.agencies).joinedload(ProcedureAgency.agency),
            selectinload(Procedure.decisions),
        )
        .execution_options(yield_per=500)
    )
    lang = current_language()
    for procedure in db.session.scalars(query):
        row = {
            "code": procedure.code,
            "name_vi": procedure.name_vi,
            "name_en": procedure.name_en or "",
            # in the page's language, as the finder shows it
            "sector": localized(procedure.sector, "name", lang).text if procedure.sector else "",
            "levels": " ".join(procedure.levels),
            "applicants": "; ".join(procedure.applicant_types),
            "online_level": str(procedure.online_level),
            "validity": str(procedure.validity),
            "processing_time": time_summary(procedure.channels) or "",
            "fee": procedure.fee_summary or "",
            "implementing_agencies": "; ".join(
                agency.name_vi if agency else name
                for name, agency, _ in named_bodies(procedure, "implementing")
            ),
            "decisions": "; ".join(link.decision.number for link in procedure.decisions),
            "url": url_for("procedures.detail", code=procedure.code, _external=True),
        }
        if structured:
            row.update(_structured(procedure))
        yield row


def _structured(procedure):
    return {
        "applicants": procedure.applicant_types,
        "procedure_type": procedure.procedure_type,
        "agencies": {
            role: [
                agency.name_vi if agency else name
                for name, agency, _ in named_bodies(procedure, role)
            ]
            for role in ("implementing", "competent", "coordinating")
        },
        "submission_address": procedure.submission_address,
        "conditions": procedure.conditions_vi,
        "steps": [
            step if isinstance(step, dict) else {"track": None, "number": None, "text": step}
            for step in procedure.steps
        ],
        "channels": [
            {
                **{key: channel.get(key) for key in CHANNEL_FIELDS},
                "note": channel.get("description"),
            }
            for channel in procedure.channels
        ],
        "documents": procedure.documents,
        "legal_bases": procedure.legal_bases,
        "results": procedure.results,
        "related_procedures": procedure.related_names,
        "source_url": procedure.source_url,
        "not_read_apart": sorted(procedure.raw or {}),
    }


def at_a_glance(channels):
    """What the channels say of the time and the fee, for the summary box.

    {"time": [...], "fee": [...]}, each a list of (channel kinds, what, value) in the
    source's order, one entry when every channel says the same. `what`: for the time,
    "time" (number and unit key), "text" or "as_published"; for the fee, what
    fee_said() says. Channels that say nothing
    of a part are left out of it; an empty list means no channel says anything.
    """
    return {"time": _grouped(channels, _time_of), "fee": _grouped(channels, fee_said)}


def channel_cells(channel):
    """One channel row of the table as the summary box reads it: (time, fee, fee note).

    time and fee are (what, value) as at_a_glance() gives them, or None; the note is the
    bracketed words the source gives after the fee ("(/hồ sơ)"), shown in its words.
    """
    fee = fee_said(channel)
    text = channel.get("fee_text") or ""
    note = text[text.index("(") :] if fee and fee[0] in ("free", "amount") and "(" in text else None
    return _time_of(channel), fee, note


def _time_of(channel):
    if channel.get("as_published"):
        return "as_published", channel["as_published"]
    time = TIME_WORDS.fullmatch(channel.get("time_text") or "")
    if time:  # the number as written, the unit as a key of labels.TIME_UNITS (None: not stated)
        return "time", (time.group(1), time.group(2).casefold() if time.group(2) else None)
    return ("text", channel["time_text"]) if channel.get("time_text") else None


def _grouped(channels, said):
    groups = {}
    for channel in channels:
        value = said(channel)
        if value is not None:
            groups.setdefault(value, []).append(channel["kind"])
    return [(kinds, what, value) for (what, value), kinds in groups.items()]


# A bullet at the start of a source line: "- ", "• ", "* " (one level), "+ " (one deeper).
_BULLET = re.compile(r"^([-–•●*+])\s+")


def source_blocks(text):
    """A source text's lines as paragraphs and bullet lists, its words untouched.

    [("p", line) or ("ul", [(item, [sub-item, ...]), ...])]: "- " and "• " lines are items,
    "+ " lines under an item its sub-items; "1.", "a)" and other labels stay in the text.
    """
    blocks = []
    for line in (text or "").splitlines():
        bullet = _BULLET.match(line)
        if not bullet:
            blocks.append(("p", line))
            continue
        words = line[bullet.end() :]
        if not blocks or blocks[-1][0] != "ul":
            blocks.append(("ul", []))
        items = blocks[-1][1]
        if bullet.group(1) == "+" and items and items[-1][0] is not None:
            items[-1][1].append(words)
        else:
            items.append((words, []))
    return blocks


def source_html(text):
    """source_blocks() as HTML: <p> per line, <ul> per run of bullets; every word escaped."""
    html = []
    for kind, content in source_blocks(text):
        if kind == "p":
            html.append(Markup("<p>{}</p>").format(content))
            continue
        items = []
        for item, subs in content:
            inner = Markup("").join(Markup("<li>{}</li>").format(sub) for sub in subs)
            nested = Markup("<ul>{}</ul>").format(inner) if subs else ""
            items.append(Markup("<li>{}{}</li>").format(item, nested))
        html.append(Markup('<ul class="bullets">{}</ul>').format(Markup("").join(items)))
    return Markup("").join(html) if html else escape("")


def step_tracks(steps):
    """Steps in runs, in the source's order: [(track or None, numbered, [step, ...])].

    A run ends where the track changes or numbered steps start or stop. A step stored
    before steps kept their number (a plain string) reads as unnumbered.
    """
    runs = []
    for step in steps:
        if isinstance(step, str):
            step = {"track": None, "number": None, "text": step}
        key = (step["track"], step["number"] is not None)
        if not runs or runs[-1][:2] != key:
            runs.append((*key, []))
        runs[-1][2].append(step)
    return runs


# What a row of the documents table is when it is no document to bring. The source's
# table mixes them in: cases ("Trường hợp … thì …"), clerks' duties ("Người tiếp nhận có
# trách nhiệm …"), notes ("Lưu ý: …"), and sub-headings ending in a colon.
_LABEL = r"(?:[-+*•●\s]|\d+[.)]|[a-zđ]\)|\(?[ivx]+\)|\(\d+\))*\s*"
_NOTE_START = re.compile(
    rf"(?i)^{_LABEL}(?:lưu ý|ghi chú|chú ý|số lượng hồ sơ|người tiếp nhận|cán bộ tiếp nhận"
    r"|công chức tiếp nhận)"
)
_CASE = re.compile(rf"(?i)^{_LABEL}trường hợp\b.*\bthì\b")
_SUBJECT = re.compile(rf"(?i)^{_LABEL}(?:người|cá nhân|tổ chức|cơ quan|cán bộ|công chức)\b")
_DUTY = re.compile(
    r"(?i)không phải nộp|không phải xuất trình|không cần nộp|không phải cung cấp|không yêu cầu"
    r"|được miễn|có trách nhiệm|chịu trách nhiệm|không được yêu cầu|có thể nộp|có thể ủy quyền"
    r"|có thể lựa chọn"
)


def document_role(document):
    """ "document" (a thing to bring: it gets a box), "heading" or "note" for a table row."""
    name = document.get("name") or ""
    if name.endswith(":"):
        return "heading"
    if (
        document.get("originals") is None
        or _NOTE_START.match(name)
        or _CASE.match(name)
        or (_SUBJECT.match(name) and _DUTY.search(name))
    ):
        return "note"
    return "document"


HEADING_LENGTH = 200  # characters: a longer text above a table is a note, not its heading


def checklist(documents):
    """The documents table as the source lays it out, for the page and its print version:
    [(heading, heading is a note, [(row, role)])], one entry per table."""
    groups = []
    for document in documents:
        group = document.get("group")
        if not groups or groups[-1][0] != group:
            groups.append((group, bool(group) and len(group) > HEADING_LENGTH, []))
        groups[-1][2].append((document, document_role(document)))
    return groups


# The staff's list of procedures and what the province added to each (ProcedureLocal).
LOCAL_FILTERS = ("none", "draft", "in_review", "published", "no_english")


def for_staff(user, local, text):
    """Procedures in force with their local part, by code; an officer sees those their
    agency implements. `local` is one of LOCAL_FILTERS (or empty), `text` a code or words."""
    query = (
        sa.select(Procedure)
        .outerjoin(Procedure.local)
        .where(Procedure.validity != Validity.ABOLISHED, Procedure.other_province.is_(None))
        .order_by(Procedure.code)
    )
    if user.role == Role.OFFICER:
        mine = sa.select(ProcedureAgency.procedure_id).where(
            ProcedureAgency.role == "implementing", ProcedureAgency.agency_id == user.agency_id
        )
        query = query.where(Procedure.id.in_(mine))
    if local == "none":
        query = query.where(ProcedureLocal.id.is_(None))
    elif local == "no_english":
        query = query.where(sa.func.coalesce(Procedure.name_en, "") == "")
    elif local:
        query = query.where(ProcedureLocal.status == local)
    if text:
        query = query.where(Procedure.name_folded.contains(fold(text), autoescape=True))
    return query


def hotline_choices(user):
    """The numbers a local part may name, as (id, label): published ones of current bodies;
    an officer's agency's own and the province's main lines."""
    query = (
        sa.select(Hotline)
        .join(Hotline.agency)
        .where(Hotline.status == ContentStatus.PUBLISHED, Agency.successor_id.is_(None))
        .order_by(Hotline.is_main.desc(), Agency.name_vi, Hotline.id)
    )
    if user.role == Role.OFFICER:
        query = query.where(sa.or_(Hotline.agency_id == user.agency_id, Hotline.is_main))
    return [(None, "—")] + [
        (hotline.id, f"{hotline.agency.name_vi}: {hotline.phone}")
        for hotline in db.session.scalars(query)
    ]
