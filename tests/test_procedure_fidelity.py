"""Fidelity: the times and fees of real national records, channel by channel, as checked by
hand against each record's source cell (tests/data/fidelity-records.jsonl, copied from the
national database). A cell that glues the time to the amount is split only where the
record says how; otherwise it is shown as published, with a note."""

import csv
from pathlib import Path

import openpyxl
import pytest
from pagetext import unmarked_vietnamese, visible_text

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


# code: the number cells of "Căn cứ pháp lý" in the source's order, each basis once.
LEGAL_NUMBERS = {
    # "…bởi Nghị định số 07/2025/NĐ-CP280/2025/NĐ-CPThông tư…": 07/2025 is cited in the
    # title of 280/2025 (was: 280/2025's title filed under 07/2025, then a row "280/2025").
    "2.000975": ["264/2016/TT-BTC", "23/2015/NĐ-CP", "280/2025/NĐ-CP", "01/2020/TT-BTP"],
    # "198/2016/TT/BTC": the fee circular with a slash (was: dropped).
    "1.004844": ["33/2025/TT-BXD", "198/2016/TT/BTC"],
    # "…Môi trường 146/2025/QH15 sửa đổi, …": a number no title cites ends its row (was: two
    # rows under 01/2022, the second with 146/2025's title).
    "1.003361": [
        "25/2018/TT-BNNPTNT",
        "31/2024/QH15",
        "43/2024/QH15",
        "01/2022/TT-BNNPTNT",
        "18/2017/QH14",
        "146/2025/QH15",
        "17/2026/TT-BNNMT",
    ],
    # "24/2022/TT-BNNPTNTThông tư 24/2022/TT-BNNPTNT": one basis (was: listed twice).
    "1.011472": ["79/2015/QH13", "24/2022/TT-BNNPTNT", "101/2020/TT-BTC", "146/2025/QH15"],
    # "…của Chính phủ167/2025Thông tư…": a number cell that stops at the year.
    "1.009093": ["54/2014/QH13", "50/2018/TT-BTC", "08/2015/NĐ-CP", "167/2025", "14/2021/TT-BTC"],
    # "Luật 35/2018/QH14.35/2018/QH14.BỘ LUẬT HÀNG HẢI VIỆT NAM…": the last title has no
    # number cell: kept in the source's words, not dropped.
    "5.002544": ["33/2025/NĐ-CP", "21/2017/QH14", "143/2017/NĐ-CP", "35/2018/QH14", None],
}


@pytest.mark.parametrize("code", sorted(LEGAL_NUMBERS))
def test_legal_bases_are_the_sources_rows_each_once(records, code):
    assert [basis["number"] for basis in records[code]["legal_bases"]] == LEGAL_NUMBERS[code]


def test_a_basis_listed_twice_keeps_both_titles_once(records):
    bases = {b["number"]: b for b in records["1.003537"]["legal_bases"]}
    assert list(bases) == ["101/2020/TT-BTC", "79/2015/QH13", "123/2018/NĐ-CP"]
    fee = bases["101/2020/TT-BTC"]
    assert fee["title"].startswith("Thông tư số 101/2020/TT-BTC ngày 23/11/2020 của Bộ trưởng")
    assert fee["also"] == [
        "Quy định mức thu, chế độ thu, nộp, quản lý phí, lệ phí trong công tác thú y"
    ]
    # A title that says only the type and the number gives way to one that says more.
    twice = {b["number"]: b for b in records["1.011472"]["legal_bases"]}["24/2022/TT-BNNPTNT"]
    assert (twice["title"], twice["also"]) == ("Thông tư 24/2022/TT-BNNPTNT", [])


def test_titles_are_the_sources_words(records):
    bases = records["2.000975"]["legal_bases"]
    assert bases[2]["title"].endswith("được sửa đổi, bổ sung bởi Nghị định số 07/2025/NĐ-CP")
    bases = records["1.003361"]["legal_bases"]
    assert bases[4]["title"] == "Luật 18/2017/QH14"  # "LuậtLuật 18/2017/QH14": the type twice
    assert bases[5]["title"] == (
        "sửa đổi bổ sung một số điều của 15 Luật trong lĩnh vực Nông nghiệp và Môi trường"
    )
    last = records["5.002544"]["legal_bases"][-1]
    assert last["title"] == "BỘ LUẬT HÀNG HẢI VIỆT NAMBỘ LUẬT HÀNG HẢI VIỆT NAM"


def test_the_page_lists_each_basis_once_and_shows_the_source_where_unsure(client, imported):
    page = visible_text(client.get("/vi/procedures/1.003537").text)
    legal = page.split("Căn cứ pháp lý", 1)[1].split("Quyết định công bố")[0]
    assert legal.count("101/2020/TT-BTC") == 2  # the title and the number cell: one item
    assert "Cũng ghi là: Quy định mức thu, chế độ thu, nộp, quản lý phí" in legal
    page = visible_text(client.get("/en/procedures/5.002544").text)
    legal = page.split("Legal basis", 1)[1].split("Publishing decisions")[0]
    assert "BỘ LUẬT HÀNG HẢI VIỆT NAMBỘ LUẬT HÀNG HẢI VIỆT NAM (no document number)" in legal
    assert "The portal could not read every row of this table apart" in legal
    assert "Tên văn bản pháp lýMã văn bản" in legal  # the source's text, in a disclosure


def test_steps_keep_the_sources_numbers_and_tracks(records):
    # "Cấp Trung ương - Bước 1 … Bước 3 …\nCấp tỉnh - Bước 1 …": two tracks of three steps
    # (was: one list of five, the second track's first step glued into the third).
    steps = records["3.000179"]["steps"]
    assert [(step["track"], step["number"]) for step in steps] == [
        ("Cấp Trung ương", 1),
        ("Cấp Trung ương", 2),
        ("Cấp Trung ương", 3),
        ("Cấp tỉnh", 1),
        ("Cấp tỉnh", 2),
        ("Cấp tỉnh", 3),
    ]
    assert steps[2]["text"].endswith("thì thông báo bằng văn bản và nêu rõ lý do.")
    assert steps[3]["text"].startswith("Tổ chức, cá nhân nộp 01 bộ hồ sơ")
    # No "Bước" in the source: one text, not steps the portal numbered itself.
    (text,) = records["1.005141"]["steps"]
    assert text["number"] is None and text["text"].startswith("- Người xin thôi quốc tịch")


def test_the_page_shows_the_steps_as_the_source_numbers_and_lays_them_out(client, imported):
    html = client.get("/en/procedures/3.000179").text
    steps = visible_text(html).split("Steps", 1)[1].split("Ways to apply")[0]
    assert steps.index("Cấp Trung ương Step 1:") < steps.index("Cấp tỉnh Step 1:")
    assert steps.count("Step 1:") == 2 and "Step 4" not in steps
    html = client.get("/vi/procedures/1.005141").text
    section = html.split('id="steps"', 1)[1].split('id="channels"')[0]
    # "- " and "+ " lines are list items, their bullets not shown as text.
    assert '<ul class="bullets"><li>Người xin thôi quốc tịch Việt Nam' in section
    assert "<ul><li>Giấy tờ chứng minh người xin thôi quốc tịch" in section
    assert "Bước" not in visible_text(section) and "- Người" not in visible_text(section)


def test_only_documents_to_bring_get_a_box(records):
    from portal.procedures.queries import document_role

    roles = [
        (document["name"][:40], document_role(document))
        for document in records["1.000419"]["documents"]
    ]
    assert roles == [
        ("Tờ khai đăng ký khai tử theo mẫu;", "document"),
        ("Giấy báo tử hoặc giấy tờ thay Giấy báo t", "document"),
        # "Trường hợp giấy tờ tùy thân … thì không phải nộp bản giấy": a case, not a paper
        ("Trường hợp giấy tờ tùy thân sử dụng là: ", "note"),
        ("Giấy tờ chứng minh nơi cư trú cuối cùng ", "document"),
        ("Trường hợp không khai thác được thông ti", "note"),
        ("Trường hợp không xác định được nơi cư tr", "note"),
        ("Hộ chiếu/Thẻ căn cước công dân/Thẻ căn c", "document"),
    ]


def test_a_count_without_a_name_is_no_document(records):
    # "…phải có:Tên giấy tờMẫu đơn, tờ khaiSố lượng1 bản chính…": no name in the row.
    record = records["1.014565"]
    assert all(document["name"] for document in record["documents"])
    assert "thanh_phan_ho_so" in record["raw"]  # kept, and shown as the source's text


def test_the_checklist_keeps_the_sources_structure_and_counts(client, imported):
    html = client.get("/vi/procedures/1.000419").text
    section = html.split('id="documents"', 1)[1].split('id="steps"')[0]
    boxes = section.count('class="doc-document"')
    assert boxes == 4 and section.count('class="doc-note"') == 3
    text = visible_text(section)
    # "1 bản chính" with no copies: the copies are not invented as 0 (was: "bản sao: 0").
    assert "Bản chính: 1" in text and "bản sao: 0" not in text
    # "0 bản chính" alone is the table's way of giving no count: nothing shown.
    assert "Bản chính: 0" not in text
    page = visible_text(client.get("/en/procedures/1.014565").text)
    documents = page.split("Documents to bring", 1)[1].split("Steps")[0]
    assert "None" not in documents  # an unnamed row was shown as "None"
    assert "The portal could not read every row of this table apart" in documents


def test_the_pages_search_box_is_not_read_as_conditions(records, client, imported):
    # "Không có thông tinTừ khóaKhông có thông tinMô tảKhông có thông tin": no conditions.
    assert records["2.001206"]["conditions"] is None
    conditions = records["1.001765"]["conditions"]
    assert conditions.endswith("quy định về hoạt động đào tạo và sát hạch lái xe.")
    assert "Từ khóa" not in conditions
    html = client.get("/vi/procedures/2.001206").text
    assert 'id="conditions"' not in html and "Từ khóa" not in visible_text(html)


def test_the_page_shows_the_competent_body_the_type_and_related_procedures(client, imported):
    glance = _page(client, "1.004844", "en")
    page = visible_text(client.get("/en/procedures/1.004844").text)
    assert "Competent authority Cục Đường sắt Việt Nam (Not yet translated)" in page
    assert "Procedure type Detailed by a regulation the law calls for" in page
    text = visible_text(client.get("/vi/procedures/3.000179").text)
    assert "Loại thủ tục Loại khác" in text
    assert glance  # the summary box is there
    # "Thủ tục liên quan" names the other procedure, without its code: linked by its name.
    html = client.get("/vi/procedures/5.003809").text
    related = html.split('id="related-procedures"', 1)[1].split("</section>")[0]
    assert 'href="/vi/procedures/5.003811"' in related
    assert "Hướng dẫn việc thực hiện các quy định pháp luật về quy hoạch đô thị" in related


def test_the_json_export_carries_every_part_in_the_sources_words(client, imported):
    rows = {row["code"]: row for row in client.get("/en/procedures?format=json").get_json()}
    row = rows["1.009091"]
    (channel,) = row["channels"]
    assert channel["time_text"] == "1 Giờ" and "days" not in channel  # was: 0.042
    assert channel["fee_vnd"] == 500000
    assert row["legal_bases"] and row["documents"] and row["steps"]
    assert [r["code"] for r in rows["1.005280"]["results"]] == [
        "KQ.G12.001009",
        "KQ.G12.001017",
        "KQ.G12.001174",
    ]
    assert rows["3.000179"]["steps"][3] == {
        "track": "Cấp tỉnh",
        "number": 1,
        "text": rows["3.000179"]["steps"][3]["text"],
    }
    assert rows["1.004844"]["agencies"]["competent"] == [
        "Cục Đường sắt Việt Nam",
        "Ủy ban nhân dân cấp tỉnh",
    ]
    assert rows["5.003809"]["related_procedures"][0].startswith("Hướng dẫn việc thực hiện")
    # Every applicant the source names, not three kinds the portal sorted them into.
    record_applicants = rows["1.000419"]["applicants"]
    assert isinstance(record_applicants, list) and record_applicants
    assert "thanh_phan_ho_so" in rows["1.014565"]["not_read_apart"]


def _report(path):
    with open(path, encoding="utf-8-sig", newline="") as file:
        return list(csv.DictReader(file))


def test_the_import_reports_what_needs_a_human_look(runner, tmp_path):
    # A list export that gives 2.001206 another procedure's name (as 3.000226 is in the
    # national lists), beside the detailed records.
    workbook = openpyxl.Workbook()
    workbook.active.append(["Mã số", "Tên", "Lĩnh vực"])
    workbook.active.append(["2.001206", "Khóa căn cước điện tử", "Căn cước"])
    workbook.save(tmp_path / "list.xlsx")
    report = tmp_path / "report.csv"
    args = ["import", "procedures", str(RECORDS), str(tmp_path / "list.xlsx")]
    result = runner.invoke(args=[*args, "--report", str(report)])
    assert result.exit_code == 0, result.output
    assert "fields kept as published" in result.output and str(report) in result.output
    rows = _report(report)
    found = {(row["code"], row["what"], row["field"]) for row in rows}
    assert ("1.014565", "kept_verbatim", "thanh_phan_ho_so") in found
    assert ("1.009092", "as_published", "cach_thuc_thuc_hien") in found
    (conflict,) = [row for row in rows if row["what"] == "conflict"]
    assert (conflict["file"], conflict["row"], conflict["code"]) == ("list.xlsx", "2", "2.001206")
    assert 'list export: "Khóa căn cước điện tử"; detailed record: "' in conflict["detail"]


def test_the_report_lists_refused_rows_even_when_nothing_is_written(runner, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"ma_thu_tuc": "1.0x", "ten_thu_tuc": "Tách hộ"}\n', encoding="utf-8")
    report = tmp_path / "report.csv"
    result = runner.invoke(args=["import", "procedures", str(bad), "--report", str(report)])
    assert result.exit_code == 1
    (row,) = _report(report)
    assert (row["file"], row["row"], row["what"], row["field"]) == (
        "bad.jsonl",
        "1",
        "refused",
        "ma_thu_tuc",
    )
    assert "not a national procedure code" in row["detail"]


def test_the_page_claims_no_more_online_service_than_the_record_shows(client, imported):
    # The record lists an online channel; whether results come back online it does not say.
    page = visible_text(client.get("/en/procedures/1.009091").text)
    assert "Online Can be submitted online" in page and "Partly online" not in page
    page = visible_text(client.get("/en/procedures/2.002797").text)  # in person only
    assert "Online No online channel listed" in page


# In the language of the page: on /en/, what the source says in Vietnamese is marked so.


def test_english_pages_mark_every_word_they_show_in_vietnamese(records, client, imported):
    for code in records:
        html = client.get(f"/en/procedures/{code}").text
        assert unmarked_vietnamese(html) == [], code


def test_closed_words_are_translated_and_the_rest_said_to_be_vietnamese(client, imported):
    page = visible_text(client.get("/en/procedures/1.009092").text)
    # "Công dân Việt Nam", "Miễn phí", "1 Giờ" are words of closed lists: translated.
    assert (
        "Who applies Vietnamese citizens, Organisations (other than businesses and cooperatives),"
        " Foreigners, Foreign organisations"
    ) in page
    assert "Online 1 (unit not stated) Free" in page
    page = visible_text(client.get("/en/procedures/1.009091").text)
    assert "Online 1 hour 500,000 VND" in page
    # One note per section whose text stays in Vietnamese, under its heading.
    note = "Not yet translated: shown in Vietnamese, as the national database publishes it."
    for section in ("Documents to bring", "Steps", "Ways to apply", "Legal basis"):
        assert f"{section} {note}" in page
    assert note not in visible_text(client.get("/vi/procedures/1.009091").text)
    vi = visible_text(client.get("/vi/procedures/1.009092").text)
    assert "Công dân Việt Nam" in vi and "Trực tuyến 1 (không ghi đơn vị) Miễn phí" in vi


def test_a_fee_note_stays_beside_the_amount_in_the_sources_words(client, imported):
    html = client.get("/en/procedures/2.002009").text
    cells = visible_text(html.split('id="channels"')[1].split("</table>")[0])
    assert "Online 1 (unit not stated) 100,000 VND (Phí công bố nội dung đăng ký doanh" in cells
    assert '100,000 VND <span lang="vi">(Phí công bố' in html
