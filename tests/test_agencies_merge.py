"""`flask agencies merge`: one agency where the directory held two, old URLs redirecting."""

import sqlalchemy as sa

from portal.models import Agency, AgencyAlias, Hotline, ProcedureAgency, db
from portal.procedures.bodies import AgencyMatcher


def _merge(runner, source, target):
    return runner.invoke(args=["agencies", "merge", source, target])


def test_merge_moves_everything_and_the_old_url_redirects(
    client, runner, make_agency, make_hotline, make_procedure
):
    province = make_agency(name_vi="Sở Tư pháp tỉnh Cà Mau", slug="so-tu-phap")
    duplicate = make_agency(name_vi="Sở Tư pháp", slug="so-tu-phap-2", phone="0290 111 222")
    child = make_agency(name_vi="Phòng Hộ tịch", slug="phong-ho-tich", parent=duplicate)
    make_hotline(agency=duplicate, phone="0290 999 000")
    both = make_procedure(name_vi="Chứng thực bản sao")
    only = make_procedure(name_vi="Đăng ký khai sinh")
    db.session.add_all(
        [
            ProcedureAgency(procedure_id=both.id, agency_id=province.id, role="implementing"),
            ProcedureAgency(procedure_id=both.id, agency_id=duplicate.id, role="implementing"),
            ProcedureAgency(procedure_id=only.id, agency_id=duplicate.id, role="implementing"),
        ]
    )
    db.session.commit()
    result = _merge(runner, "so-tu-phap-2", "so-tu-phap")
    assert result.exit_code == 0, result.output
    assert "merged so-tu-phap-2 into so-tu-phap" in result.output
    assert db.session.scalar(sa.select(Agency).filter_by(slug="so-tu-phap-2")) is None
    links = db.session.execute(sa.select(ProcedureAgency.procedure_id, ProcedureAgency.agency_id))
    assert sorted(links) == sorted([(both.id, province.id), (only.id, province.id)])
    assert db.session.scalar(sa.select(Hotline.agency_id)) == province.id
    assert db.session.get(Agency, child.id).parent_id == province.id
    assert db.session.get(Agency, province.id).phone == "0290 111 222"  # it had none
    response = client.get("/vi/agencies/so-tu-phap-2")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/vi/agencies/so-tu-phap")
    # An import that names the merged body finds the agency it became.
    assert AgencyMatcher().find("Sở Tư pháp") == db.session.get(Agency, province.id)


def test_the_search_index_hears_of_the_merge(client, runner, make_agency, make_procedure):
    make_agency(name_vi="Công an tỉnh Cà Mau", slug="cong-an-tinh")
    source = make_agency(name_vi="Công an cấp tỉnh", slug="cong-an-cap-tinh")
    procedure = make_procedure(name_vi="Cấp giấy phép vận chuyển")
    db.session.add(
        ProcedureAgency(procedure_id=procedure.id, agency_id=source.id, role="implementing")
    )
    db.session.commit()
    runner.invoke(args=["search", "rebuild"])
    assert _merge(runner, "cong-an-cap-tinh", "cong-an-tinh").exit_code == 0
    runner.invoke(args=["search", "sync"])
    html = client.get("/vi/search", query_string={"q": "van chuyen", "agency": "cong-an-tinh"}).text
    assert f"/vi/procedures/{procedure.code}" in html
    found = client.get("/vi/agencies", query_string={"q": "cong an cap tinh"}).text
    assert "/vi/agencies/cong-an-cap-tinh" not in found


def test_bad_merges_are_refused_with_a_message(runner, make_agency):
    parent = make_agency(slug="ubnd-tinh")
    make_agency(slug="so-noi-vu", parent=parent)
    assert 'no agency with the slug "nothing"' in _merge(runner, "nothing", "ubnd-tinh").output
    assert "cannot be merged into itself" in _merge(runner, "ubnd-tinh", "ubnd-tinh").output
    refused = _merge(runner, "ubnd-tinh", "so-noi-vu")
    assert refused.exit_code == 1 and "merge the other way round" in refused.output
    assert db.session.scalar(sa.select(sa.func.count(AgencyAlias.id))) == 0


def test_a_list_filtered_by_a_merged_agency_leads_to_the_agency_it_became(
    client, runner, make_agency
):
    make_agency(name_vi="Sở Tư pháp tỉnh Cà Mau", slug="so-tu-phap")
    make_agency(name_vi="Sở Tư pháp", slug="so-tu-phap-2")
    assert _merge(runner, "so-tu-phap-2", "so-tu-phap").exit_code == 0
    for path in ("/vi/procedures", "/en/inspections/findings", "/vi/search"):
        answer = client.get(path, query_string={"agency": "so-tu-phap-2", "q": "hộ tịch"})
        assert answer.status_code == 301, path
        assert answer.headers["Location"] == (f"{path}?agency=so-tu-phap&q=h%E1%BB%99+t%E1%BB%8Bch")
    assert client.get("/vi/procedures?agency=so-tu-phap").status_code == 200
    assert client.get("/vi/procedures?agency=khong-co").status_code == 200  # no such: no hits


def test_an_agency_filter_that_is_no_slug_is_left_to_the_page(client):
    # PostgreSQL refuses a NUL in a comparison: the redirect looks up slugs only.
    answers = {
        value: client.get("/vi/procedures", query_string={"agency": value}).status_code
        for value in ("a\x00b", "Sở Tư pháp", "x" * 500)
    }
    assert list(answers.values()) == [400, 200, 200]  # the finder's own answers
