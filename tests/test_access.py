"""Who may do what (portal/access.py): every role against every kind of record."""

import hashlib
from datetime import date

import pytest

from portal import access
from portal.models import Feedback, ProcedureAgency, Role, User, db

OURS, THEIRS = "ours", "theirs"


@pytest.fixture
def records(make_agency, make_hotline, make_announcement, make_procedure, make_follow_up):
    """One record of each kind for our agency and one for theirs."""
    found = {}
    for side in (OURS, THEIRS):
        agency = make_agency(name_vi=f"Sở {side}")
        procedure = make_procedure()
        procedure.agencies.append(ProcedureAgency(agency=agency, role="implementing"))
        follow_up = make_follow_up()
        follow_up.finding.responsible = agency
        feedback = Feedback(
            code_hash=hashlib.sha256(side.encode()).hexdigest(),
            sender_type="citizen",
            sender_name="Người gửi",
            channel="portal",
            received_on=date(2026, 11, 30),
            title="Phản ánh",
            content="Nội dung",
            status="assigned",
            assigned_agency=agency,
        )
        db.session.add(feedback)
        db.session.commit()
        found[side] = {
            "agency": agency,
            "hotline": make_hotline(agency=agency),
            "announcement": make_announcement(agency_id=agency.id),
            "procedure": procedure,
            "finding": follow_up.finding,
            "follow-up": follow_up,
            "feedback": feedback,
        }
    return found


def _user(role, agency=None, active=True):
    return User(role=Role(role), agency_id=agency.id if agency else None, active=active)


@pytest.mark.parametrize("action", ["view", "edit", "publish"])
def test_each_role_reaches_exactly_the_records_it_should(records, action):
    ours = records[OURS]["agency"]
    people = {
        "admin": _user("admin"),
        "editor": _user("editor"),
        "officer": _user("officer", ours),
        "disabled editor": _user("editor", active=False),
        "nobody": None,
    }
    for kind in records[OURS]:
        for side in (OURS, THEIRS):
            record = records[side][kind]
            allowed = {who for who, user in people.items() if access.can(user, action, record)}
            expected = {"admin", "editor"} | ({"officer"} if side == OURS else set())
            assert allowed == expected, (kind, side)


def test_only_admins_manage_users(records):
    officer = _user("officer", records[OURS]["agency"])
    assert access.can(_user("admin"), "manage_users")
    assert not access.can(_user("editor"), "manage_users")
    assert not access.can(officer, "manage_users")


def test_a_finding_with_no_responsible_agency_belongs_to_the_inspected_unit(records):
    finding = records[OURS]["finding"]
    unit = finding.agency
    finding.responsible = None
    db.session.commit()
    assert access.can(_user("officer", unit), "edit", finding)
    assert not access.can(_user("officer", records[OURS]["agency"]), "edit", finding)


def test_only_the_province_office_triages_feedback(records):
    feedback = records[OURS]["feedback"]
    assert access.can(_user("admin"), "triage", feedback)
    assert access.can(_user("editor"), "triage", feedback)
    assert not access.can(_user("officer", records[OURS]["agency"]), "triage", feedback)
    assert not access.can(_user("officer", records[OURS]["agency"]), "triage")


def test_an_officer_without_an_agency_reaches_no_record(records):
    orphan = _user("officer")
    assert access.can(orphan, "view")  # the staff pages themselves
    assert not any(access.can(orphan, "view", record) for record in records[OURS].values())


def test_an_unknown_action_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown action"):
        access.can(_user("admin"), "delete")
