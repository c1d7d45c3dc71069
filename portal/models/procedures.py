"""Administrative procedures, their fields, decisions, life events and revisions, and what
the province adds to each national record (ProcedureLocal)."""

import enum
import re
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.agencies import Agency, Hotline
from portal.models.base import (
    ContentStatus,
    Model,
    Published,
    Timestamped,
    Translated,
    UTCDateTime,
    db,
    enum_column,
    utcnow,
)


class Validity(enum.StrEnum):
    IN_FORCE = "in_force"
    AMENDED = "amended"
    ABOLISHED = "abolished"


class OnlineLevel(enum.StrEnum):
    NONE = "none"
    PARTIAL = "partial"  # some steps online (dịch vụ công trực tuyến một phần)
    FULL = "full"  # the whole procedure online (toàn trình)


class DecisionAction(enum.StrEnum):
    ANNOUNCED = "announced"
    AMENDED = "amended"
    ABOLISHED = "abolished"


class Sector(Timestamped, Model):
    """A field of procedures (lĩnh vực): civil status, land, customs …"""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    name_vi: Mapped[str] = mapped_column(sa.String(300), unique=True)
    name_en: Mapped[str | None] = mapped_column(sa.String(300))


class Decision(Timestamped, Model):
    """A publishing decision (quyết định công bố) that announces, amends or abolishes procedures."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(80), unique=True)
    signed_on: Mapped[date | None]
    title_vi: Mapped[str | None] = mapped_column(sa.String(500))
    url: Mapped[str | None] = mapped_column(sa.String(500))


class LifeEvent(Timestamped, Model):
    """A moment in life that needs several procedures: having a baby, marrying, building …"""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name_vi: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str | None] = mapped_column(sa.String(200))
    position: Mapped[int] = mapped_column(default=0)


procedure_life_event = sa.Table(
    "procedure_life_event",
    db.metadata,
    sa.Column("procedure_id", sa.ForeignKey("procedure.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "life_event_id",
        sa.ForeignKey("life_event.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class ProcedureAgency(Model):
    """An agency's role in a procedure: implementing, competent or coordinating."""

    procedure_id: Mapped[int] = mapped_column(
        sa.ForeignKey("procedure.id", ondelete="CASCADE"), primary_key=True
    )
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(sa.String(20), primary_key=True)

    agency: Mapped[Agency] = relationship()


class ProcedureDecision(Model):
    """Which decision did what to a procedure."""

    procedure_id: Mapped[int] = mapped_column(
        sa.ForeignKey("procedure.id", ondelete="CASCADE"), primary_key=True
    )
    decision_id: Mapped[int] = mapped_column(
        sa.ForeignKey("decision.id"), primary_key=True, index=True
    )
    action: Mapped[DecisionAction] = mapped_column(enum_column(DecisionAction), primary_key=True)

    decision: Mapped[Decision] = relationship()


# A national procedure code: 1.000689, or in full 1.001612.000.00.00.H01.
PROCEDURE_CODE = re.compile(r"^\d\.\d{6}(\.\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2})?$")


class Procedure(Timestamped, Model):
    """An administrative procedure (thủ tục hành chính) with every part the law requires.

    Structured parts (steps, channels, documents, legal bases, result) are JSON lists as the
    national database publishes them; `raw` keeps source text the importer could not split.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name_vi: Mapped[str] = mapped_column(sa.Text)
    name_en: Mapped[str | None] = mapped_column(sa.Text)
    # Lower-case, accentless name and code: the finder's box matches this until search lands.
    name_folded: Mapped[str] = mapped_column(sa.Text, default="")
    sector_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sector.id"), index=True)
    procedure_type: Mapped[str | None] = mapped_column(sa.String(200))
    level_ministry: Mapped[bool] = mapped_column(default=False)
    level_province: Mapped[bool] = mapped_column(default=False)
    level_district: Mapped[bool] = mapped_column(default=False)
    level_commune: Mapped[bool] = mapped_column(default=False)
    level_other: Mapped[bool] = mapped_column(default=False)
    for_citizens: Mapped[bool] = mapped_column(default=False)
    for_businesses: Mapped[bool] = mapped_column(default=False)
    for_organisations: Mapped[bool] = mapped_column(default=False)
    applicant_types: Mapped[list] = mapped_column(sa.JSON, default=list)
    steps: Mapped[list] = mapped_column(sa.JSON, default=list)
    channels: Mapped[list] = mapped_column(sa.JSON, default=list)
    documents: Mapped[list] = mapped_column(sa.JSON, default=list)
    legal_bases: Mapped[list] = mapped_column(sa.JSON, default=list)
    result: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # the first of `results`
    results: Mapped[list] = mapped_column(sa.JSON, default=list)  # every result, in order
    # "Thủ tục liên quan": names as the national record gives them (it gives no codes).
    related_names: Mapped[list] = mapped_column(sa.JSON, default=list)
    # Another province's own procedure ("… trên địa bàn tỉnh Hà Tĩnh"), imported only on
    # purpose (`flask import procedures --other-provinces`): that province's name.
    other_province: Mapped[str | None] = mapped_column(sa.String(100))
    # SHA-256 of the national record as read: a later import of the same record that reads it
    # differently (a better parser) is a re-reading, not a change in the source.
    source_hash: Mapped[str | None] = mapped_column(sa.String(64))
    processing_days: Mapped[float | None]
    fee_summary: Mapped[str | None] = mapped_column(sa.Text)
    conditions_vi: Mapped[str | None] = mapped_column(sa.Text)
    conditions_en: Mapped[str | None] = mapped_column(sa.Text)
    submission_address: Mapped[str | None] = mapped_column(sa.Text)
    agency_names: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    online_level: Mapped[OnlineLevel] = mapped_column(
        enum_column(OnlineLevel), default=OnlineLevel.NONE
    )
    validity: Mapped[Validity] = mapped_column(
        enum_column(Validity), default=Validity.IN_FORCE, index=True
    )
    effective_from: Mapped[date | None]
    abolished_on: Mapped[date | None]
    replaced_by_code: Mapped[str | None] = mapped_column(sa.String(40))
    source: Mapped[str | None] = mapped_column(sa.Text)  # the import that last wrote it
    source_url: Mapped[str | None] = mapped_column(sa.String(500))
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    raw: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    sector: Mapped[Sector | None] = relationship()
    agencies: Mapped[list[ProcedureAgency]] = relationship(cascade="all, delete-orphan")
    decisions: Mapped[list[ProcedureDecision]] = relationship(cascade="all, delete-orphan")
    life_events: Mapped[list[LifeEvent]] = relationship(secondary=procedure_life_event)
    revisions: Mapped[list["ProcedureRevision"]] = relationship(
        back_populates="procedure",
        order_by="ProcedureRevision.id.desc()",
        cascade="all, delete-orphan",
    )
    local: Mapped["ProcedureLocal | None"] = relationship(
        back_populates="procedure", cascade="all, delete-orphan"
    )

    # A narrow index holding every filter column: the finder's facet counts scan it instead
    # of the wide rows (halves the finder's time with the national database loaded).
    __table_args__ = (
        sa.Index(
            "ix_procedure_facets",
            "sector_id",
            "online_level",
            "validity",
            "level_ministry",
            "level_province",
            "level_district",
            "level_commune",
            "level_other",
            "for_citizens",
            "for_businesses",
            "for_organisations",
            "id",
        ),
    )

    LEVELS = ("ministry", "province", "district", "commune", "other")
    APPLICANTS = {
        "citizen": "for_citizens",
        "business": "for_businesses",
        "organisation": "for_organisations",
    }

    @property
    def levels(self):
        return [level for level in self.LEVELS if getattr(self, f"level_{level}")]

    @property
    def applicant_kinds(self):
        return [kind for kind, column in self.APPLICANTS.items() if getattr(self, column)]

    def agencies_in(self, role):
        return [link.agency for link in self.agencies if link.role == role]

    def decision_for(self, action):
        """The latest decision that did `action` to this procedure, if any."""
        found = [link.decision for link in self.decisions if link.action == action]
        return max(found, key=lambda d: (d.signed_on or date.min, d.id), default=None)

    # Decree 63/2010, Art. 8: a procedure is complete only with these parts (fees: a statement,
    # "Miễn phí" included, since the national records state one for every procedure).
    REQUIRED_PARTS = (
        "name",
        "steps",
        "channels",
        "documents",
        "processing_time",
        "fee",
        "applicant_types",
        "agency",
        "result",
        "legal_bases",
    )

    def missing_parts(self):
        present = {
            "name": bool(self.name_vi),
            "steps": bool(self.steps),
            "channels": bool(self.channels),
            "documents": bool(self.documents),
            # A cell kept as published states its time and fee, though not apart.
            "processing_time": any(
                c.get("time_text") or c.get("as_published") for c in self.channels
            ),
            "fee": any(
                c.get("fee_text") or c.get("fee_vnd") is not None or c.get("as_published")
                for c in self.channels
            ),
            "legal_bases": bool(self.legal_bases),
            "applicant_types": bool(self.applicant_types),
            "agency": bool(self.agency_names.get("implementing")),
            "result": bool(self.result.get("name")),
        }
        return [part for part in self.REQUIRED_PARTS if not present[part]]

    @property
    def completeness(self):
        """Share of the legally required parts present, 0.0–1.0."""
        return 1 - len(self.missing_parts()) / len(self.REQUIRED_PARTS)


class ProcedureRevision(Model):
    """One change to a procedure: which fields, old and new values, when, by whom, under what."""

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(
        sa.ForeignKey("procedure.id", ondelete="CASCADE"), index=True
    )
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(sa.String(20))  # created, updated, reread, abolished
    # "import: file.jsonl, lists.xlsx …" or a user: Text, an import may name many files.
    changed_by: Mapped[str] = mapped_column(sa.Text)
    decision_number: Mapped[str | None] = mapped_column(sa.String(80))
    changes: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # field -> [old, new]

    procedure: Mapped[Procedure] = relationship(back_populates="revisions")


class ProcedureLocal(Translated, Published, Timestamped, Model):
    """What the province adds to a national record, in the browser: the English name and
    conditions, a local note (where to go here, what to know), the body that processes it
    here and the number to call. The national record itself changes only by import; the
    English texts are copied onto it when published, so every list and the search read them.
    The Vietnamese side's date also moves when an import changes the Vietnamese it
    translates (the name or the conditions), so the English reads "outdated" then."""

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(
        sa.ForeignKey("procedure.id", ondelete="CASCADE"), unique=True
    )
    name_en: Mapped[str | None] = mapped_column(sa.Text)
    conditions_en: Mapped[str | None] = mapped_column(sa.Text)
    note_vi: Mapped[str | None] = mapped_column(sa.Text)
    note_en: Mapped[str | None] = mapped_column(sa.Text)
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    hotline_id: Mapped[int | None] = mapped_column(sa.ForeignKey("hotline.id"))
    status: Mapped[ContentStatus] = mapped_column(
        enum_column(ContentStatus, name="status"), default=ContentStatus.DRAFT
    )

    procedure: Mapped[Procedure] = relationship(back_populates="local")
    agency: Mapped[Agency | None] = relationship()
    hotline: Mapped[Hotline | None] = relationship()

    VI_FIELDS = ("note_vi",)
    EN_FIELDS = ("name_en", "conditions_en", "note_en")
    PUBLIC_FIELDS = ("name_en", "conditions_en", "note_vi", "note_en", "agency_id", "hotline_id")
