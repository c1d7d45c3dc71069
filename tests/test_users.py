"""Staff accounts: `flask users …`, argon2id hashes, the password policy, the audit trail."""

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g
from flask_babel import force_locale
from pagetext import visible_text

from portal.models import AuditEvent, Level, LoginFailure, User, UserSession, db
from portal.users import passwords, throttle

GOOD = "mưa phùn trên sông Gành Hào"  # long, any characters: no composition rules


def _create(runner, *args, password=GOOD):
    return runner.invoke(args=["users", "create", *args, "--password-stdin"], input=password + "\n")


def _user(email):
    return db.session.scalar(sa.select(User).where(User.email_key == email.casefold()))


def test_the_first_admin_is_created_with_a_password_from_stdin(app, runner):
    result = _create(runner, "--email", "Lan.Nguyen@CaMau.gov.vn", "--role", "admin")
    assert result.exit_code == 0, result.output
    assert result.output == "created admin Lan.Nguyen@CaMau.gov.vn\n"
    user = _user("lan.nguyen@camau.gov.vn")  # matched casefolded
    assert user.active and user.role == "admin" and user.agency is None
    assert user.password_hash.startswith("$argon2id$") and GOOD not in user.password_hash
    (event,) = db.session.scalars(sa.select(AuditEvent))
    assert (event.kind, event.actor, event.record) == ("user.created", "cli", f"user:{user.id}")
    assert event.details["role"] == "admin" and "password" not in str(event.details)


def test_the_password_is_asked_twice_at_a_prompt_not_taken_from_an_argument(app, runner):
    result = runner.invoke(
        args=["users", "create", "--email", "a@camau.gov.vn", "--role", "editor"],
        input=f"{GOOD}\n{GOOD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "Password:" in result.output and "Repeat for confirmation:" in result.output
    assert GOOD not in result.output  # typed hidden
    result = runner.invoke(args=["users", "create", "--email", "b@x.vn", "--password", GOOD])
    assert result.exit_code == 2 and "No such option '--password'" in result.output


@pytest.mark.parametrize(
    ("password", "said"),
    [
        ("ngắn", "The password must have at least 8 characters."),
        ("x" * 129, "The password must have at most 128 characters."),
        ("password1", "This password is too common or too easy to guess"),
        ("Iloveyou", "This password is too common or too easy to guess"),
        ("lan.nguyen", "This password is too common or too easy to guess"),  # the address
    ],
)
def test_short_long_and_common_passwords_are_refused(app, runner, password, said):
    result = _create(
        runner, "--email", "lan.nguyen@camau.gov.vn", "--role", "admin", password=password
    )
    assert result.exit_code == 1 and said in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_an_officer_belongs_to_an_existing_agency_and_only_an_officer_does(
    app, runner, make_agency
):
    make_agency(slug="so-tu-phap", name_vi="Sở Tư pháp", level=Level.PROVINCE)
    result = _create(runner, "--email", "o@camau.gov.vn", "--role", "officer")
    assert result.exit_code == 1 and "An agency officer needs the agency" in result.output
    result = _create(runner, "--email", "o@camau.gov.vn", "--role", "officer", "--agency", "x")
    assert result.exit_code == 1 and "There is no agency “x”." in result.output
    result = _create(runner, "--email", "e@camau.gov.vn", "--role", "editor", "--agency", "x")
    assert result.exit_code == 1 and "Only an agency officer belongs to one agency" in result.output
    args = ["--email", "o@camau.gov.vn", "--role", "officer", "--agency", "so-tu-phap"]
    result = _create(runner, *args)
    assert (
        result.exit_code == 0 and result.output == "created officer o@camau.gov.vn of so-tu-phap\n"
    )
    result = _create(runner, "--email", "O@CAMAU.gov.vn", "--role", "editor")
    assert result.exit_code == 1 and "An account for O@CAMAU.gov.vn already exists." in (
        result.output
    )
    result = _create(runner, "--email", "not an address", "--role", "editor")
    assert result.exit_code == 1 and "is not an e-mail address" in result.output


def test_list_disable_and_set_password(app, runner):
    assert _create(runner, "--email", "a@camau.gov.vn", "--role", "admin").exit_code == 0
    assert runner.invoke(args=["users", "disable", "a@camau.gov.vn"]).exit_code == 0
    listed = runner.invoke(args=["users", "list"]).output
    assert listed == "a@camau.gov.vn\tadmin\t-\tdisabled\n" and "argon2" not in listed
    before = _user("a@camau.gov.vn").password_hash
    result = runner.invoke(
        args=["users", "set-password", "a@camau.gov.vn", "--password-stdin"],
        input="một mật khẩu mới dài\n",
    )
    assert result.exit_code == 0, result.output
    assert _user("a@camau.gov.vn").password_hash != before
    kinds = list(db.session.scalars(sa.select(AuditEvent.kind).order_by(AuditEvent.id)))
    assert kinds == ["user.created", "user.disabled", "user.password_changed"]
    missing = runner.invoke(args=["users", "disable", "nobody@camau.gov.vn"])
    assert missing.exit_code == 1 and "There is no account for nobody@camau.gov.vn" in (
        missing.output
    )


def test_the_audit_trail_cannot_be_changed_or_deleted(app, runner):
    assert _create(runner, "--email", "a@camau.gov.vn", "--role", "admin").exit_code == 0
    event = db.session.scalar(sa.select(AuditEvent))
    event.kind = "nothing.happened"
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.scalar(sa.select(AuditEvent)))
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()
    for statement in (sa.delete(AuditEvent), sa.update(AuditEvent).values(kind="x")):
        with pytest.raises(PermissionError):
            db.session.execute(statement)
        db.session.rollback()
    assert db.session.scalar(sa.select(AuditEvent.kind)) == "user.created"


def test_no_code_of_the_portal_updates_or_deletes_an_audit_event():
    portal = Path(__file__).resolve().parent.parent / "portal"
    for path in portal.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for verb in (
            "update(AuditEvent",
            "delete(AuditEvent",
            "audit_event SET",
            "FROM audit_event",
        ):
            assert verb not in text, f"{path}: {verb}"


def test_the_policy_speaks_the_visitors_language(app):
    with app.test_request_context("/vi/"), force_locale("vi"):
        assert str(passwords.problem("ngắn")) == "Mật khẩu phải có ít nhất 8 ký tự."
    with app.test_request_context("/en/"), force_locale("en"):
        assert passwords.problem(GOOD) is None


# Signing in and out, through the pages, with the production cookie settings.


def _form(client, url):
    """A page with a form, as a new request would render it: the test's app context outlives
    requests, so Flask-WTF's per-request copy of the token (g.csrf_token) is dropped first."""
    g.pop("csrf_token", None)
    return client.get(url).text


def _token(page):
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def _login(client, email="lan@camau.gov.vn", password=GOOD, lang="vi"):
    token = _token(_form(client, f"/{lang}/account/login"))
    return client.post(
        f"/{lang}/account/login",
        data={"email": email, "password": password, "csrf_token": token},
    )


@pytest.fixture
def staff(app, runner):
    """An editor: the second factor is optional for them (admins: see test_users_mfa)."""
    assert _create(runner, "--email", "Lan@CaMau.gov.vn", "--role", "editor").exit_code == 0
    return _user("lan@camau.gov.vn")


def test_sign_in_gives_a_new_session_kept_on_the_server(client, staff):
    client.get("/vi/account/login")
    before = client.get_cookie("__Host-session").value
    response = _login(client)
    assert response.status_code == 303 and response.location == "/vi/admin"
    cookie = response.headers["Set-Cookie"]
    assert "__Host-session=" in cookie and "Secure" in cookie and "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie and "Path=/" in cookie and "Domain" not in cookie
    assert client.get_cookie("__Host-session").value != before
    page = client.get("/vi/account/sessions")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    text = visible_text(page.text)
    assert "Đã đăng nhập với Lan@CaMau.gov.vn (biên tập viên)." in text
    assert "Phiên này" in text
    (row,) = db.session.scalars(sa.select(UserSession))
    assert row.user_id == staff.id and len(row.token_hash) == 64
    assert row.token_hash not in client.get_cookie("__Host-session").value
    kinds = list(db.session.scalars(sa.select(AuditEvent.kind).order_by(AuditEvent.id)))
    assert kinds[-1] == "login.succeeded"


def test_a_cookie_captured_before_sign_out_is_refused_after_it(app, client, staff):
    _login(client)
    captured = client.get_cookie("__Host-session").value
    token = _token(_form(client, "/vi/account/sessions"))
    assert client.post("/vi/account/logout", data={"csrf_token": token}).status_code == 303
    thief = app.test_client()
    thief.set_cookie("__Host-session", captured)
    response = thief.get("/vi/account/sessions")
    assert response.status_code == 303
    assert response.location == "/vi/account/login?next=/vi/account/sessions"


def test_a_disabled_account_is_signed_out_everywhere(client, runner, staff):
    _login(client)
    assert runner.invoke(args=["users", "disable", "lan@camau.gov.vn"]).exit_code == 0
    assert client.get("/en/account/sessions").status_code == 303
    response = _login(client, lang="en")
    assert response.status_code == 401
    assert "The e-mail address or the password is wrong." in response.text


def test_a_new_password_ends_every_session(client, runner, staff):
    _login(client)
    result = runner.invoke(
        args=["users", "set-password", "lan@camau.gov.vn", "--password-stdin"],
        input="một mật khẩu mới dài\n",
    )
    assert result.exit_code == 0, result.output
    assert client.get("/vi/account/sessions").status_code == 303
    (row,) = db.session.scalars(sa.select(UserSession))
    assert row.end_reason == "password"


def test_a_wrong_address_or_password_gets_the_same_answer(client, staff):
    for email, password in (("lan@camau.gov.vn", "sai mật khẩu rồi"), ("ai@camau.gov.vn", GOOD)):
        response = _login(client, email, password)
        assert response.status_code == 401
        assert "Địa chỉ thư điện tử hoặc mật khẩu không đúng." in response.text
    events = list(
        db.session.scalars(sa.select(AuditEvent).where(AuditEvent.kind == "login.failed"))
    )
    assert [e.actor for e in events] == ["lan@camau.gov.vn", "ai@camau.gov.vn"]


def test_guessing_is_slowed_down_per_account_and_the_message_says_until_when(client, staff):
    for _ in range(throttle.FREE):
        assert _login(client, password="đoán thử một lần").status_code == 401
    response = _login(client, lang="en")  # even the right password waits now
    assert response.status_code == 429
    assert "Too many failed attempts. Try again after " in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 0
    # From another address, the account's count still holds: it is kept per account too.
    other = client.application.test_client()
    token = _token(_form(other, "/en/account/login"))
    response = other.post(
        "/en/account/login",
        data={"email": "LAN@camau.gov.vn", "password": GOOD, "csrf_token": token},
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    assert response.status_code == 429
    kinds = list(db.session.scalars(sa.select(AuditEvent.kind)))
    assert kinds.count("login.throttled") == 2


def test_a_guess_is_counted_before_its_password_is_checked(app, client, staff, monkeypatch):
    # Another worker, reading the database while this guess's password is being checked,
    # must already count it: checking first and counting after let a burst through.
    seen, verify = [], passwords.verify

    def verify_and_look(stored, password):
        with db.engine.connect() as other_worker:
            seen.append(other_worker.scalar(sa.select(sa.func.count()).select_from(LoginFailure)))
        return verify(stored, password)

    monkeypatch.setattr(passwords, "verify", verify_and_look)
    assert _login(client, password="đoán thử").status_code == 401
    assert seen == [2]  # this guess, per account and per address
    assert _login(client).status_code == 303
    assert seen == [2, 4]
    # A right password takes its own attempt back (the address is not held against it).
    remaining = db.session.scalars(sa.select(LoginFailure.key)).all()
    assert remaining == ["address:127.0.0.1"]


def test_an_attempt_deleted_by_another_sign_in_at_once_is_no_error(app, staff):
    # Found by bench/bruteforce.py on PostgreSQL: another worker's sign-in cleared the
    # account's rows between this attempt's commit and the reading of its ids (a 500).
    def another_worker_signs_in(session):
        with db.engine.begin() as other_worker:
            other_worker.execute(sa.delete(LoginFailure))

    sa.event.listen(db.session(), "after_commit", another_worker_signs_in, once=True)
    ids = throttle.attempt(throttle.keys("lan@camau.gov.vn", "127.0.0.1"))
    assert len(ids) == 2 and db.session.scalar(sa.select(sa.func.count(LoginFailure.id))) == 0


def test_ending_another_session_and_signing_out_need_the_forms_token(app, client, staff):
    _login(client)
    phone = app.test_client()
    _login(phone)
    page = _form(client, "/en/account/sessions")
    assert page.count(">End</button>") == 1  # the phone's; this one is marked instead
    response = client.post("/en/account/sessions/end-others")  # no token
    assert response.status_code == 400
    assert "This form has expired or did not come from this site." in response.text
    assert phone.get("/en/account/sessions").status_code == 200
    token = _token(page)
    client.post("/en/account/sessions/end-others", data={"csrf_token": token})
    assert phone.get("/en/account/sessions").status_code == 303
    assert client.get("/en/account/sessions").status_code == 200
    kinds = list(db.session.scalars(sa.select(AuditEvent.kind)))
    assert "csrf.rejected" in kinds and "session.ended_others" in kinds


def test_sign_in_returns_only_to_a_page_of_this_site(client, staff):
    token = _token(_form(client, "/vi/account/login"))
    data = {"email": "lan@camau.gov.vn", "password": GOOD, "csrf_token": token}
    response = client.post("/vi/account/login?next=//evil.example/x", data=data)
    assert response.location == "/vi/admin"


def test_an_empty_form_says_what_is_missing_next_to_the_field(client):
    token = _token(_form(client, "/en/account/login"))
    response = client.post("/en/account/login", data={"csrf_token": token})
    assert response.status_code == 400
    text = visible_text(response.text)
    assert "E-mail address Enter your e-mail address." in text
    assert "Password Enter your password." in text


def test_every_answer_of_the_sign_in_pages_carries_the_security_headers(client, staff):
    answers = [client.get("/vi/account/login"), client.get("/vi/account/sessions")]  # 200, 303
    answers.append(client.post("/vi/account/login"))  # 400: no CSRF token
    answers.append(_login(client, password="sai mật khẩu rồi"))  # 401
    for _ in range(throttle.FREE):
        answers.append(_login(client, password="sai mật khẩu rồi"))
    assert {answer.status_code for answer in answers} == {200, 303, 400, 401, 429}
    for answer in answers:
        assert "default-src 'self'" in answer.headers["Content-Security-Policy"]
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert answer.headers["Cache-Control"] == "no-store" or answer.status_code == 400


def test_changing_the_password_ends_every_other_session_and_keeps_this_one(app, client, staff):
    _login(client)
    phone = app.test_client()
    _login(phone)
    url = "/en/account/password"

    def change(**data):
        token = _token(_form(client, url))
        return client.post(url, data={**data, "csrf_token": token})

    wrong = change(current="không phải mật khẩu", new="một câu dài mới", again="một câu dài mới")
    assert wrong.status_code == 400
    assert "Current password That is not your current password." in visible_text(wrong.text)
    differ = change(current=GOOD, new="một câu dài mới", again="một câu khác hẳn")
    assert "The two new passwords differ." in differ.text
    common = change(current=GOOD, new="iloveyou", again="iloveyou")
    assert "This password is too common or too easy to guess" in common.text
    assert phone.get("/en/account/sessions").status_code == 200  # nothing changed yet
    done = change(current=GOOD, new="một câu dài mới", again="một câu dài mới")
    assert done.status_code == 200
    assert "Your password is changed. Every other session has ended." in done.text
    assert client.get("/en/account/sessions").status_code == 200
    assert phone.get("/en/account/sessions").status_code == 303
    assert _login(app.test_client(), password="một câu dài mới").status_code == 303
    kinds = list(db.session.scalars(sa.select(AuditEvent.kind)))
    assert "user.password_refused" in kinds and "user.password_changed" in kinds
