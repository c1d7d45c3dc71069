"""Creating and changing staff accounts; every change is written to the audit trail."""

import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal import audit
from portal.models import Agency, Role, User, db, utcnow
from portal.users import passwords, sessions

# One "@", something before it, a domain with a dot after it, no spaces: the address is
# checked for shape only; whether it receives mail is the admin's to know.
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class AccountError(ValueError):
    """What is wrong with an account's details, said to the person who typed them."""


def find(email):
    return db.session.scalar(sa.select(User).where(User.email_key == email.strip().casefold()))


def create(email, role, password, agency_slug=None, actor="cli"):
    """A new active account; raises AccountError saying what is wrong. The caller commits."""
    email = email.strip()
    if len(email) > 254 or not EMAIL.fullmatch(email):
        raise AccountError(_l("“%(email)s” is not an e-mail address.", email=email))
    if find(email):
        raise AccountError(_l("An account for %(email)s already exists.", email=email))
    role = Role(role)
    agency = None
    if role is Role.OFFICER:
        if not agency_slug:
            raise AccountError(_l("An agency officer needs the agency they work for."))
        agency = db.session.scalar(sa.select(Agency).where(Agency.slug == agency_slug))
        if agency is None:
            raise AccountError(_l("There is no agency “%(slug)s”.", slug=agency_slug))
    elif agency_slug:
        raise AccountError(_l("Only an agency officer belongs to one agency."))
    if problem := passwords.problem(password, email):
        raise AccountError(problem)
    user = User(
        email=email,
        email_key=email.casefold(),
        password_hash=passwords.hash_password(password),
        role=role,
        agency=agency,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user.created",
        actor,
        on=f"user:{user.id}",
        email=email,
        role=str(role),
        agency=agency.slug if agency else None,
    )
    return user


def get(email):
    """The account for `email`; raises AccountError when there is none."""
    user = find(email)
    if user is None:
        raise AccountError(_l("There is no account for %(email)s.", email=email))
    return user


def disable(email, actor="cli"):
    """Disable the account (it can no longer log in); raises AccountError if there is none."""
    user = get(email)
    if user.active:
        user.active = False
        sessions.end_all(user, "disabled")
        audit.record("user.disabled", actor, on=f"user:{user.id}", email=user.email)
    return user


def set_password(user, password, actor, keep=None):
    """A new password ends every session of the account but `keep` (the one changing it)."""
    if problem := passwords.problem(password, user.email):
        raise AccountError(problem)
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = utcnow()
    sessions.end_all(user, "password", keep=keep)
    audit.record("user.password_changed", actor, on=f"user:{user.id}")
