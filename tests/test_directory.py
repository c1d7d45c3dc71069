"""The hotline directory and the agency pages."""

from datetime import date

from portal.models import Level


def test_hotlines_page_puts_the_main_hotline_first(client, make_hotline, make_agency):
    centre = make_agency(name_vi="Trung tâm Phục vụ hành chính công", slug="trung-tam")
    district = make_agency(
        name_vi="UBND huyện Phú Tân", name_en="Phú Tân District", level=Level.DISTRICT
    )
    make_hotline(
        agency=district, phone="0768.221.221", channels="phone zalo", verified_on=date(2026, 10, 1)
    )
    make_hotline(agency=centre, phone="1022", is_main=True, purpose_en="Main hotline")
    html = client.get("/en/hotlines").get_data(as_text=True).split('id="main"')[1]
    assert html.index("Main hotline of the province") < html.index('href="tel:1022"')
    assert html.index('href="tel:1022"') < html.index("0768.221.221")
    assert "Channels: Phone, Zalo" in html
    assert "Last verified on 1 Oct 2026" in html
    assert "District level (until 1 July 2025)" in html
    assert '<a href="#level-district">District level (until 1 July 2025) (1)</a>' in html


def test_agency_tree_nests_communes_under_districts(client, make_agency):
    province = make_agency(name_vi="UBND tỉnh Cà Mau", slug="ubnd-tinh")
    district = make_agency(
        name_vi="UBND huyện Phú Tân", slug="phu-tan", parent=province, level=Level.DISTRICT
    )
    make_agency(name_vi="UBND xã Phú Mỹ", slug="phu-my", parent=district, level=Level.COMMUNE)
    html = client.get("/vi/agencies").get_data(as_text=True)
    assert "3 cơ quan" in html
    tree = html.split('<ul class="tree">')
    assert len(tree) == 4  # one list per level
    assert "UBND tỉnh Cà Mau" in tree[1] and "UBND huyện Phú Tân" in tree[2]
    assert "UBND xã Phú Mỹ" in tree[3]


def test_agency_page_shows_contacts_hotlines_and_units(client, make_agency, make_hotline):
    province = make_agency(name_vi="UBND tỉnh", slug="ubnd-tinh")
    agency = make_agency(
        name_vi="Sở Tư pháp",
        slug="so-tu-phap",
        parent=province,
        address="Số 1 Lưu Tấn Tài",
        phone="0290 3831 111",
        email="stp@camau.gov.vn",
        working_hours_vi="Thứ Hai – Thứ Sáu",
    )
    make_agency(name_vi="Phòng Hộ tịch", slug="phong-ho-tich", parent=agency)
    make_hotline(agency=agency, phone="0290 3831 112")
    html = client.get("/en/agencies/so-tu-phap").get_data(as_text=True)
    assert '<span lang="vi">Sở Tư pháp</span>' in html  # no English name: fallback
    assert 'href="mailto:stp@camau.gov.vn"' in html and 'href="tel:02903831111"' in html
    assert 'href="tel:02903831112"' in html
    assert "Phòng Hộ tịch" in html and 'href="/en/agencies/ubnd-tinh"' in html
    assert '<dd lang="vi">Số 1 Lưu Tấn Tài</dd>' in html  # an address is read in Vietnamese


def test_agency_without_hotline_points_to_the_provinces(client, make_agency):
    make_agency(slug="xa-a")
    html = client.get("/vi/agencies/xa-a").get_data(as_text=True)
    assert "1022" in html.split('id="hotlines"')[1]


def test_unknown_agency_is_not_found(client):
    assert client.get("/vi/agencies/khong-co").status_code == 404
