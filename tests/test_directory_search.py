"""The boxes of the hotline and agency directories: the engine first, a plain match without it."""

import re

import pytest

from portal.indexing import sync
from portal.models import Level


@pytest.fixture
def directory(make_agency, make_hotline):
    """A province with its main hotline, two departments and a district."""
    province = make_agency(
        slug="ubnd-tinh", name_vi="UBND tỉnh Cà Mau", name_en="Cà Mau Provincial People's Committee"
    )
    centre = make_agency(
        slug="trung-tam", name_vi="Trung tâm Phục vụ hành chính công", parent=province
    )
    justice = make_agency(
        slug="so-tu-phap",
        name_vi="Sở Tư pháp",
        parent=province,
        name_en="Department of Justice",
        phone="0290 3831 111",
    )
    police = make_agency(
        slug="cong-an",
        name_vi="Công an tỉnh",
        name_en="Provincial Police",
        parent=province,
        phone="0290 3838 555",
    )
    district = make_agency(
        slug="phu-tan",
        name_vi="UBND huyện Phú Tân",
        parent=province,
        name_en="Phú Tân District",
        level=Level.DISTRICT,
    )
    return {
        "main": make_hotline(
            agency=centre,
            phone="1022",
            is_main=True,
            purpose_vi="Tổng đài tiếp nhận phản ánh, kiến nghị",
            purpose_en="Main hotline",
        ),
        "justice": make_hotline(
            agency=justice,
            phone="0768.221.221",
            purpose_vi="Đường dây nóng hộ tịch",
            purpose_en="Civil status hotline",
        ),
        "police": make_hotline(
            agency=police, phone="0290 3838 113", purpose_vi="Tiếp nhận tin báo tội phạm"
        ),
        "district": make_hotline(
            agency=district,
            phone="0290 3870 222",
            purpose_vi="Đường dây nóng thủ tục hành chính huyện",
        ),
    }


def cards(html):
    """The ids of the hotline cards on a page, in the order shown."""
    return [int(n) for n in re.findall(r'<article class="hotline" id="hotline-(\d+)"', html)]


def listed(html):
    """The agency slugs of a page's results list, in the order shown."""
    results = html.split('id="results-heading"')[1].split("</ol>")[0]
    return re.findall(r'<li><a href="/\w\w/agencies/([\w-]+)"', results)


def test_hotline_box_finds_an_agency_typed_without_accents(client, index, directory):
    html = client.get("/vi/hotlines?q=tu+phap").get_data(as_text=True)
    assert cards(html) == [directory["justice"].id]
    assert 'for="hotlines-q">' in html and 'type="search" name="q" value="tu phap"' in html
    html = client.get("/en/hotlines?q=cong+an").get_data(as_text=True)
    # The police; the main hotline ("…hành chính công", "phản ánh") may be above, as always.
    found = [n for n in cards(html) if n != directory["main"].id]
    assert found == [directory["police"].id]
    assert f"{len(cards(html))} hotline" in html and "match “cong an”" in html
    assert 'href="/en/hotlines">Clear the search</a>' in html
    assert 'id="level-province"' not in html  # a flat list, not the groups by level


def test_hotline_box_finds_a_phone_typed_with_dots_or_spaces(client, index, directory):
    for query in ("221 221", "0768.221.221", "0768 221 221", "0768221221"):
        html = client.get("/en/hotlines", query_string={"q": query}).get_data(as_text=True)
        assert cards(html) == [directory["justice"].id], query


def test_hotline_results_come_best_first_with_the_main_hotline_only_when_it_matches(
    client, index, directory, make_agency, make_hotline
):
    # "Ban ..." comes first in the full list; naming Sở Tư pháp only in its hours ranks it after.
    ethnic = make_agency(slug="ban-dan-toc", name_vi="Ban Dân tộc")
    mention = make_hotline(
        agency=ethnic,
        phone="0290 3822 000",
        purpose_vi="Đường dây nóng",
        hours_vi="Ngoài giờ, gọi Sở Tư pháp",
    )
    html = client.get("/en/hotlines?q=so+tu+phap").get_data(as_text=True)
    assert cards(html) == [directory["justice"].id, mention.id]
    assert 'id="main-hotline"' not in html and directory["main"].id not in cards(html)
    # "tiep nhan" is in the purpose of the main hotline and of the police's: the main on top.
    html = client.get("/en/hotlines?q=tiep+nhan").get_data(as_text=True)
    assert cards(html)[0] == directory["main"].id
    assert html.index('id="main-hotline"') < html.index(f'id="hotline-{directory["main"].id}"')
    assert set(cards(html)) == {directory["main"].id, directory["police"].id}


def test_hotline_box_without_a_match_offers_the_main_hotline_and_the_full_list(
    client, index, directory
):
    html = client.get("/en/hotlines?q=khong+co+gi").get_data(as_text=True)
    assert "No hotline matches “khong co gi”." in html
    empty = html.split('class="empty-state"')[1].split("</div>")[0]
    assert cards(empty) == [directory["main"].id] and 'href="tel:1022"' in empty
    assert '<a href="/en/hotlines">See all hotlines</a>' in empty


def test_agency_box_lists_matches_with_level_and_parent(client, index, directory, make_agency):
    make_agency(
        slug="xa-phu-tan",
        name_vi="UBND xã Phú Tân",
        level=Level.COMMUNE,
        parent=directory["district"].agency,
    )
    html = client.get("/en/agencies?q=phu+tan").get_data(as_text=True)
    assert sorted(listed(html)) == ["phu-tan", "xa-phu-tan"]
    assert '<ul class="tree">' not in html and "2 agencies match “phu tan”" in html
    commune = html.split('href="/en/agencies/xa-phu-tan"')[1].split("</li>")[0]
    assert "Commune level" in commune
    assert 'Part of <a href="/en/agencies/phu-tan">Phú Tân District</a>' in commune
    assert 'type="search" name="q" value="phu tan"' in html
    # English names on the English page; a phone number however it is typed.
    assert listed(client.get("/en/agencies?q=justice").get_data(as_text=True)) == ["so-tu-phap"]
    assert listed(client.get("/vi/agencies?q=3838.555").get_data(as_text=True)) == ["cong-an"]


def test_agency_results_come_best_first(client, index, make_agency):
    make_agency(slug="ban-dan-toc", name_vi="Ban Dân tộc", address="Cạnh Sở Tư pháp")
    make_agency(slug="so-tu-phap", name_vi="Sở Tư pháp")
    make_agency(slug="so-y-te", name_vi="Sở Y tế")
    html = client.get("/vi/agencies?q=so+tu+phap").get_data(as_text=True)
    assert listed(html) == ["so-tu-phap", "ban-dan-toc"]


def test_agency_box_without_a_match_offers_the_main_hotline(client, index, make_agency):
    make_agency(slug="so-tu-phap", name_vi="Sở Tư pháp")
    html = client.get("/en/agencies?q=bo+quoc+phong").get_data(as_text=True)
    assert "No agency matches “bo quoc phong”." in html
    empty = html.split('class="empty-state"')[1].split("</div>")[0]
    # No main hotline recorded: the province's configured number.
    assert 'href="tel:1022"' in empty and '<a href="/en/agencies">See all agencies</a>' in empty


def test_boxes_match_plainly_while_there_is_no_index(app, client, directory):
    assert not sync.get_index().exists()
    html = client.get("/vi/hotlines?q=TƯ+PHÁP").get_data(as_text=True)
    assert cards(html) == [directory["justice"].id]
    html = client.get("/en/hotlines?q=221+221").get_data(as_text=True)
    assert cards(html) == [directory["justice"].id]
    html = client.get("/en/hotlines?q=civil+status").get_data(as_text=True)
    assert cards(html) == [directory["justice"].id]
    html = client.get("/en/hotlines?q=khong+co+gi").get_data(as_text=True)
    assert "No hotline matches" in html and cards(html) == [directory["main"].id]
    assert listed(client.get("/en/agencies?q=police").get_data(as_text=True)) == ["cong-an"]
    assert listed(client.get("/vi/agencies?q=3831+111").get_data(as_text=True)) == ["so-tu-phap"]


@pytest.mark.parametrize("page", ["hotlines", "agencies"])
def test_bad_search_text_is_a_clear_400(client, index, directory, page):
    response = client.get(f"/vi/{page}", query_string={"q": "x" * 201})
    assert response.status_code == 400
    assert "Nội dung tìm kiếm quá dài: tối đa 200 ký tự." in response.get_data(as_text=True)
    for query in ("tu\x00phap", "tu\x1bphap", "tu\x85phap"):
        response = client.get(f"/en/{page}", query_string={"q": query})
        assert response.status_code == 400, repr(query)
        assert "must not contain control characters" in response.get_data(as_text=True)


@pytest.mark.parametrize("page", ["hotlines", "agencies"])
def test_a_pasted_tab_or_line_break_is_a_space(client, index, directory, page):
    html = client.get(f"/en/{page}", query_string={"q": "tu\tphap\r\n"}).get_data(as_text=True)
    assert "“tu phap”" in html and "No hotline matches" not in html and "No agency" not in html


@pytest.mark.parametrize("page", ["hotlines", "agencies"])
def test_search_text_is_shown_escaped(client, index, directory, page):
    html = client.get(f"/en/{page}", query_string={"q": '<b>"x'}).get_data(as_text=True)
    assert "<b>" not in html.split("<main")[1]
    assert 'value="&lt;b&gt;&#34;x"' in html
