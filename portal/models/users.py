"""Staff accounts and the audit trail of what they and the portal's guards did."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.agencies import Agency
from portal.models.base import Model, UTCDateTime, enum_column, utcnow


class Role(enum.StrEnum):
    ADMIN = "admin"  # everything, users and roles included
    EDITOR = "editor"  # all content
    OFFICER = "officer"  # the records of one agency


class User(Model):
    """A member of staff who publishes or answers. No account exists until one is created
    (`flask users create`); the e-mail address is stored as typed and matched casefolded."""

    __tablename__ = "user_account"  # "user" is a reserved word in PostgreSQL
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    email_key: Mapped[str] = mapped_column(sa.String(254), unique=True)  # casefolded
    password_hash: Mapped[str] = mapped_column(sa.String(200))  # argon2id, PHC string
    role: Mapped[Role] = mapped_column(enum_column(Role))
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The second factor (TOTP, RFC 6238): set once the user has confirmed a code from it.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)  # no code used twice

    agency: Mapped[Agency | None] = relationship()


class RecoveryCode(Model):
    """A one-time code that stands in for the second factor; only its hash is kept."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(sa.String(64))  # sha256, hex
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditEvent(Model):
    """One thing that happened, appended and never changed: who, when (UTC), what kind, on
    which record, and the details (old → new for a change). The application has no path to
    update or delete a row: the ORM refuses it (the listener below)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(sa.String(40), index=True)  # "user.created", …
    actor: Mapped[str] = mapped_column(sa.String(254))  # an e-mail, "cli", "anonymous"
    record: Mapped[str | None] = mapped_column(sa.String(200), index=True)  # "user:3"
    address: Mapped[str | None] = mapped_column(sa.String(64))  # the client's IP, if any
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)


@sa.event.listens_for(AuditEvent, "before_update")
@sa.event.listens_for(AuditEvent, "before_delete")
def _append_only(mapper, connection, target):
    raise PermissionError("the audit trail is append-only")


@sa.event.listens_for(sa.orm.Session, "do_orm_execute")
def _no_bulk_change(state):
    """A bulk UPDATE or DELETE statement on the table is refused as a row's change would be."""
    if (state.is_update or state.is_delete) and any(
        mapper.class_ is AuditEvent for mapper in state.all_mappers
    ):
        raise PermissionError("the audit trail is append-only")


class UserSession(Model):
    """A signed-in session, kept on the server: the browser's cookie holds a random token
    whose hash is stored here, so ending the row ends the session wherever the cookie is."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)  # sha256, hex
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(sa.String(40))  # logout, password, …
    address: Mapped[str | None] = mapped_column(sa.String(64))
    user_agent: Mapped[str | None] = mapped_column(sa.String(300))

    user: Mapped[User] = relationship()


class LoginFailure(Model):
    """A failed login, counted per account and per address to slow guessing down; shared
    by every worker and host through the database."""

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(300), index=True)  # "account:…", "address:…"
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
