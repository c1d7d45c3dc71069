"""`flask import inspections`: plans, inspections with findings, and letters from JSON Lines.

Each line has a `kind`: "plan", "inspection" or "letter" (format in the README). Plans are
keyed by number, inspections by slug, findings by their `ref` within the inspection, letters
by number. The import is one transaction: the first bad line and nothing is written.

What the file brings is published. An import keeps in step only what came from a file and
was not changed on the portal since (`imported`): a plan or an inspection that staff created
or changed in the browser (its findings included) is theirs, and is counted as "kept".
"""

from collections import Counter

import sqlalchemy as sa

from portal import workdays
from portal.importing import Fields, all_or_nothing, assign, read_jsonl
from portal.models import (
    Agency,
    ContentStatus,
    Finding,
    FindingStatus,
    FollowUp,
    FollowUpLetter,
    InspectedUnit,
    Inspection,
    InspectionPlan,
    InspectionTopic,
    Topic,
    db,
)

RESERVED_SLUGS = {"units", "overdue", "findings"}


class Checker(Fields):
    """The shared field checks, plus findings named by a follow-up letter."""

    def finding(self, field, reference):
        """A finding named `inspection-slug#ref`, already imported or earlier in the file."""
        slug, _, ref = reference.partition("#")
        finding = (
            db.session.scalar(
                sa.select(Finding)
                .join(Inspection)
                .where(Inspection.slug == slug, Finding.ref == ref)
            )
            if ref
            else None
        )
        if finding is None:
            self.fail(field, f'no finding "{reference}" (write it as inspection-slug#ref)')
        return finding


def import_jsonl(path, dry_run=False):
    """Create or update inspections from JSON Lines, all or nothing; returns the counts."""
    name = getattr(path, "name", str(path))
    counts = Counter(created=0, updated=0, unchanged=0, kept=0)
    agencies = {a.slug: a for a in db.session.scalars(sa.select(Agency))}
    cal = workdays.calendar()
    seen = {"plan": set(), "inspection": set(), "letter": set()}
    with all_or_nothing(db.session, dry_run):
        for number, data in read_jsonl(path):
            check = Checker(data, agencies, file=name, row=number)
            kind = check.choice("kind", ("plan", "inspection", "letter"))
            field = "slug" if kind == "inspection" else "number"
            key = check.text(field, 120 if kind == "inspection" else 80)
            if key in seen[kind]:
                check.fail(field, f'"{key}" appears earlier in the file')
            handler = {"plan": _plan, "inspection": _inspection, "letter": _letter}[kind]
            counts[handler(check, cal)] += 1
            seen[kind].add(key)
            db.session.flush()
    return counts


def _upsert(model, key, values):
    """Create or update one row by its natural key; returns what happened."""
    record = db.session.scalar(sa.select(model).filter_by(**key))
    if record is None:
        db.session.add(model(**key, **values))
        return "created"
    return "updated" if assign(record, values) else "unchanged"


def _plan(check, cal):
    check.only(
        "kind", "number", "signed_on", "year", "issuer", "title_vi", "title_en", "topics", "url"
    )
    values = {
        "signed_on": check.date("signed_on", required=False),
        "year": check.integer("year", 2000, 2100),
        "issuer_id": check.agency_id("issuer", required=False),
        "title_vi": check.text("title_vi", 500),
        "title_en": check.text("title_en", 500, required=False),
        "topics": [str(t) for t in check.choices("topics", Topic, required=False)],
        "url": check.url("url"),
    }
    number = check.text("number", 80)
    plan = db.session.scalar(sa.select(InspectionPlan).filter_by(number=number))
    if plan is not None and not plan.imported:
        return "kept"  # kept on the portal
    return _upsert(InspectionPlan, {"number": number}, {**values, "imported": True})


def _inspection(check, cal):
    check.only(
        "kind",
        "slug",
        "plan",
        "title_vi",
        "title_en",
        "started_on",
        "ended_on",
        "lead",
        "deputy",
        "members",
        "topics",
        "units",
        "conclusion",
        "findings",
    )
    slug = check.slug("slug")
    if slug in RESERVED_SLUGS:
        check.fail("slug", f'"{slug}" is reserved for a page of its own')
    values = {
        "plan_id": _plan_id(check),
        "title_vi": check.text("title_vi", 500),
        "title_en": check.text("title_en", 500, required=False),
        "started_on": check.date("started_on"),
        "ended_on": check.date("ended_on"),
    }
    if values["ended_on"] < values["started_on"]:
        check.fail("ended_on", "is before started_on")
    values["year"] = values["started_on"].year
    for role in ("lead", "deputy"):
        person = check.nested(role, ("name", "title_vi", "title_en", "agency"), required=False)
        values[f"{role}_name"] = person.text("name", 200, required=False)
        values[f"{role}_title_vi"] = person.text("title_vi", 300, required=False)
        values[f"{role}_title_en"] = person.text("title_en", 300, required=False)
        values[f"{role}_agency_id"] = person.agency_id("agency", required=False)
    conclusion = check.nested(
        "conclusion",
        ("number", "signed_on", "published_on", "text_vi", "text_en", "url"),
        required=False,
    )
    values.update(
        {
            "conclusion_number": conclusion.text("number", 80, required=False),
            "conclusion_signed_on": conclusion.date("signed_on", required=False),
            "conclusion_published_on": conclusion.date("published_on", required=False),
            "conclusion_text_vi": conclusion.text(
                "text_vi", 200_000, required=bool(conclusion.data)
            ),
            "conclusion_text_en": conclusion.text("text_en", 200_000, required=False),
            "conclusion_url": conclusion.url("url"),
        }
    )
    if (
        values["conclusion_published_on"]
        and values["conclusion_signed_on"]
        and values["conclusion_published_on"] < values["conclusion_signed_on"]
    ):
        conclusion.fail("published_on", "is before the conclusion was signed")
    members = [check.agencies[slug] for slug in check.slugs("members", required=False)]
    topics = check.choices("topics", Topic)
    units = [
        _unit(unit) for unit in check.items("units", ("agency", "assessment_vi", "assessment_en"))
    ]
    unit_ids = [agency_id for agency_id, _ in units]
    if len(set(unit_ids)) != len(unit_ids):
        check.fail("units", "the same unit is listed twice")
    findings = [
        _finding(item, set(unit_ids), values, cal)
        for item in check.items("findings", FINDING_FIELDS, required=False)
    ]
    refs = [f["ref"] for f in findings]
    if len(set(refs)) != len(refs):
        check.fail("findings", "two findings share the same ref")
    return sync_inspection(slug, values, members, topics, units, findings)


def _plan_id(check):
    number = check.text("plan", 80, required=False)
    if number is None:
        return None
    plan_id = db.session.scalar(sa.select(InspectionPlan.id).filter_by(number=number))
    if plan_id is None:
        check.fail("plan", f'no plan numbered "{number}" (add a "plan" line before this one)')
    return plan_id


def _unit(check):
    return check.agency_id("agency"), {
        "assessment_vi": check.text("assessment_vi", 20_000, required=False),
        "assessment_en": check.text("assessment_en", 20_000, required=False),
    }


FINDING_FIELDS = (
    "ref",
    "unit",
    "topic",
    "text_vi",
    "text_en",
    "recommendation_vi",
    "recommendation_en",
    "responsible",
    "deadline",
    "deadline_working_days",
    "status",
    "resolved_on",
    "follow_ups",
)


def _finding(check, unit_ids, inspection, cal):
    unit_id = check.agency_id("unit")
    if unit_id not in unit_ids:
        check.fail("unit", f'"{check.data["unit"]}" is not one of the inspection\'s units')
    status = check.choice("status", [s.value for s in FindingStatus], required=False) or "open"
    values = {
        "ref": check.text("ref", 40),
        "agency_id": unit_id,
        "topic": Topic(check.choice("topic", [t.value for t in Topic])),
        "text_vi": check.text("text_vi", 20_000),
        "text_en": check.text("text_en", 20_000, required=False),
        "recommendation_vi": check.text("recommendation_vi", 20_000),
        "recommendation_en": check.text("recommendation_en", 20_000, required=False),
        "responsible_id": check.agency_id("responsible", required=False) or unit_id,
        "deadline": check.date("deadline", required=False),
        "status": FindingStatus(status),
        "resolved_on": check.date("resolved_on", required=False),
    }
    days = check.integer("deadline_working_days", 1, 1000, required=False)
    if days is not None:
        if values["deadline"] is not None:
            check.fail("deadline_working_days", "give either deadline or deadline_working_days")
        signed = inspection["conclusion_signed_on"]
        if signed is None:
            check.fail("deadline_working_days", "needs the conclusion's signed_on date")
        values["deadline"] = cal.add_working_days(signed, days)
    if status == "done" and values["resolved_on"] is None:
        check.fail("resolved_on", 'is required when the status is "done"')
    if status != "done" and values["resolved_on"] is not None:
        check.fail("resolved_on", 'is only for findings whose status is "done"')
    values["follow_ups"] = [
        {
            "reported_on": item.date("reported_on"),
            "number": item.text("number", 80, required=False),
            "text_vi": item.text("text_vi", 20_000),
            "text_en": item.text("text_en", 20_000, required=False),
            "url": item.url("url"),
        }
        for item in check.items(
            "follow_ups", ("reported_on", "number", "text_vi", "text_en", "url"), required=False
        )
    ]
    return values


def _letter(check, cal):
    check.only("kind", "number", "signed_on", "issuer", "title_vi", "title_en", "url", "findings")
    number = check.text("number", 80)
    values = {
        "signed_on": check.date("signed_on"),
        "issuer_id": check.agency_id("issuer", required=False),
        "title_vi": check.text("title_vi", 500),
        "title_en": check.text("title_en", 500, required=False),
        "url": check.url("url"),
    }
    findings = [
        check.finding(f"findings[{n}]", ref) for n, ref in enumerate(check.strings("findings"))
    ]
    result = _upsert(FollowUpLetter, {"number": number}, values)
    db.session.flush()
    letter = db.session.scalar(sa.select(FollowUpLetter).filter_by(number=number))
    if {f.id for f in letter.findings} != {f.id for f in findings}:
        letter.findings = findings
        result = "updated" if result == "unchanged" else result
    return result


# Writing a checked inspection, touching only what changed.


def sync_inspection(slug, values, members, topics, units, findings):
    """Create or update an inspection and everything under it; says what happened."""
    inspection = db.session.scalar(sa.select(Inspection).filter_by(slug=slug))
    if inspection is not None and not inspection.imported:
        return "kept"  # created or changed on the portal: staff's, not the file's
    created = inspection is None
    if created:
        inspection = Inspection(slug=slug, imported=True, status=ContentStatus.PUBLISHED)
        db.session.add(inspection)
    changed = assign(inspection, values)
    if {a.id for a in inspection.members} != {a.id for a in members}:
        inspection.members = members
        changed = True
    if set(inspection.topics) != set(topics):
        inspection.topic_links = [InspectionTopic(topic=topic) for topic in topics]
        changed = True
    changed |= _sync_units(inspection, units)
    changed |= _sync_findings(inspection, findings)
    if created:
        return "created"
    return "updated" if changed else "unchanged"


def _sync_units(inspection, units):
    existing = {unit.agency_id: unit for unit in inspection.units}
    changed = False
    kept = []
    for position, (agency_id, values) in enumerate(units):
        unit = existing.get(agency_id)
        if unit is None:
            unit = InspectedUnit(agency_id=agency_id)
            changed = True
        changed |= assign(unit, {"position": position, **values})
        kept.append(unit)
    if [u.agency_id for u in inspection.units] != [u.agency_id for u in kept] or len(
        existing
    ) != len(kept):
        changed = True
    inspection.units = kept
    return changed


def _sync_findings(inspection, findings):
    existing = {finding.ref: finding for finding in inspection.findings}
    changed = len(existing) != len(findings) or set(existing) != {f["ref"] for f in findings}
    kept = []
    for position, values in enumerate(findings):
        values = dict(values)
        follow_ups = values.pop("follow_ups")
        finding = existing.get(values["ref"])
        if finding is None:
            finding = Finding()
            changed = True
        changed |= assign(finding, {"position": position, **values})
        changed |= _sync_follow_ups(finding, follow_ups)
        kept.append(finding)
    inspection.findings = kept
    return changed


def _sync_follow_ups(finding, follow_ups):
    """The file's reports replace the imported ones; those entered on the portal stay."""
    current = sorted(
        (report for report in finding.follow_ups if report.imported), key=lambda r: r.position
    )
    entered = [report for report in finding.follow_ups if not report.imported]
    changed = len(current) != len(follow_ups)
    kept = []
    for position, values in enumerate(follow_ups):
        follow_up = current[position] if position < len(current) else FollowUp(imported=True)
        changed |= assign(follow_up, {"position": position, **values})
        kept.append(follow_up)
    finding.follow_ups = kept + entered
    return changed
