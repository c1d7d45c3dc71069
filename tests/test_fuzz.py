"""Every route in Flask's URL map, with every parameter a page reads and values that broke
pages before: no server error, nothing reflected unescaped, the security headers on all.

The routes come from the URL map itself, so a page is covered the day it lands. Values:
a fixed battery (Unicode digits, NUL and other control characters, huge numbers, markup,
names of url_for's own arguments) plus strings that hypothesis generates.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# Every query parameter some page or the API reads, and names that collided with url_for.
PARAMETERS = (
    "q", "page", "per_page", "sort", "type", "format", "lang", "sector", "agency", "level",
    "applicant", "online", "validity", "decision", "event", "year", "plan", "unit", "topic",
    "status", "field", "endpoint", "_anchor", "_scheme", "_method", "_external", "code", "slug",
    "v", "next",
)  # fmt: skip
MARKUP = '<script>alert("x")</script>'
BATTERY = (
    "", "²", "a\x00b", "\x1b", "\x85", "-1", "1" * 5000, MARKUP, "' OR 1=1 --",
    "../../etc/passwd", "x" * 300, "en", "csv", "%&?#",
)  # fmt: skip
LISTS = (
    "/vi/procedures", "/en/inspections", "/vi/inspections/findings", "/en/search",
    "/vi/announcements", "/en/hotlines", "/vi/agencies", "/api/v1/search",
)  # fmt: skip
HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options")


@pytest.fixture
def routes(
    app,
    index,
    make_agency,
    make_announcement,
    make_procedure,
    make_finding,
    make_hotline,
    make_plan,
):
    """The path of every GET route (in one language), with real records behind detail pages."""
    agency = make_agency(slug="so-noi-vu")
    announcement = make_announcement(slug="tin-moi")
    procedure = make_procedure(code="1.000689")
    finding = make_finding(agency=agency)
    hotline = make_hotline(agency=agency)
    values = {
        "announcements.detail": {"slug": announcement.slug},
        "agencies.detail": {"slug": agency.slug},
        "inspections.detail": {"slug": finding.inspection.slug},
        "inspections.unit": {"slug": agency.slug},
        "procedures.detail": {"code": procedure.code},
        "procedures_staff.edit": {"code": procedure.code},
        "announcements_staff.edit": {"announcement_id": str(announcement.id)},
        "hotlines_staff.edit": {"hotline_id": str(hotline.id)},
        "inspections_staff.new_follow_up": {"finding_id": str(finding.id)},
        "inspections_staff.edit_follow_up": {"follow_up_id": "1"},
        "inspections_editorial.edit_inspection": {"inspection_id": str(finding.inspection_id)},
        "inspections_editorial.new_finding": {"inspection_id": str(finding.inspection_id)},
        "inspections_editorial.edit_finding": {"finding_id": str(finding.id)},
        "inspections_editorial.edit_plan": {"plan_id": str(make_plan().id)},
        "inspections.attachment": {"attachment_id": "1"},
        "agencies_staff.edit": {"agency_id": str(agency.id)},
        "feedback_staff.staff_detail": {"feedback_id": "1"},
        "feedback.detail": {"feedback_id": "1"},
        "feedback.answer_file": {"feedback_id": "1", "attachment_id": "1"},
        "feedback_staff.staff_file": {"feedback_id": "1", "attachment_id": "1"},
        "static": {"filename": "css/portal.css"},
        "opendata.sitemap_file": {"number": "1"},
    }
    found = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        # One language each, in turn: the messages differ, the code paths do not.
        lang = ("vi", "en")[len(found) % 2]
        arguments = {**values.get(rule.endpoint, {}), "lang": lang}
        arguments = {name: arguments[name] for name in rule.arguments}
        assert set(arguments) == set(rule.arguments), f"give {rule.rule} a value to try"
        path = rule.rule
        for name, value in arguments.items():
            for form in (f"<{name}>", f"<slug:{name}>", f"<path:{name}>", f"<int:{name}>"):
                path = path.replace(form, value)
        found.append(path)
    return found


def _check(response, where):
    with response:  # a static file is streamed: close it
        assert response.status_code < 500, where
        for header in HEADERS:
            assert header in response.headers, (where, header)
        if response.mimetype == "text/html":
            assert MARKUP not in response.text, where
    return response


def test_every_route_and_parameter_survives_the_battery(client, routes):
    requests = 0
    for path in routes:
        _check(client.get(path), path)
        _check(client.get(path.replace("/vi/", "/en/", 1)), path)
        for name in PARAMETERS:
            for value in BATTERY:
                _check(client.get(path, query_string={name: value}), (path, name, value))
                requests += 1
    assert requests == len(routes) * len(PARAMETERS) * len(BATTERY) > 5_000


def test_the_staff_pages_survive_it_too_when_signed_in(client, routes, sign_in):
    sign_in("admin")
    staff = [path for path in routes if "/admin" in path or "/account/" in path]
    assert len(staff) >= 5
    for path in staff:
        for name in PARAMETERS:
            for value in BATTERY:
                _check(client.get(path, query_string={name: value}), (path, name, value))


@pytest.mark.parametrize(
    "path",
    [
        "/vi/procedures/1.000689%00",
        "/vi/agencies/%00",
        "/vi/announcements/<b>",
        "/vi/inspections/units/..%2F..%2Fetc",
        "/static/..%2F..%2Fportal%2F__init__.py",
        "/xx/procedures",
        "/vi/procedures/" + "9" * 5000,
        "/api/v1/%00",
    ],
)
def test_odd_paths_are_not_found_not_an_error(client, path):
    assert _check(client.get(path), path).status_code == 404, path


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.sampled_from(PARAMETERS),
    value=st.text(max_size=40),
    page=st.sampled_from(LISTS),
)
def test_generated_values_never_make_a_server_error(client, index, name, value, page):
    _check(client.get(page, query_string={name: value, "q": value}), (page, name, value))
