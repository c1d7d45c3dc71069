"""`flask demo load`: a believable province (Cà Mau), its directory here, the rest by feature.

Agencies and hotlines come first: every other feature's demo records point at them.
"""

import json
from collections import Counter
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from portal.announcements import demo as announcements_demo
from portal.feedback import demo as feedback_demo
from portal.importing import assign
from portal.inspections import demo as inspections_demo
from portal.models import Agency, Hotline, Level, db
from portal.procedures import demo as procedures_demo

DATA = Path(__file__).with_name("demo_data")
AGENCY_FIELDS = (
    "name_vi",
    "name_en",
    "address",
    "phone",
    "email",
    "website",
    "working_hours_vi",
    "working_hours_en",
)


def load():
    """Create or update the demo records; a second run changes nothing. Returns counts."""
    counts = load_directory()
    counts.update(announcements_demo.load())
    counts.update(procedures_demo.load())
    counts.update(inspections_demo.load())
    counts.update(feedback_demo.load())
    return counts


def load_directory():
    """The demo province's agencies and hotlines alone, committed. Returns counts."""
    counts = Counter()
    agencies = _load_agencies(counts)
    _load_hotlines(agencies, counts)
    db.session.commit()
    return counts


def _read(name):
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def _load_agencies(counts):
    rows = _read("agencies.json")
    agencies = {a.slug: a for a in db.session.scalars(sa.select(Agency))}
    for row in rows:
        values = {field: row.get(field) or None for field in AGENCY_FIELDS}
        values["level"] = Level(row["level"])
        for field in ("valid_from", "valid_until"):  # the 2025 reform: see DOMAIN.md
            values[field] = date.fromisoformat(row[field]) if row.get(field) else None
        _upsert(agencies, row["slug"], values, counts)
    db.session.flush()
    # Parents and successors in a second pass, so the file's order does not matter.
    for row in rows:
        agency = agencies[row["slug"]]
        parent = agencies[row["parent"]] if row.get("parent") else None
        successor = agencies[row["successor"]] if row.get("successor") else None
        if agency.parent is not parent:
            agency.parent = parent
        if agency.successor is not successor:
            agency.successor = successor
    return agencies


def _upsert(agencies, slug, values, counts):
    agency = agencies.get(slug)
    if agency is None:
        agencies[slug] = agency = Agency(slug=slug, **values)
        db.session.add(agency)
        counts["created"] += 1
    elif assign(agency, values):
        counts["updated"] += 1
    else:
        counts["unchanged"] += 1


def _load_hotlines(agencies, counts):
    existing = {(h.agency.slug, h.phone): h for h in db.session.scalars(sa.select(Hotline))}
    for row in _read("hotlines.json"):
        values = {
            "agency": agencies[row["agency"]],
            "purpose_vi": row["purpose_vi"],
            "purpose_en": row.get("purpose_en") or None,
            "phone": row["phone"],
            "hours_vi": row.get("hours_vi") or None,
            "hours_en": row.get("hours_en") or None,
            "channels": " ".join(row.get("channels") or ["phone"]),
            "verified_on": date.fromisoformat(row["verified_on"])
            if row.get("verified_on")
            else None,
            "is_main": bool(row.get("is_main")),
        }
        hotline = existing.get((row["agency"], row["phone"]))
        if hotline is None:
            db.session.add(Hotline(**values))
            counts["created"] += 1
        elif assign(hotline, values):
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
