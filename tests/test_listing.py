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
