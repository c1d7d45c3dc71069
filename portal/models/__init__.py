"""The data model, one module per subject; everything is importable from `portal.models`.

    base.py           db, migrations, UTC datetimes, slugs, bilingual `localized()`
    agencies.py       Agency (province, departments, districts, communes), Hotline
    announcements.py  Announcement
    procedures.py     Procedure and what it links to: Sector, Decision, LifeEvent, revisions
    search.py         SearchChange, the search index's change log

Inspections keep their models beside their views (portal/inspections/models.py).
"""

from portal.models.agencies import Agency, Hotline, Level
from portal.models.announcements import Announcement, Status
from portal.models.base import (
    Base,
    Localized,
    Timestamped,
    UTCDateTime,
    db,
    enum_column,
    init_app,
    localized,
    migrate,
    slugify,
    utcnow,
)
from portal.models.procedures import (
    Decision,
    DecisionAction,
    LifeEvent,
    OnlineLevel,
    Procedure,
    ProcedureAgency,
    ProcedureDecision,
    ProcedureRevision,
    Sector,
    Validity,
    procedure_life_event,
)
from portal.models.search import SearchChange

__all__ = [
    "Agency",
    "Announcement",
    "Base",
    "Decision",
    "DecisionAction",
    "Hotline",
    "Level",
    "LifeEvent",
    "Localized",
    "OnlineLevel",
    "Procedure",
    "ProcedureAgency",
    "ProcedureDecision",
    "ProcedureRevision",
    "SearchChange",
    "Sector",
    "Status",
    "Timestamped",
    "UTCDateTime",
    "Validity",
    "db",
    "enum_column",
    "init_app",
    "localized",
    "migrate",
    "procedure_life_event",
    "slugify",
    "utcnow",
]
