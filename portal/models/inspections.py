"""Inspection plans, inspections, their conclusions, findings, follow-ups and letters."""

import enum
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.agencies import Agency
from portal.models.base import (
    ContentStatus,
    Model,
    Published,
    Timestamped,
    Translated,
    db,
    enum_column,
)


class Topic(enum.StrEnum):
    """The curated list of what an administrative-reform inspection checks."""

    DIRECTION = "direction"  # chỉ đạo, điều hành
    INSTITUTIONS = "institutions"  # cải cách thể chế
    PROCEDURES = "procedures"  # kiểm soát và công khai thủ tục hành chính
    ONE_STOP = "one_stop"  # cơ chế một cửa, một cửa liên thông
    ORGANISATION = "organisation"  # tổ chức bộ máy
    CIVIL_SERVICE = "civil_service"  # kỷ luật, kỷ cương, đội ngũ công chức
    PUBLIC_FINANCE = "public_finance"  # tài chính công
    E_GOVERNMENT = "e_government"  # ứng dụng CNTT, chính quyền điện tử
    COMMUNICATION = "communication"  # thông tin, tuyên truyền


class FindingStatus(enum.StrEnum):
    """What the unit reported; "overdue" is never stored, it follows from the deadline."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    PARTLY_DONE = "partly_done"
    DONE = "done"


OVERDUE = "overdue"
STATUSES = ("open", "in_progress", "partly_done", "done", OVERDUE)


class InspectionPlan(Timestamped, Model):
    """A plan (kế hoạch kiểm tra) under which the year's inspections take place: from an
    import file (`imported`, which the importer keeps in step) or kept on the portal."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(80), unique=True)
    signed_on: Mapped[date | None]
    year: Mapped[int]
    issuer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    title_vi: Mapped[str] = mapped_column(sa.String(500))
    title_en: Mapped[str | None] = mapped_column(sa.String(500))
    topics: Mapped[list] = mapped_column(sa.JSON, default=list)
    url: Mapped[str | None] = mapped_column(sa.String(500))
    imported: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    issuer: Mapped[Agency | None] = relationship()


class InspectionTopic(Model):
    """A topic the team checked during an inspection."""

    inspection_id: Mapped[int] = mapped_column(
        sa.ForeignKey("inspection.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[Topic] = mapped_column(enum_column(Topic), primary_key=True, index=True)


inspection_member = sa.Table(
    "inspection_member",
    db.metadata,
    sa.Column(
        "inspection_id", sa.ForeignKey("inspection.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("agency_id", sa.ForeignKey("agency.id"), primary_key=True, index=True),
)


class Inspection(Translated, Published, Timestamped, Model):
    """An inspection team's visit (đợt kiểm tra) and its conclusion, in the editorial
    workflow: staff write it as a draft and publish it; each published change (its findings
    included) is a public version.

    `imported`: it came from an import file and nobody changed it on the portal since; the
    importer keeps only those in step, and leaves alone what staff changed in the browser."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("inspection_plan.id"), index=True)
    year: Mapped[int] = mapped_column(index=True)
    title_vi: Mapped[str] = mapped_column(sa.String(500))
    title_en: Mapped[str | None] = mapped_column(sa.String(500))
    started_on: Mapped[date]
    ended_on: Mapped[date]
    lead_name: Mapped[str | None] = mapped_column(sa.String(200))
    lead_title_vi: Mapped[str | None] = mapped_column(sa.String(300))
    lead_title_en: Mapped[str | None] = mapped_column(sa.String(300))
    lead_agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agency.id"))
    deputy_name: Mapped[str | None] = mapped_column(sa.String(200))
    deputy_title_vi: Mapped[str | None] = mapped_column(sa.String(300))
    deputy_title_en: Mapped[str | None] = mapped_column(sa.String(300))
    deputy_agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agency.id"))
    # The conclusion (thông báo kết luận): one per inspection, published on the portal.
    conclusion_number: Mapped[str | None] = mapped_column(sa.String(80))
    conclusion_signed_on: Mapped[date | None]
    conclusion_published_on: Mapped[date | None]
    conclusion_text_vi: Mapped[str | None] = mapped_column(sa.Text)
    conclusion_text_en: Mapped[str | None] = mapped_column(sa.Text)
    conclusion_url: Mapped[str | None] = mapped_column(sa.String(500))
    status: Mapped[ContentStatus] = mapped_column(
        enum_column(ContentStatus, name="status"),
        default=ContentStatus.PUBLISHED,
        server_default=ContentStatus.PUBLISHED.value,
        index=True,
    )
    imported: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    plan: Mapped[InspectionPlan | None] = relationship()
    lead_agency: Mapped[Agency | None] = relationship(foreign_keys=[lead_agency_id])
    deputy_agency: Mapped[Agency | None] = relationship(foreign_keys=[deputy_agency_id])
    members: Mapped[list[Agency]] = relationship(
        secondary=inspection_member, order_by=Agency.name_vi
    )
    units: Mapped[list["InspectedUnit"]] = relationship(
        back_populates="inspection", order_by="InspectedUnit.position", cascade="all, delete-orphan"
    )
    findings: Mapped[list["Finding"]] = relationship(
        back_populates="inspection", order_by="Finding.position", cascade="all, delete-orphan"
    )
    topic_links: Mapped[list[InspectionTopic]] = relationship(cascade="all, delete-orphan")

    VI_FIELDS = ("title_vi", "lead_title_vi", "deputy_title_vi", "conclusion_text_vi")
    EN_FIELDS = ("title_en", "lead_title_en", "deputy_title_en", "conclusion_text_en")
    # What a public version keeps: the conclusion, and the findings as readable text.
    PUBLIC_FIELDS = (
        "title_vi",
        "title_en",
        "conclusion_number",
        "conclusion_signed_on",
        "conclusion_text_vi",
        "conclusion_text_en",
        "findings_vi",
        "findings_en",
    )

    @property
    def findings_vi(self):
        """The units' assessments and the findings, as one text (for a public version)."""
        return self._findings_text("vi", "Kiến nghị", "Hạn")

    @property
    def findings_en(self):
        if not self.title_en:
            return None
        return self._findings_text("en", "Recommendation", "Deadline")

    def _findings_text(self, lang, recommendation, deadline):
        def text(record, field):
            return getattr(record, f"{field}_{lang}", None) or getattr(record, f"{field}_vi") or ""

        parts = []
        for unit in self.units:
            parts.append(f"## {text(unit.agency, 'name')}")
            if unit.assessment_vi:
                parts.append(text(unit, "assessment"))
            for finding in self.findings:
                if finding.agency_id == unit.agency_id:
                    day = finding.deadline
                    due = f" {deadline}: {day.isoformat()}." if day else ""
                    parts.append(
                        f"- {text(finding, 'text')} {recommendation}: "
                        f"{text(finding, 'recommendation')}{due}"
                    )
        return "\n".join(parts)

    @property
    def topics(self):
        """The topics checked, in the curated list's order."""
        chosen = {link.topic for link in self.topic_links}
        return [topic for topic in Topic if topic in chosen]

    @property
    def publication_delay(self):
        """Calendar days from signing to publication, or None when either date is unknown."""
        if self.conclusion_signed_on and self.conclusion_published_on:
            return (self.conclusion_published_on - self.conclusion_signed_on).days
        return None


class InspectedUnit(Model):
    """A unit the team inspected, with the conclusion's overall assessment of it."""

    inspection_id: Mapped[int] = mapped_column(
        sa.ForeignKey("inspection.id", ondelete="CASCADE"), primary_key=True
    )
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(default=0)
    assessment_vi: Mapped[str | None] = mapped_column(sa.Text)
    assessment_en: Mapped[str | None] = mapped_column(sa.Text)

    inspection: Mapped[Inspection] = relationship(back_populates="units")
    agency: Mapped[Agency] = relationship()


letter_finding = sa.Table(
    "letter_finding",
    db.metadata,
    sa.Column(
        "letter_id", sa.ForeignKey("follow_up_letter.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column(
        "finding_id", sa.ForeignKey("finding.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)


class Finding(Timestamped, Model):
    """A shortcoming (hạn chế, thiếu sót) of one unit and what it was told to fix, by when."""

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(
        sa.ForeignKey("inspection.id", ondelete="CASCADE"), index=True
    )
    ref: Mapped[str] = mapped_column(sa.String(40))  # the import's key within the inspection
    position: Mapped[int] = mapped_column(default=0)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    topic: Mapped[Topic] = mapped_column(enum_column(Topic), index=True)
    text_vi: Mapped[str] = mapped_column(sa.Text)
    text_en: Mapped[str | None] = mapped_column(sa.Text)
    recommendation_vi: Mapped[str] = mapped_column(sa.Text)
    recommendation_en: Mapped[str | None] = mapped_column(sa.Text)
    responsible_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agency.id"))
    deadline: Mapped[date | None] = mapped_column(index=True)
    status: Mapped[FindingStatus] = mapped_column(
        enum_column(FindingStatus), default=FindingStatus.OPEN, index=True
    )
    resolved_on: Mapped[date | None]

    inspection: Mapped[Inspection] = relationship(back_populates="findings")
    agency: Mapped[Agency] = relationship(foreign_keys=[agency_id])
    responsible: Mapped[Agency | None] = relationship(foreign_keys=[responsible_id])
    # Every report, drafts included (the staff's side); visitors see public_follow_ups.
    follow_ups: Mapped[list["FollowUp"]] = relationship(
        back_populates="finding",
        order_by="[FollowUp.reported_on, FollowUp.position, FollowUp.id]",
        cascade="all, delete-orphan",
    )
    # What visitors see: published reports, and withdrawn ones with the reason.
    public_follow_ups: Mapped[list["FollowUp"]] = relationship(
        primaryjoin="and_(Finding.id == FollowUp.finding_id, "
        "FollowUp.status.in_(('published', 'withdrawn')))",
        order_by="[FollowUp.reported_on, FollowUp.position, FollowUp.id]",
        viewonly=True,
    )
    letters: Mapped[list["FollowUpLetter"]] = relationship(
        secondary=letter_finding, back_populates="findings", order_by="FollowUpLetter.signed_on"
    )

    __table_args__ = (sa.UniqueConstraint("inspection_id", "ref"),)

    @property
    def last_follow_up(self):
        """The latest report in force (published, not withdrawn), or None."""
        published = [r for r in self.public_follow_ups if r.status == ContentStatus.PUBLISHED]
        return published[-1] if published else None


class FollowUp(Translated, Published, Timestamped, Model):
    """A remediation report (báo cáo khắc phục) the unit sent about one finding: imported
    with the inspection, or entered by the responsible agency's officer and published.

    Publishing one that reports a status sets the finding's status (and resolution date);
    the finding's values before are kept here, so a withdrawal can put them back."""

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(
        sa.ForeignKey("finding.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    reported_on: Mapped[date]
    number: Mapped[str | None] = mapped_column(sa.String(80))
    text_vi: Mapped[str] = mapped_column(sa.Text)
    text_en: Mapped[str | None] = mapped_column(sa.Text)
    url: Mapped[str | None] = mapped_column(sa.String(500))
    # What the unit says the finding's state is now, and since when it is fixed.
    reported_status: Mapped[FindingStatus | None] = mapped_column(
        enum_column(FindingStatus, name="reported_status")
    )
    resolved_on: Mapped[date | None]
    # From an import file (the importer keeps these in step) or entered on the portal.
    imported: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    status: Mapped[ContentStatus] = mapped_column(
        enum_column(ContentStatus, name="status"),
        default=ContentStatus.PUBLISHED,
        server_default=ContentStatus.PUBLISHED.value,
    )
    # The finding's status and resolution date before this report set them.
    finding_status_before: Mapped[FindingStatus | None] = mapped_column(
        enum_column(FindingStatus, name="finding_status_before")
    )
    finding_resolved_before: Mapped[date | None]

    finding: Mapped[Finding] = relationship(back_populates="follow_ups")

    VI_FIELDS = ("text_vi",)
    EN_FIELDS = ("text_en",)
    PUBLIC_FIELDS = ("reported_on", "number", "text_vi", "text_en", "reported_status")


class FollowUpLetter(Timestamped, Model):
    """A letter of the chairman (công văn) that follows up on findings."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(80), unique=True)
    signed_on: Mapped[date]
    issuer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agency.id"))
    title_vi: Mapped[str] = mapped_column(sa.String(500))
    title_en: Mapped[str | None] = mapped_column(sa.String(500))
    url: Mapped[str | None] = mapped_column(sa.String(500))

    issuer: Mapped[Agency | None] = relationship()
    findings: Mapped[list[Finding]] = relationship(
        secondary=letter_finding, back_populates="letters"
    )
