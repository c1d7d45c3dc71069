"""The bodies national records name: cleaned names, the directory's agencies, a level's role,
another province's bodies and procedures (issue 10: 300 agencies, many junk, from the set)."""

from pathlib import Path

import pytest
import sqlalchemy as sa
from pagetext import visible_text

from portal import demo
from portal.models import Agency, Procedure, db
from portal.procedures import bodies
from portal.procedures.provinces import another_province
from portal.procedures.sources import agency_names

RECORDS = Path(__file__).parent / "data" / "fidelity-records.jsonl"


@pytest.mark.parametrize(
    ("text", "names"),
    [
        # A name cut at its comma is put back together.
        ("Bộ Văn hóa, Thể thao và Du lịch", ["Bộ Văn hóa, Thể thao và Du lịch"]),
        (
            "Cục Đo đạc, Bản đồ và Thông tin địa lý VN- Bộ NN và MT",
            ["Cục Đo đạc, Bản đồ và Thông tin địa lý VN - Bộ NN và MT"],
        ),
        # The same head before each of several names: not merged away before they are joined.
        (
            "Trung tâm Chất lượng, Chế biến và Phát triển thị trường vùng 1, Trung tâm Chất "
            "lượng, Chế biến và Phát triển thị trường vùng 2",
            [
                "Trung tâm Chất lượng, Chế biến và Phát triển thị trường vùng 1",
                "Trung tâm Chất lượng, Chế biến và Phát triển thị trường vùng 2",
            ],
        ),
        # The State President is an office, not the head of "Nước" (was: an agency "Nước").
        ("Chủ tịch nước", ["Chủ tịch nước"]),
        ("Bộ trưởng Bộ Nông nghiệp và Môi trường", ["Bộ Nông nghiệp và Môi trường"]),
        # A head without its body, a bare type, who applies, a field run into the next one.
        ("Quốc Hội, Bộ trưởng, Thủ tướng Chính phủ", ["Quốc Hội", "Thủ tướng Chính phủ"]),
        ("Bộ", []),
        ("Công dân Việt Nam, Doanh nghiệp, Hợp tác xãCơ quan có thẩm quyền", []),
        # The source's mark for the old structure, a final full stop, a hyphen's spacing.
        ("Tòa án nhân dân_old", ["Tòa án nhân dân"]),
        ("UBND cấp xã.", ["UBND cấp xã"]),
        ("Sở Lao động-Thương binh và Xã hội", ["Sở Lao động - Thương binh và Xã hội"]),
    ],
)
def test_agency_names_are_bodies_as_the_directory_lists_them(text, names):
    assert agency_names(text) == names


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Ủy ban nhân dân cấp tỉnh", "body"),  # this province's People's Committee
        ("Sở Tư pháp", "body"),
        ("Cục Hàng không Việt Nam", "body"),
        ("Ủy ban nhân dân cấp xã", "role"),  # every commune's: no one agency
        ("Ủy ban Nhân dân xã, phường, thị trấn", "role"),
        ("Công an cấp Xã", "role"),
        ("Cơ quan khác", "role"),
        ("Cơ quan chuyên môn thuộc Ủy ban nhân dân cấp tỉnh", "role"),
        ("Sở Nông nghiệp và Môi trường Thành phố Hà Nội", "other_province"),
        ("Sở Giao thông công chánh - TP.HCM", "other_province"),
        ("UBND cấp xã - tỉnh Quảng Trị", "other_province"),
        # Bạc Liêu merged into Cà Mau on 1 July 2025: its bodies' names are this province's.
        ("Sở Tư pháp tỉnh Bạc Liêu", "body"),
    ],
)
def test_what_a_name_is(app, name, kind):
    assert bodies.kind(name, "Cà Mau") == kind
    assert bodies.kind(name, app.config["PROVINCE_NAME_VI"]) == kind  # "tỉnh Cà Mau"


def test_names_that_differ_only_in_spelling_are_one_key():
    same = [
        "Ủy ban nhân dân cấp xã",
        "UBND cấp xã",
        "Uỷ ban nhân dân cấp xã.",
        "Ủy ban Nhân dân  cấp xã",
    ]
    assert len({bodies.key(name) for name in same}) == 1
    assert bodies.key("Cục Thuế - Bộ tài chính") == bodies.key("Cục Thuế")


def test_another_provinces_procedure_is_told_by_its_name():
    name = "Công bố Danh mục … trên địa bàn tỉnh Hà Tĩnh giai đoạn 2026 - 2030"
    assert another_province(name, "Cà Mau") == "Hà Tĩnh"
    assert another_province("Đăng ký khai sinh", "Cà Mau") is None
    assert another_province("… trên địa bàn tỉnh Bạc Liêu", "Cà Mau") is None
    assert another_province("Sở Tư pháp tỉnh Cà Mau", "tỉnh Cà Mau") is None


@pytest.fixture
def directory(app):
    demo.load_directory()


def _import(runner, *args):
    result = runner.invoke(args=["import", "procedures", str(RECORDS), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_import_makes_no_agency_of_a_role_or_another_provinces_body(runner, directory):
    before = set(db.session.scalars(sa.select(Agency.name_vi)))
    _import(runner)
    created = set(db.session.scalars(sa.select(Agency.name_vi))) - before
    assert "Nước" not in created and "Ủy ban Nhân dân xã, phường, thị trấn" not in created
    assert not [name for name in created if another_province(name, "Cà Mau")]
    # National names of the province's bodies are the directory's: "Ủy ban nhân dân cấp
    # tỉnh" is "Ủy ban nhân dân tỉnh Cà Mau".
    procedure = db.session.scalar(sa.select(Procedure).filter_by(code="1.004844"))
    names = [agency.name_vi for agency in procedure.agencies_in("competent")]
    assert "Ủy ban nhân dân tỉnh Cà Mau" in names


def test_the_page_names_roles_and_other_provinces_bodies_in_the_records_words(
    client, runner, directory
):
    _import(runner)
    # "Ủy ban Nhân dân xã, phường, thị trấn": shown, not linked as if it were one agency.
    html = client.get("/vi/procedures/1.000419").text
    where = html.split("<dt>Nơi giải quyết</dt>", 1)[1].split("</dd>")[0]
    assert "Ủy ban Nhân dân xã, phường, thị trấn" in where and "href" not in where
    # "Sở Nông nghiệp và Môi trường Thành phố Hà Nội" is said to be another province's
    # (was: linked as if it were this province's, the place to go).
    html = client.get("/en/procedures/1.004096").text
    where = html.split("<dt>Where</dt>", 1)[1].split("</dd>")[0]
    text = visible_text(where)
    assert "Sở Nông nghiệp và Môi trường Thành phố Hà Nội (another province's body)" in text
    assert "href" not in where


def test_another_provinces_own_procedure_is_skipped_unless_asked_for(client, runner, tmp_path):
    record = RECORDS.read_text(encoding="utf-8").splitlines()[0]
    hatinh = record.replace(
        '"ten_thu_tuc": "', '"ten_thu_tuc": "Thực hiện chính sách trên địa bàn tỉnh Hà Tĩnh: ', 1
    )
    path = tmp_path / "hatinh.jsonl"
    path.write_text(hatinh + "\n", encoding="utf-8")
    output = runner.invoke(args=["import", "procedures", str(path)]).output
    assert "0 created" in output and "1 skipped" in output
    assert "1 other provinces' own procedures skipped" in output
    assert db.session.scalar(sa.select(sa.func.count(Procedure.id))) == 0
    output = runner.invoke(args=["import", "procedures", str(path), "--other-provinces"]).output
    assert "1 created" in output
    assert db.session.scalar(sa.select(Procedure.other_province)) == "Hà Tĩnh"
    code = db.session.scalar(sa.select(Procedure.code))
    banner = visible_text(client.get(f"/en/procedures/{code}").text)
    assert "This is a procedure of Hà Tĩnh Province, not of Cà Mau Province." in banner


def test_the_home_page_counts_only_the_provinces_bodies(client, runner, directory):
    before = db.session.scalar(sa.select(sa.func.count(Agency.id)))
    _import(runner)
    assert db.session.scalar(sa.select(sa.func.count(Agency.id))) > before  # national bodies
    text = visible_text(client.get("/en/").text)
    assert f"Agencies {before}" in text
