"""The database, its conventions, and the helpers every model uses (UTC, slugs, languages)."""

import enum
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from portal.text import fold

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
# db.Model is made at run time (it adds table names from class names); mypy checks the
# models against the declarative base it derives from.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
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


def enum_column(enum_class, name=None):
    """An enum stored as its value (`"province"`), checked by the database, not a native type.

    `name` names the CHECK constraint (the class's name in lower case by default).
    """
    return sa.Enum(
        enum_class,
        name=name or enum_class.__name__.lower(),
        native_enum=False,
        length=20,
        create_constraint=True,
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


class TranslationStatus(enum.StrEnum):
    MISSING = "missing"
    UP_TO_DATE = "up_to_date"
    OUTDATED = "outdated"  # the Vietnamese changed after the English was last saved


class Translated:
    """When each language's text last changed, for a translation status. VI_FIELDS and
    EN_FIELDS name the record's paired columns; the first English one empty means there is
    no translation."""

    VI_FIELDS: tuple[str, ...] = ()
    EN_FIELDS: tuple[str, ...] = ()
    vi_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    en_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def translation_status(self):
        if not getattr(self, self.EN_FIELDS[0]):
            return TranslationStatus.MISSING
        if self.vi_changed_at and self.en_changed_at and self.vi_changed_at > self.en_changed_at:
            return TranslationStatus.OUTDATED
        return TranslationStatus.UP_TO_DATE


class ContentStatus(enum.StrEnum):
    """The editorial workflow's states, for every content type (portal/publishing.py)."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"  # public from publish_at (at once when it has none)
    WITHDRAWN = "withdrawn"  # kept, with the public reason; its page answers 410


class Published:
    """What the editorial workflow keeps on a record besides its `status`: when it is (or
    was) public from, when the search index was told, and a withdrawal's when and why.
    PUBLIC_FIELDS are what a public version keeps (its texts by default)."""

    PUBLIC_FIELDS: tuple[str, ...] = ()
    # A future time schedules it: it is public from then, in every worker, with no job.
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the search index and the feeds were told a scheduled record came out.
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_reason_vi: Mapped[str | None] = mapped_column(sa.Text)
    withdrawn_reason_en: Mapped[str | None] = mapped_column(sa.Text)

    def is_public(self, now):
        """Published, and its time has come (a scheduled one waits for publish_at)."""
        status = getattr(self, "status")  # noqa: B009 (each model declares its own column)
        return status == ContentStatus.PUBLISHED and (
            self.publish_at is None or self.publish_at <= now
        )


# What a slug in a URL may be: slugify() makes them; routes take them with <slug:…>.
SLUG = "[a-z0-9-]{1,120}"


def slugify(text, max_length=80):
    """ASCII slug for stable URLs: `Sở Tư pháp` -> `so-tu-phap`."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
    return slug[:max_length].rstrip("-") or "item"


def unique_slug(model, name):
    """A slug for `name` not yet used by `model`, also among rows added in this session."""
    base = slugify(name)
    taken = set(db.session.scalars(sa.select(model.slug).where(model.slug.like(f"{base}%"))))
    taken |= {obj.slug for obj in db.session.new if isinstance(obj, model)}
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


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
