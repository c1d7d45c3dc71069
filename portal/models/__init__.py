"""The data model, one module per subject; everything is importable from `portal.models`.

    base.py           db, migrations, UTC datetimes, slugs, bilingual `localized()`
    agencies.py       Agency (province, departments, districts, communes), AgencyAlias, Hotline
    announcements.py  Announcement
    procedures.py     Procedure and what it links to: Sector, Decision, LifeEvent, revisions
    inspections.py    InspectionPlan, Inspection, InspectedUnit, Finding, FollowUp, letters
    holidays.py       HolidayChange, the admin's edits to the working-day calendar
    search.py         SearchChange, the search index's change log
    versions.py       ContentVersion, the public history of published changes; Attachment
    feedback.py       Feedback (phản ánh, kiến nghị), its FeedbackEvent history and Redaction
                      register; RateEvent
    users.py          User (staff accounts, roles), UserSession, LoginFailure, RecoveryCode,
                      AuditEvent (the append-only audit trail)

A model module imports only `portal.models.*`: never a feature, a view or the CLI.
"""

from portal.models.agencies import Agency, AgencyAlias, Hotline, Level
from portal.models.announcements import Announcement, AnnouncementStatus
from portal.models.base import (
    SLUG,
    Base,
    ContentStatus,
    Localized,
    Published,
    Timestamped,
    Translated,
    TranslationStatus,
    UTCDateTime,
    db,
    enum_column,
    init_app,
    localized,
    migrate,
    slugify,
    unique_slug,
    utcnow,
)
from portal.models.feedback import (
    Channel,
    Feedback,
    FeedbackEvent,
    FeedbackStatus,
    Ground,
    RateEvent,
    Redaction,
    SenderType,
)
from portal.models.holidays import HolidayChange
from portal.models.inspections import (
    OVERDUE,
    STATUSES,
    Finding,
    FindingStatus,
    FollowUp,
    FollowUpLetter,
    InspectedUnit,
    Inspection,
    InspectionPlan,
    InspectionTopic,
    Topic,
    inspection_member,
    letter_finding,
)
from portal.models.pages import PageGeneration
from portal.models.procedures import (
    PROCEDURE_CODE,
    Decision,
    DecisionAction,
    LifeEvent,
    OnlineLevel,
    Procedure,
    ProcedureAgency,
    ProcedureDecision,
    ProcedureLocal,
    ProcedureRevision,
    Sector,
    Validity,
    procedure_life_event,
)
from portal.models.search import SearchChange
from portal.models.users import (
    AuditEvent,
    LoginFailure,
    RecoveryCode,
    Role,
    User,
    UserSession,
)
from portal.models.versions import Attachment, ContentVersion

__all__ = [
    "OVERDUE",
    "PROCEDURE_CODE",
    "SLUG",
    "STATUSES",
    "Agency",
    "AgencyAlias",
    "Announcement",
    "AnnouncementStatus",
    "Attachment",
    "AuditEvent",
    "Base",
    "Channel",
    "ContentStatus",
    "ContentVersion",
    "Decision",
    "DecisionAction",
    "Feedback",
    "FeedbackEvent",
    "FeedbackStatus",
    "Finding",
    "FindingStatus",
    "FollowUp",
    "FollowUpLetter",
    "Ground",
    "HolidayChange",
    "Hotline",
    "InspectedUnit",
    "Inspection",
    "InspectionPlan",
    "InspectionTopic",
    "Level",
    "LifeEvent",
    "Localized",
    "LoginFailure",
    "OnlineLevel",
    "PageGeneration",
    "Procedure",
    "ProcedureAgency",
    "ProcedureDecision",
    "ProcedureLocal",
    "ProcedureRevision",
    "Published",
    "RateEvent",
    "RecoveryCode",
    "Redaction",
    "Role",
    "SearchChange",
    "Sector",
    "SenderType",
    "Timestamped",
    "Topic",
    "Translated",
    "TranslationStatus",
    "UTCDateTime",
    "User",
    "UserSession",
    "Validity",
    "db",
    "enum_column",
    "init_app",
    "inspection_member",
    "letter_finding",
    "localized",
    "migrate",
    "procedure_life_event",
    "slugify",
    "unique_slug",
    "utcnow",
]
