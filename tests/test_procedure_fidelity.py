"""Fidelity: the times and fees of real national records, channel by channel, as checked by
hand against each record's source cell (tests/data/fidelity-records.jsonl, copied from the
national database). A cell that glues the time to the amount is split only where the
record says how; otherwise it is shown as published, with a note."""

from pathlib import Path

import pytest
from pagetext import visible_text

from portal.procedures import sources

RECORDS = Path(__file__).parent / "data" / "fidelity-records.jsonl"
UNSTATED = False  # unit_stated for a time the source gives without its unit

# code: [(kind, time_text, unit_stated, fee_vnd, as_published)] in the source's order.
EXPECTED = {
    # "Trực tuyến120,000 VNĐ(… mức thu là 20.000 VNĐ/tờ khai)": 1 + 20,000, the note says so
    "2.001206": [("online", "1", UNSTATED, 20000, None)],
    # "120,000 VNĐ(Theo khoản 1 Điều 3 …)": 1 + 20,000 is the only well-formed cut
    "1.000005": [("online", "1", UNSTATED, 20000, None)],
    # "120 VNĐ(20.000 vnđ /tờ khai)": counted in thousands, confirmed by the note
    "1.000014": [
        ("online", "1", UNSTATED, 20000, None),
        ("in_person", "1", UNSTATED, 20000, None),
    ],
    # "220 VNĐ(lệ phí hải quan 20.000 đồng…)" online, "2 GiờMiễn phí" in person
    "1.007857": [("online", "2", UNSTATED, 20000, None), ("in_person", "2 Giờ", True, 0, None)],
    "1.009091": [("online", "1 Giờ", True, 500000, None)],
    # "Trực tiếp1500 VNĐ(đối với …)": 1 + 500? 150 + 0? The record does not say.
    "1.009092": [
        ("online", "1", UNSTATED, 0, None),
        ("in_person", None, None, None, "1500 VNĐ(đối với phương tiện quá cảnh đường thuỷ)"),
    ],
    "2.002009": [
        ("online", "1", UNSTATED, 100000, None),
        ("post", "1", UNSTATED, 100000, None),
        ("in_person", "1", UNSTATED, 100000, None),
    ],
    "2.002044": [
        ("online", "1", UNSTATED, 0, None),
        ("post", "1", UNSTATED, 100000, None),
        ("in_person", "1", UNSTATED, 100000, None),
    ],
    "1.013092": [
        ("online", "1", UNSTATED, 23000, None),
        ("in_person", "1", UNSTATED, 23000, None),
    ],
    "1.005103": [(kind, "1", UNSTATED, 40000, None) for kind in ("online", "post", "in_person")],
    "2.002797": [("in_person", None, None, None, "1250 VNĐ")],
}


@pytest.fixture(scope="module")
def records():
    return {record["code"]: record for _, record in sources.read_records(RECORDS)}


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_times_and_fees_are_what_the_record_says(records, code):
    channels = records[code]["channels"]
    found = [
        (c["kind"], c["time_text"], c["unit_stated"], c["fee_vnd"], c["as_published"])
        for c in channels
    ]
    assert found == EXPECTED[code]


def test_a_cell_counted_in_thousands_keeps_the_source_words_beside_the_amount(records):
    online, _ = records["1.000014"]["channels"]
    assert online["fee_text"] == "20 VNĐ (20.000 vnđ /tờ khai)"
    assert records["1.000014"]["fee_summary"] == "20.000 đồng"


def test_an_undecidable_cell_is_kept_and_its_channel_named_in_the_summary(records):
    first, second, third = records["2.002011"]["channels"]
    assert (first["fee_vnd"], second["fee_vnd"]) == (100000, 100000)
    assert third["as_published"].startswith("125 VNĐ(- Lệ phí đăng ký doanh nghiệp")
    assert records["2.002011"]["raw"]  # the import keeps the cell it could not read apart
    assert records["1.009092"]["fee_summary"] == (
        "Trực tuyến: Miễn phí; Trực tiếp: 1500 VNĐ(đối với phương tiện quá cảnh đường thuỷ)"
    )


def test_free_with_a_note_that_charges_is_not_summed_up_as_free(records):
    summary = records["1.013425"]["fee_summary"]
    assert summary.startswith("Miễn phí (- Dưới 5 tấn: 50.000 đồng/giấy")
    # "Miễn phí(a) … 30.000.000 đồng …": the note's "(a)" was read as all of it.
    summary = records["3.000380"]["fee_summary"]
    assert summary.startswith("Miễn phí (a) Cung cấp dịch vụ tại cảng hàng không quốc tế")


def _page(client, code, lang="vi"):
    text = visible_text(client.get(f"/{lang}/procedures/{code}").text)
    return text.split("At a glance" if lang == "en" else "Tóm tắt")[1].split("Where")[0]


@pytest.fixture
def imported(runner):
    result = runner.invoke(args=["import", "procedures", str(RECORDS)])
    assert result.exit_code == 0, result.output


def test_the_page_says_each_channels_fee_and_time_as_the_record_does(client, imported):
    glance = _page(client, "2.001206", "en")
    assert "Processing time 1 (unit not stated)" in glance and "Fee 20,000 VND" in glance
    assert "120,000" not in glance
    glance = _page(client, "1.009092", "en")
    assert "Fee Online: Free; In person: 1500 VNĐ(đối với phương tiện quá cảnh đường thuỷ)*" in (
        glance
    )
    page = visible_text(client.get("/en/procedures/1.009092").text)
    assert "* As published in the national database: the portal could not read the time" in page
    glance = _page(client, "1.009091", "en")
    assert "Processing time 1 hour" in glance and "500,000 VND" in glance
    glance = _page(client, "1.007857", "en")
    assert "Processing time Online: 2 (unit not stated); In person: 2 hours" in glance
    assert "Fee Online: 20,000 VND; In person: Free" in glance
    # Every channel states a time, without its unit: not "no information" (was: Not stated).
    glance = _page(client, "1.000689", "en")
    assert "Processing time 3 (unit not stated)" in glance and "Not stated" not in glance


def test_the_finder_keeps_the_sources_unit(client, imported):
    text = visible_text(client.get("/en/procedures", query_string={"q": "1.009091"}).text)
    assert "1.009091 · Hải quan (Not yet translated) · Commune level · 1 hour" in text
    assert "0.042" not in text and "0,042" not in visible_text(client.get("/vi/procedures").text)


def test_the_export_gives_the_time_in_the_sources_words(client, imported):
    rows = {row["code"]: row for row in client.get("/vi/procedures?format=json").get_json()}
    assert rows["1.009091"]["processing_time"] == "1 Giờ"
    assert rows["1.007857"]["processing_time"] == (
        "Trực tuyến: 2 (không ghi đơn vị); Trực tiếp: 2 Giờ"
    )
    assert rows["2.002797"]["processing_time"] == "1250 VNĐ"  # as published: not read apart
    assert "processing_days" not in rows["1.009091"]  # 0.042 for "1 Giờ" said what it did not


def test_every_result_is_shown_not_only_the_first(records, client, imported):
    assert [r["code"] for r in records["1.005280"]["results"]] == [
        "KQ.G12.001009",
        "KQ.G12.001017",
        "KQ.G12.001174",
    ]
    page = visible_text(client.get("/vi/procedures/1.005280").text)
    result = page.split("Kết quả", 1)[1]
    assert "Giấy chứng nhận đăng ký hợp tác xã KQ.G12.001174" in result
    assert "Văn bản của Cơ quan đăng ký kinh doanh cấp xã thông báo lý do từ chối" in result
