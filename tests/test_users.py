"""Staff accounts: `flask users …`, argon2id hashes, the password policy, the audit trail."""

from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from portal.models import AuditEvent, Level, User, db
from portal.users import passwords

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
