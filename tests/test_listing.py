"""What every listing page's box shares: one reader of the query, the same 400 everywhere."""

import pytest

BOXES = (
    "procedures",
    "announcements",
    "hotlines",
    "agencies",
    "inspections",
    "inspections/findings",
    "inspections/overdue",
    "search",
)


@pytest.mark.parametrize("page", BOXES)
def test_every_box_refuses_control_characters_in_the_visitors_language(client, page):
    for query in ("ab\x01cd", "ab\x00cd", "ab\x85cd"):
        response = client.get(f"/en/{page}", query_string={"q": query})
        assert response.status_code == 400, repr(query)
        assert "The search text must not contain control characters." in response.text
    response = client.get(f"/vi/{page}", query_string={"q": "ab\x01cd"})
    assert response.status_code == 400
    assert "Nội dung tìm kiếm không được chứa ký tự điều khiển." in response.text


@pytest.mark.parametrize("page", BOXES)
def test_every_box_refuses_text_over_200_characters(client, page):
    assert client.get(f"/vi/{page}", query_string={"q": "x" * 200}).status_code == 200
    response = client.get(f"/vi/{page}", query_string={"q": "x" * 201})
    assert response.status_code == 400
    assert "Nội dung tìm kiếm quá dài: tối đa 200 ký tự." in response.text


@pytest.mark.parametrize("page", ["procedures", "inspections", "inspections/findings"])
def test_a_pasted_line_break_in_a_finder_box_is_a_space(client, page):
    html = client.get(f"/en/{page}", query_string={"q": "ab\r\ncd"}).text
    assert 'value="ab cd"' in html


@pytest.mark.parametrize("page", [box for box in BOXES if box not in ("hotlines", "agencies")])
def test_a_page_number_in_other_digits_is_a_clear_400(client, page):
    for value in ("²", "١", "0", "-1", "1" * 5000):
        response = client.get(f"/en/{page}", query_string={"page": value})
        assert response.status_code == 400, value
        assert "The page number must be a whole number from 1." in response.text


def test_sizes_and_years_in_other_digits_are_a_clear_400(client):
    query = {"q": "a", "per_page": "²", "lang": "en"}
    response = client.get("/api/v1/search", query_string=query)
    assert response.status_code == 400
    assert response.get_json()["message"] == (
        "The number of results per page must be from 1 to 100."
    )
    response = client.get("/en/inspections", query_string={"year": "²²²²"})
    assert response.status_code == 400
    assert "The year must be four digits, like 2017." in response.text


@pytest.mark.parametrize(
    "url",
    [
        "/vi/procedures?sector=ho%00tich",
        "/vi/procedures?agency=%00",
        "/vi/procedures?decision=1%00",
        "/vi/procedures?event=%01",
        "/vi/inspections?plan=4261%00",
        "/vi/inspections/findings?plan=%00",
        "/vi/search?q=a&agency=%00",
        "/vi/search?q=a&field=ho%00tich",
        "/api/v1/search?q=a&status=%00",
    ],
)
def test_control_characters_in_a_filter_are_a_clear_400_on_every_database(client, url):
    response = client.get(url)
    assert response.status_code == 400
    text = response.get_json()["message"] if "/api/" in url else response.text
    assert "không phải là giá trị hợp lệ" in text or "is not a valid value" in text


@pytest.mark.parametrize(
    "url", ["/vi/agencies/%00", "/vi/announcements/%00", "/vi/inspections/%00", "/vi/a/b%00"]
)
def test_a_nul_in_a_path_is_not_found_on_every_database(client, url):
    assert client.get(url).status_code == 404


def test_each_problem_is_said_once(client):
    html = client.get("/en/procedures", query_string={"q": "a\x01b", "sort": "x\x00"}).text
    assert html.count("The search text must not contain control characters.") == 1
    assert html.count("is not a valid value for sort.") == 1
