"""The data model: every table, bilingual columns and the helper that reads them."""

import enum
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from portal.text import fold

# Named constraints let Alembic alter them later, also on SQLite (batch mode).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()


def init_app(app):
    """Bind the database to the app with the settings each engine needs."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    if uri.startswith("sqlite"):
        # A writer may wait for another worker's write instead of failing at once.
        options.setdefault("connect_args", {"timeout": 15})
    else:
        options.setdefault("pool_pre_ping", True)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/migrations"), render_as_batch=True)


@event.listens_for(sa.Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """WAL lets readers go on while one worker writes; NORMAL sync is safe under WAL."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def enum_column(enum_class):
    """An enum stored as its value (`"province"`), checked by the database, not a native type."""
    return sa.Enum(
        enum_class, native_enum=False, length=20, create_constraint=True,
        values_callable=lambda members: [m.value for m in members],
    )


def utcnow():
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator):
    """A datetime stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given; use an aware UTC datetime")
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


def slugify(text, max_length=80):
    """ASCII slug for stable URLs: `Sở Tư pháp` -> `so-tu-phap`."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
    return slug[:max_length].rstrip("-") or "item"


@dataclass(frozen=True)
class Localized:
    """A content value in the visitor's language, or the Vietnamese one it fell back to."""

    text: str
    lang: str
    is_fallback: bool

    def __str__(self):
        return self.text

    def __bool__(self):
        return bool(self.text)


def localized(record, field, locale):
    """Read `field_<locale>`, falling back to Vietnamese (which is required) and saying so."""
    if locale != "vi":
        text = getattr(record, f"{field}_{locale}", None)
        if text:
            return Localized(text, locale, False)
    text = getattr(record, f"{field}_vi") or ""
    return Localized(text, "vi", locale != "vi" and bool(text))


class Level(enum.StrEnum):
    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"


class Agency(Timestamped, db.Model):
    """A public body: the province's committee, a department, a district or a commune."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    name_vi: Mapped[str] = mapped_column(sa.String(300))
    name_en: Mapped[str | None] = mapped_column(sa.String(300))
    level: Mapped[Level] = mapped_column(enum_column(Level))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    address: Mapped[str | None] = mapped_column(sa.String(300))
    phone: Mapped[str | None] = mapped_column(sa.String(60))
    email: Mapped[str | None] = mapped_column(sa.String(120))
    website: Mapped[str | None] = mapped_column(sa.String(300))
    working_hours_vi: Mapped[str | None] = mapped_column(sa.String(300))
    working_hours_en: Mapped[str | None] = mapped_column(sa.String(300))

    parent: Mapped["Agency | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Agency"]] = relationship(
        back_populates="parent", order_by="Agency.name_vi"
    )
    hotlines: Mapped[list["Hotline"]] = relationship(
        back_populates="agency", order_by="Hotline.id", cascade="all, delete-orphan"
    )


class Hotline(Timestamped, db.Model):
    """A phone number (and other channels) where citizens report problems to an agency."""

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    purpose_vi: Mapped[str] = mapped_column(sa.String(300))
    purpose_en: Mapped[str | None] = mapped_column(sa.String(300))
    phone: Mapped[str] = mapped_column(sa.String(60))
    hours_vi: Mapped[str | None] = mapped_column(sa.String(200))
    hours_en: Mapped[str | None] = mapped_column(sa.String(200))
    # Space-separated channel keys, e.g. "phone zalo"; see CHANNELS.
    channels: Mapped[str] = mapped_column(sa.String(100), default="phone")
    verified_on: Mapped[date | None]
    is_main: Mapped[bool] = mapped_column(default=False)

    agency: Mapped[Agency] = relationship(back_populates="hotlines")

    CHANNELS = ("phone", "zalo", "sms", "email")

    @property
    def channel_list(self):
        return [c for c in self.channels.split() if c in self.CHANNELS]


class Status(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class Announcement(Timestamped, db.Model):
    """News an admin publishes; the body is Markdown, sanitised when rendered."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    title_vi: Mapped[str] = mapped_column(sa.String(300))
    title_en: Mapped[str | None] = mapped_column(sa.String(300))
    summary_vi: Mapped[str | None] = mapped_column(sa.Text)
    summary_en: Mapped[str | None] = mapped_column(sa.Text)
    body_vi: Mapped[str] = mapped_column(sa.Text)
    body_en: Mapped[str | None] = mapped_column(sa.Text)
    published_on: Mapped[date] = mapped_column(index=True)
    status: Mapped[Status] = mapped_column(
        enum_column(Status), default=Status.PUBLISHED
    )
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    source_url: Mapped[str | None] = mapped_column(sa.String(500))

    agency: Mapped[Agency | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("published_on", "title_vi"),)
