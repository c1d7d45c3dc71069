"""The second factor's parts: TOTP codes (never used twice), recovery codes, the QR code,
and `flask users reset-mfa`."""

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import sqlalchemy as sa
from flask import g
from pagetext import visible_text

from portal.models import AuditEvent, RecoveryCode, User, UserSession, db
from portal.users import accounts, mfa, sessions

NOW = datetime(2026, 12, 2, 8, 0, 0, tzinfo=UTC)


@pytest.fixture
def user(app):
    user = accounts.create("lan@camau.gov.vn", "admin", "mưa phùn trên sông Gành Hào")
    db.session.commit()
    return user


def _code(secret, when):
    return pyotp.TOTP(secret).at(when)


def test_enrolment_needs_a_right_code_and_gives_ten_recovery_codes(user):
    secret = mfa.new_secret()
    old = _code(secret, datetime.now(UTC) - timedelta(minutes=5))  # a code long gone
    assert mfa.enable(user, secret, old, actor="lan@camau.gov.vn") is None
    assert user.totp_enabled_at is None
    codes = mfa.enable(user, secret, _code(secret, datetime.now(UTC)), actor="lan@camau.gov.vn")
    db.session.commit()
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(len(code) == 11 and code[5] == "-" for code in codes)
    stored = list(db.session.scalars(sa.select(RecoveryCode.code_hash)))
    assert len(stored) == 10 and not set(codes) & set(stored)  # only hashes are kept
    assert user.totp_enabled_at is not None
    kinds = list(db.session.scalars(sa.select(AuditEvent.kind)))
    assert kinds[-1] == "user.mfa_enabled"


def test_a_code_is_accepted_a_step_either_side_and_never_twice(user):
    secret = mfa.new_secret()
    user.totp_secret = secret
    assert mfa.verify(user, _code(secret, NOW), now=NOW)
    assert not mfa.verify(user, _code(secret, NOW), now=NOW)  # replayed
    assert not mfa.verify(user, _code(secret, NOW - timedelta(seconds=30)), now=NOW)  # older
    later = NOW + timedelta(seconds=60)
    assert mfa.verify(user, _code(secret, later + timedelta(seconds=30)), now=later)  # drift
    assert not mfa.verify(user, _code(secret, NOW + timedelta(minutes=5)), now=NOW)
    assert not mfa.verify(user, "12 34", now=NOW) and not mfa.verify(user, "abcdef", now=NOW)


def test_a_recovery_code_works_once_typed_any_way(user):
    user.totp_secret = mfa.new_secret()
    codes = mfa.new_recovery_codes(user)
    db.session.commit()
    typed = codes[0].upper().replace("-", " ")
    assert mfa.use_recovery_code(user, typed)
    db.session.commit()
    assert not mfa.use_recovery_code(user, codes[0])
    assert not mfa.use_recovery_code(user, "zzzzz-zzzzz")
    fresh = mfa.new_recovery_codes(user)  # new codes: the old ones stop working
    assert not mfa.use_recovery_code(user, codes[1]) and mfa.use_recovery_code(user, fresh[1])


def test_the_qr_code_is_an_svg_drawn_on_the_server(app, user):
    with app.test_request_context():
        uri = mfa.provisioning_uri("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", user.email)
        svg = str(mfa.qr_svg(uri, "Mã QR <để quét>"))
    assert uri.startswith(
        "otpauth://totp/C%C3%B4ng%20Khai:lan%40camau.gov.vn?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    )
    assert svg.startswith("<svg") and "<title>Mã QR &lt;để quét&gt;</title>" in svg
    assert "<script" not in svg and "style=" not in svg


def test_reset_mfa_removes_the_factor_and_ends_every_session(app, runner, user):
    secret = mfa.new_secret()
    mfa.enable(user, secret, _code(secret, datetime.now(UTC)), actor="cli")
    with app.test_request_context():
        sessions.start(user)
    db.session.commit()
    result = runner.invoke(args=["users", "reset-mfa", "LAN@camau.gov.vn"])
    assert result.exit_code == 0, result.output
    assert result.output == "second factor removed for lan@camau.gov.vn; every session ended\n"
    user = db.session.scalar(sa.select(User))
    assert user.totp_secret is None and user.totp_enabled_at is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0
    assert db.session.scalar(sa.select(UserSession.end_reason)) == "mfa_reset"
    missing = runner.invoke(args=["users", "reset-mfa", "ai@camau.gov.vn"])
    assert missing.exit_code == 1 and "There is no account for ai@camau.gov.vn." in missing.output


# Through the pages: enrolment, mandatory for admins; the code step at sign-in.

PASSWORD = "mưa phùn trên sông Gành Hào"


def _form(client, url):
    g.pop("csrf_token", None)  # the test's app context outlives requests (see test_users)
    return client.get(url).text


def _post(client, url, **data):
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', _form(client, url))
    return client.post(url, data={**data, "csrf_token": token.group(1)})


def _sign_in(client, email="lan@camau.gov.vn"):
    return _post(client, "/en/account/login", email=email, password=PASSWORD)


def test_an_admin_must_set_up_the_second_factor_before_anything_else(client, user):
    response = _sign_in(client)
    assert response.status_code == 303 and response.location == "/en/account/mfa"
    assert client.get("/en/account/sessions").location == "/en/account/mfa"
    page = _form(client, "/en/account/mfa")
    assert "Administrators must use a second factor." in page
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    wrong = _post(client, "/en/account/mfa", code=_code(secret, NOW))  # a day-old code
    assert wrong.status_code == 400 and "That code is not right." in wrong.text
    page = _post(client, "/en/account/mfa", code=_code(secret, datetime.now(UTC)))
    assert page.status_code == 200, page.text
    text = visible_text(page.text)
    assert "The second factor is on." in text and "shown only this once" in text
    assert len(re.findall(r"<li><code>[a-z2-9]{5}-[a-z2-9]{5}</code></li>", page.text)) == 10
    assert client.get("/en/account/sessions").status_code == 200


def test_with_the_second_factor_on_the_password_alone_signs_nobody_in(app, client, user):
    secret = mfa.new_secret()
    codes = mfa.enable(
        user, secret, _code(secret, datetime.now(UTC) - timedelta(seconds=30)), "cli"
    )
    db.session.commit()
    response = _sign_in(client)
    assert response.status_code == 303 and response.location == "/en/account/login/code"
    assert client.get("/en/account/sessions").status_code == 303  # not signed in yet
    code = _code(secret, datetime.now(UTC))
    response = _post(client, "/en/account/login/code", code=code)
    assert response.status_code == 303 and response.location == "/en/admin"
    assert client.get("/en/account/sessions").status_code == 200
    # The same code, seen over a shoulder, does not sign in a second browser.
    other = app.test_client()
    _sign_in(other)
    replay = _post(other, "/en/account/login/code", code=code)
    assert replay.status_code == 401 and "That code is not right, or it was already used." in (
        replay.text
    )
    assert _post(other, "/en/account/login/code", code=codes[0]).status_code == 303
    kinds = list(db.session.scalars(sa.select(AuditEvent.kind)))
    assert kinds.count("login.succeeded") == 2 and "login.code_failed" in kinds


def test_the_code_step_without_a_password_first_goes_back_to_sign_in(client, user):
    response = client.get("/vi/account/login/code")
    assert response.status_code == 303 and response.location == "/vi/account/login"


def test_for_an_editor_the_second_factor_is_offered_not_required(client):
    accounts.create("an@camau.gov.vn", "editor", PASSWORD)
    db.session.commit()
    response = _sign_in(client, "an@camau.gov.vn")
    assert response.location == "/en/admin"
    assert "Set up a second factor" in client.get("/en/account/sessions").text
