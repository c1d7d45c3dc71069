"""What the search index holds: every searchable record as a `Document`, under a stable key.

A key is `"<type>:<database id>"`. `keys_for(obj)` says which keys a changed row affects (a
changed agency also changes its hotlines' documents); `load(keys)` reads the current
documents back, `None` for a record that is gone or no longer public.
"""

import re

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.models import (
    Agency,
    Announcement,
    AnnouncementStatus,
    ContentStatus,
    Feedback,
    FeedbackStatus,
    Finding,
    FollowUp,
    FollowUpLetter,
    Hotline,
    InspectedUnit,
    Inspection,
    Procedure,
    ProcedureAgency,
    ProcedureDecision,
    db,
    utcnow,
)
from portal.searching.engine import Document

MODELS = {
    "procedure": Procedure,
    "announcement": Announcement,
    "agency": Agency,
    "hotline": Hotline,
    "inspection": Inspection,
    "finding": Finding,
    "feedback": Feedback,
}
TYPES = {model: name for name, model in MODELS.items()}


def keys_for(obj):
    """The index keys a new, changed or deleted row affects."""
    if isinstance(obj, ProcedureAgency | ProcedureDecision):
        return [f"procedure:{obj.procedure_id}"] if obj.procedure_id else []
    if isinstance(obj, InspectedUnit):
        return [f"inspection:{obj.inspection_id}"] if obj.inspection_id else []
    if isinstance(obj, FollowUp):
        return [f"finding:{obj.finding_id}"] if obj.finding_id else []
    if isinstance(obj, FollowUpLetter):
        return [f"finding:{finding.id}" for finding in obj.findings if finding.id]
    kind = TYPES.get(type(obj))
    if kind is None or obj.id is None:
        return []
    keys = [f"{kind}:{obj.id}"]
    if isinstance(obj, Agency):  # its name is in its hotlines' and its children's documents
        keys += [f"hotline:{hotline.id}" for hotline in obj.hotlines if hotline.id]
        keys += [f"agency:{child.id}" for child in obj.children if child.id]
    if isinstance(obj, Hotline) and obj.agency_id:  # its number is in its agency's document
        keys.append(f"agency:{obj.agency_id}")
    if isinstance(obj, Inspection):  # its findings are public while it is
        keys += [f"finding:{finding.id}" for finding in obj.findings if finding.id]
    return keys


def load(keys, session=None):
    """{key: Document or None} for the given keys, read in one query per type."""
    session = session or db.session
    wanted = {}
    for key in keys:
        kind, _, ident = key.partition(":")
        if kind in MODELS and ident.isdigit():
            wanted.setdefault(kind, set()).add(int(ident))
    found = dict.fromkeys(keys)
    for kind, ids in wanted.items():
        model = MODELS[kind]
        for obj in session.scalars(_query(kind).where(model.id.in_(ids))):
            document = to_document(kind, obj)
            if document is not None:
                found[document.key] = document
    return found


def all_documents(session=None, batch=500):
    """Every public record as a Document, read in batches (for a rebuild)."""
    session = session or db.session
    for kind in MODELS:
        for obj in session.scalars(_query(kind).execution_options(yield_per=batch)):
            document = to_document(kind, obj)
            if document is not None:
                yield document


def _query(kind):
    query = sa.select(MODELS[kind])
    if kind == "procedure":
        query = query.options(
            selectinload(Procedure.sector),
            selectinload(Procedure.agencies).joinedload(ProcedureAgency.agency),
            selectinload(Procedure.decisions).joinedload(ProcedureDecision.decision),
        )
    elif kind == "announcement":
        query = query.options(selectinload(Announcement.agency))
    elif kind == "agency":
        query = query.options(selectinload(Agency.parent), selectinload(Agency.public_hotlines))
    elif kind == "hotline":
        query = query.options(selectinload(Hotline.agency))
    elif kind == "feedback":
        query = query.options(selectinload(Feedback.answer_agency), selectinload(Feedback.sector))
    elif kind == "inspection":
        query = query.options(
            selectinload(Inspection.plan),
            selectinload(Inspection.units).joinedload(InspectedUnit.agency),
        )
    elif kind == "finding":
        query = query.options(
            selectinload(Finding.inspection),
            selectinload(Finding.agency),
            selectinload(Finding.public_follow_ups),
            selectinload(Finding.letters),
        )
    return query


def to_document(kind, obj):
    return CONVERTERS[kind](obj)


def _procedure(p):
    # National records leave parts empty (a document with only its case, a basis without
    # a number): every part is optional here.
    documents = _joined(d.get(key) for d in p.documents for key in ("group", "name"))
    legal = _joined(
        text
        for b in p.legal_bases
        for text in (b.get("title"), b.get("number"), *b.get("also", ()))
    )
    implementing = p.agencies_in("implementing")
    return Document(
        type="procedure",
        id=str(p.id),
        title_vi=p.name_vi,
        title_en=p.name_en,
        body_vi=_joined(
            [
                p.sector.name_vi if p.sector else None,
                documents,
                _joined(r.get("name") for r in (p.results or [p.result or {}])),
                legal,
                _joined(
                    text
                    for step in p.steps
                    for text in (
                        (step.get("track"), step.get("text")) if isinstance(step, dict) else (step,)
                    )
                ),
            ]
        ),
        body_en=p.sector.name_en if p.sector and p.name_en else None,
        codes=[
            p.code,
            *(link.decision.number for link in p.decisions),
            *(b["number"] for b in p.legal_bases if b.get("number")),
        ],
        agency=implementing[0].slug if implementing else None,
        field=p.sector.slug if p.sector else None,
        level=p.levels,
        status=str(p.validity),
        # Dated by the decision that published or amended it, where its date is known; the
        # import's day says when the portal last read the national database, not the law.
        date=_decision_date(p),
        url=f"/procedures/{p.code}",
        version=_version(p),
    )


def _announcement(a):
    # A draft, one in review, or one scheduled for later is not public yet.
    if a.status != AnnouncementStatus.WITHDRAWN and not a.is_public(utcnow()):
        return None
    return Document(
        type="announcement",
        id=str(a.id),
        title_vi=a.title_vi,
        title_en=a.title_en,
        body_vi=f"{a.summary_vi or ''}\n{a.body_vi}",
        body_en=f"{a.summary_en or ''}\n{a.body_en or ''}" if a.title_en else None,
        codes=_document_numbers(f"{a.title_vi} {a.body_vi}"),
        agency=a.agency.slug if a.agency else None,
        status=str(a.status),
        date=a.published_on,
        url=f"/announcements/{a.slug}",
        version=_version(a),
    )


def _agency(a):
    parent = a.parent.name_vi if a.parent else ""
    return Document(
        type="agency",
        id=str(a.id),
        title_vi=a.name_vi,
        title_en=a.name_en,
        body_vi=" ".join(filter(None, [parent, a.address, a.working_hours_vi])),
        body_en=a.working_hours_en if a.name_en else None,
        codes=[
            *_phones(a.phone),
            *(phone for h in a.public_hotlines for phone in _phones(h.phone)),
        ],
        agency=a.slug,
        level=[str(a.level)],
        url=f"/agencies/{a.slug}",
        version=max(
            [
                _version(a),
                *(_version(h) for h in a.public_hotlines),
                _version(a.parent) if a.parent else "",
            ]
        ),
    )


def _hotline(h):
    if h.status != "published":  # a draft, or a number out of service
        return None
    return Document(
        type="hotline",
        id=str(h.id),
        title_vi=f"{h.agency.name_vi}: {h.purpose_vi}",
        title_en=f"{h.agency.name_en}: {h.purpose_en}"
        if h.agency.name_en and h.purpose_en
        else None,
        body_vi=h.hours_vi or "",
        body_en=h.hours_en,
        codes=_phones(h.phone),
        agency=h.agency.slug,
        level=[str(h.agency.level)],
        url=f"/hotlines#hotline-{h.id}",
        version=max(_version(h), _version(h.agency)),
    )


def _inspection(i):
    # As for announcements: a draft or a scheduled one is not public yet; a withdrawn one
    # stays findable, marked.
    if i.status != ContentStatus.WITHDRAWN and not i.is_public(utcnow()):
        return None
    units = " ".join(unit.agency.name_vi for unit in i.units)
    return Document(
        type="inspection",
        id=str(i.id),
        title_vi=i.title_vi,
        title_en=i.title_en,
        body_vi=" ".join(
            filter(None, [i.plan.title_vi if i.plan else "", units, i.conclusion_text_vi])
        ),
        body_en=i.conclusion_text_en if i.title_en else None,
        codes=[
            number for number in (i.plan.number if i.plan else None, i.conclusion_number) if number
        ],
        agency=i.units[0].agency.slug if len(i.units) == 1 else None,
        level=sorted({str(unit.agency.level) for unit in i.units}),
        status=str(i.status),
        date=i.conclusion_signed_on or i.ended_on,
        url=f"/inspections/{i.slug}",
        version=_version(i),
    )


def _finding(f):
    # Only what visitors can read is searchable: no draft, no withdrawn report, nothing of
    # an inspection that is not public (or no longer is).
    if not f.inspection.is_public(utcnow()):
        return None
    reports = [r for r in f.public_follow_ups if r.status == ContentStatus.PUBLISHED]
    follow_ups = " ".join(report.text_vi for report in reports)
    return Document(
        type="finding",
        id=str(f.id),
        title_vi=f"{f.agency.name_vi}: {f.text_vi}",
        title_en=f"{f.agency.name_en}: {f.text_en}" if f.agency.name_en and f.text_en else None,
        body_vi=f"{f.recommendation_vi} {follow_ups}",
        body_en=f.recommendation_en,
        codes=[
            number
            for number in (
                f.inspection.conclusion_number,
                *(report.number for report in reports),
                *(letter.number for letter in f.letters),
            )
            if number
        ],
        agency=f.agency.slug,
        level=[str(f.agency.level)],
        status=str(f.status),
        date=f.deadline or f.inspection.ended_on,
        url=f"/inspections/{f.inspection.slug}#finding-{f.id}",
        version=max([_version(f), *(_version(report) for report in f.public_follow_ups)]),
    )


def _feedback(f):
    # Only a published answer, and only its public version: never the sender's fields, nor
    # the title and text as sent (they may name the sender), nor an unpublished answer.
    if f.status != FeedbackStatus.PUBLISHED:
        return None
    return Document(
        type="feedback",
        id=str(f.id),
        title_vi=f.public_title,
        title_en=None,
        body_vi=f"{f.public_question}\n{f.answer_vi or ''}",
        body_en=f.answer_en,
        codes=[code for code in (*f.procedure_codes, f.answer_number) if code],
        agency=f.answer_agency.slug if f.answer_agency else None,
        field=f.sector.slug if f.sector else None,
        status=str(f.status),
        date=f.published_on,
        url=f"/feedback/{f.id}",
        version=_version(f),
    )


CONVERTERS = {
    "procedure": _procedure,
    "announcement": _announcement,
    "agency": _agency,
    "hotline": _hotline,
    "inspection": _inspection,
    "finding": _finding,
    "feedback": _feedback,
}

# Numbers of official documents quoted in a text: 8952/UBND-NC, 61/2018/NĐ-CP, 4261/KH-UBND.
DOCUMENT_NUMBER = re.compile(r"\b\d+(?:/\d{4})?/[A-ZĐ][A-ZĐa-z0-9]*(?:-[A-ZĐ0-9]+)*")


def _decision_date(procedure):
    dates = [
        link.decision.signed_on
        for link in procedure.decisions
        if link.decision.signed_on and link.action != "abolished"
    ]
    return max(dates, default=None)


def _joined(parts):
    """The non-empty strings among parts, once each, in order, joined by spaces."""
    return " ".join(dict.fromkeys(part for part in parts if isinstance(part, str) and part))


def _document_numbers(text):
    return sorted(set(DOCUMENT_NUMBER.findall(text or "")))


def _phones(phone):
    if not phone:
        return []
    digits = re.sub(r"\D", "", phone)
    return [phone, digits] if digits != phone else [phone]


def _version(obj):
    return obj.updated_at.isoformat() if obj.updated_at else ""
