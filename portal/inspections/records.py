"""Writing a checked inspection to the database, touching only what changed."""

import sqlalchemy as sa

from portal.importing import assign
from portal.models import (
    Finding,
    FollowUp,
    InspectedUnit,
    Inspection,
    InspectionTopic,
    db,
)


def sync_inspection(slug, values, members, topics, units, findings):
    """Create or update an inspection and everything under it; says what happened."""
    inspection = db.session.scalar(sa.select(Inspection).filter_by(slug=slug))
    created = inspection is None
    if created:
        inspection = Inspection(slug=slug)
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
    current = list(finding.follow_ups)
    changed = len(current) != len(follow_ups)
    kept = []
    for position, values in enumerate(follow_ups):
        follow_up = current[position] if position < len(current) else FollowUp()
        changed |= assign(follow_up, {"position": position, **values})
        kept.append(follow_up)
    finding.follow_ups = kept
    return changed
