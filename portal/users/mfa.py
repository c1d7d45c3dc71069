"""The second factor: TOTP (RFC 6238, pyotp) with a QR code drawn on the server (segno, as
SVG), and ten one-time recovery codes kept as hashes.

A code is accepted one step either side of now (clocks drift), and never twice: the step
of the last code used is kept, and a code of that step or an earlier one is refused.
"""

import hashlib
import hmac
import io
import secrets

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app
from markupsafe import Markup

from portal import audit
from portal.models import RecoveryCode, db, utcnow
from portal.users import sessions

RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def new_secret():
    return pyotp.random_base32()


def provisioning_uri(secret, email):
    return pyotp.TOTP(secret).provisioning_uri(
        name=email, issuer_name=current_app.config["PORTAL_NAME"]
    )


def qr_svg(uri, title):
    """The URI as an SVG QR code, to put in the page as it is (no script, no style)."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=5, xmldecl=False, title=title)
    # segno writes only paths and the escaped title: nothing of the input is left raw.
    return Markup(out.getvalue().decode())  # noqa: S704


def check_code(secret, code, last_step, now=None):
    """The time step `code` belongs to, if it is right and newer than `last_step`; else None."""
    code = "".join((code or "").split())
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    step = totp.timecode(now or utcnow())
    for candidate in (step - 1, step, step + 1):
        if last_step is not None and candidate <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def verify(user, code, now=None):
    """True when `code` is the account's current code, used for the first time."""
    if not user.totp_secret:
        return False
    step = check_code(user.totp_secret, code, user.totp_last_step, now)
    if step is None:
        return False
    user.totp_last_step = step
    return True


def _hash(code):
    return hashlib.sha256(code.replace("-", "").casefold().encode()).hexdigest()


def new_recovery_codes(user):
    """Ten new codes ("abcde-fghjk"), shown once; the old ones stop working."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash(raw)))
    return codes


def use_recovery_code(user, code):
    """True (and the code spent) when `code` is one of the account's unused codes."""
    row = db.session.scalar(
        sa.select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash("".join((code or "").split())),
            RecoveryCode.used_at.is_(None),
        )
    )
    if row is None:
        return False
    row.used_at = utcnow()
    return True


def enable(user, secret, code, actor):
    """Turn the second factor on once the user shows a code from it; returns the recovery
    codes to show, or None when the code is wrong. The caller commits."""
    step = check_code(secret, code, None)
    if step is None:
        return None
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = secret, utcnow(), step
    audit.record("user.mfa_enabled", actor, on=f"user:{user.id}")
    return new_recovery_codes(user)


def reset(user, actor):
    """Remove the second factor (a lost phone): the user enrols again at the next sign-in;
    every session ends. The caller commits."""
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    sessions.end_all(user, "mfa_reset")
    audit.record("user.mfa_reset", actor, on=f"user:{user.id}")
