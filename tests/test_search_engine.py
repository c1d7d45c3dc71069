"""The search engine: what a visitor finds, and how the index survives writers and rebuilds.

Every test builds a fresh on-disk index in its own tmp_path, except the tests that only
search the corpus: they share one index of it, built once for the module (`real`).
"""

import datetime
import inspect
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import unicodedata
from pathlib import Path

import pytest

from portal.searching import analysis, codec, documents, engine, segments
from portal.searching.engine import REFRESH_SECONDS, Document, SearchIndex

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent


def doc(id, title, body="", type="procedure", **fields):
    """A document with sensible defaults."""
    fields.setdefault("version", "v1")
    return Document(
        type=type, id=str(id), title_vi=title, body_vi=body, url=f"/{type}s/{id}", **fields
    )


@pytest.fixture
def index(tmp_path):
    ix = SearchIndex(tmp_path / "search_index")
    ix.create()
    yield ix
    ix.close()


def fill(index, *docs, position=1):
    assert index.apply(docs, [], position, wait=5)
    return index


def ids(results):
    return [hit.id for hit in results.hits]


# Lifecycle and position


def test_create_is_idempotent_and_a_new_index_is_at_position_zero(tmp_path):
    ix = SearchIndex(tmp_path / "ix")
    assert not ix.exists()
    ix.create()
    ix.create()
    assert ix.exists()
    assert ix.position() == 0
    assert ix.search("khai sinh").total == 0


def test_processes_creating_the_index_at_once_make_one(tmp_path):
    script = (
        "import sys; from portal.searching.engine import SearchIndex; "
        "SearchIndex(sys.argv[1]).create()"
    )
    workers = [python(script, tmp_path / "ix") for _ in range(4)]
    for w in workers:
        with w:
            assert w.wait(timeout=60) == 0
    assert len(list((tmp_path / "ix").glob("gen-*"))) == 1
    assert SearchIndex(tmp_path / "ix").exists()


def _pickled_classes(toc):
    """The engine's own classes that a Whoosh table of contents names (by dotted path)."""
    found = set()
    for module in (analysis, codec, documents, engine, segments):
        if module.__name__.encode() not in toc:
            continue
        for name, value in vars(module).items():
            named = re.search(rb"[^A-Za-z0-9_]" + name.encode() + rb"[^A-Za-z0-9_]", toc)
            if inspect.isclass(value) and value.__module__ == module.__name__ and named:
                found.add(f"{module.__name__}.{name}")
    return found


def test_the_classes_an_index_names_by_their_path_stay_where_they_are(index, tmp_path):
    # Whoosh pickles the schema's field classes and the codec into every index's table of
    # contents, by module and name: moving or renaming one makes every index built before
    # unreadable (then marked corrupt and rebuilt by `flask search sync`: tests/test_search.py).
    # Keep these where they are; if one must move, leave an alias at the old path.
    fill(index, doc("1", "Đăng ký khai sinh"))
    toc = sorted((tmp_path / "search_index").rglob("_MAIN_*.toc"))[-1].read_bytes()
    assert _pickled_classes(toc) == {
        "portal.searching.analysis.EnglishTextField",
        "portal.searching.analysis.WeightedTextField",
        "portal.searching.codec.Codec",
    }


def test_position_persists_across_reopen(index):
    fill(index, doc(1, "Đăng ký khai sinh"), position=7)
    assert SearchIndex(index.directory).position() == 7
    assert index.apply([], ["procedure:1"], 9)
    again = SearchIndex(index.directory)
    assert again.position() == 9
    assert again.search("khai sinh").total == 0


def test_a_batch_older_than_the_index_is_skipped(index):
    fill(index, doc(1, "Đăng ký khai sinh", version="new"), position=10)
    stale = doc(1, "Đăng ký khai sinh", version="old")
    assert index.apply([stale], [], 8) is True
    assert index.versions() == {"procedure:1": "new"}
    assert index.position() == 10


def test_edit_is_visible_to_the_next_search(index):
    fill(index, doc(1, "Đăng ký khai sinh"))
    assert index.search("khai sinh").total == 1
    t = time.monotonic()
    fill(index, doc(1, "Đăng ký kết hôn"), position=2)
    assert ids(index.search("ket hon")) == ["1"]
    assert index.search("khai sinh").total == 0
    assert time.monotonic() - t < 1


def test_versions_list_every_document(index):
    fill(index, doc(1, "A b", version="2024-01-01"), doc(2, "C d", type="agency", version="x"))
    assert index.versions() == {"procedure:1": "2024-01-01", "agency:2": "x"}


# Vietnamese matching


def test_accentless_and_d_queries_find_accented_text(index):
    fill(index, doc(1, "Đăng ký khai sinh"), doc(2, "Đường dây nóng Sở Tư pháp"))
    assert ids(index.search("dang ky khai sinh")) == ["1"]
    assert ids(index.search("duong day nong")) == ["2"]
    assert ids(index.search("DUONG DAY")) == ["2"]


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("Hoà giải ở cơ sở", "hòa giải"),
        ("Hòa giải ở cơ sở", "hoà giải"),
        ("Thuỷ lợi nội đồng", "thủy lợi"),
        ("Khám sức khoẻ", "sức khỏe"),
        ("Uỷ ban nhân dân", "ủy ban"),
        (unicodedata.normalize("NFD", "Đường dây nóng"), "đường dây nóng"),
        ("Đường dây nóng", unicodedata.normalize("NFD", "đường dây nóng")),
    ],
)
def test_tone_placement_and_normal_forms_do_not_matter(index, stored, typed):
    fill(index, doc(1, stored), doc(2, "Cấp giấy phép lái xe"))
    assert ids(index.search(typed)) == ["1"]


def test_accented_query_ranks_exact_accents_first(index):
    fill(
        index,
        doc(1, "Hỗ trợ doanh nghiệp tỉnh Bình Dương"),
        doc(2, "Sửa chữa đường giao thông nông thôn"),
    )
    assert ids(index.search("đường")) == ["2", "1"]
    assert ids(index.search("dương")) == ["1", "2"]
    assert sorted(ids(index.search("duong"))) == ["1", "2"]


def test_adjacent_syllables_rank_above_scattered_ones(index):
    fill(
        index,
        doc(1, "Thủ tục về nhà ở", "Cấp giấy cho công trình xây mới; phép thử nền móng; dựng cột"),
        doc(2, "Thủ tục về nhà ở", "Cấp giấy phép xây dựng cho công trình mới; thử nền móng"),
    )
    assert ids(index.search("giấy phép xây dựng")) == ["2", "1"]
    assert ids(index.search("giay phep xay dung")) == ["2", "1"]


def test_quoted_phrase_needs_the_words_together(index):
    fill(index, doc(1, "Cấp phép", "xây dựng nhà ở riêng lẻ"), doc(2, "Cấp phép", "nhà xây dựng ở"))
    assert ids(index.search('"xây dựng nhà"')) == ["1"]
    assert sorted(ids(index.search("xây dựng nhà"))) == ["1", "2"]


def test_titles_weigh_more_than_bodies(index):
    fill(
        index,
        doc(1, "Hướng dẫn chung", "Thủ tục này liên quan đến nuôi con nuôi trong nước."),
        doc(2, "Đăng ký nuôi con nuôi trong nước", "Hồ sơ gồm tờ khai theo mẫu."),
    )
    assert ids(index.search("nuôi con nuôi")) == ["2", "1"]


# Codes, document numbers, phones


@pytest.fixture
def coded(index):
    return fill(
        index,
        doc("1.001193", "Đăng ký khai tử", codes=["1.001193", "163/QĐ-BTP"]),
        doc(
            "kh",
            "Kế hoạch kiểm tra cải cách hành chính",
            "Kế hoạch số 4261/KH-UBND ngày 20/12/2018; Công văn số 8952/UBND-NC.",
            type="announcement",
            codes=["4261/KH-UBND"],
        ),
        doc(
            "qd",
            "Công bố thủ tục cư trú",
            "Quyết định 5568/QĐ-BCA theo Nghị định 61/2018/NĐ-CP",
            type="announcement",
        ),
        doc(
            "stp",
            "Đường dây nóng Sở Tư pháp",
            "Gọi 0768.221.221 hoặc 1022",
            type="hotline",
            codes=["0768.221.221", "1022"],
        ),
        doc("other", "Cấp giấy phép xây dựng", "Mã 2.000123; số 4262/KH-UBND; gọi 0768.221.222"),
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("1.001193", "1.001193"),
        ("1001193", "1.001193"),
        ("163/QĐ-BTP", "1.001193"),
        ("8952/UBND-NC", "kh"),
        ("8952 / UBND-NC", "kh"),
        ("8952/ubnd-nc", "kh"),
        ("Kế hoạch 4261/KH-UBND", "kh"),
        ("ke hoach 4261 / KH-UBND", "kh"),
        ("5568/QD-BCA", "qd"),
        ("5568/QĐ-BCA", "qd"),
        ("61/2018/NĐ-CP", "qd"),
        ("61/2018/ND-CP", "qd"),
        ("ND-CP", "qd"),
        ("0768.221.221", "stp"),
        ("0768221221", "stp"),
        ("0768 221 221", "stp"),
        ("1022", "stp"),
    ],
)
def test_codes_numbers_and_phones_are_found_as_people_write_them(coded, query, expected):
    assert ids(coded.search(query))[:1] == [expected]
    assert coded.search(query).hits[0].missing_terms == []


def test_a_code_found_whole_leaves_out_documents_holding_only_its_parts(coded):
    fill(coded, doc("parts", "Báo cáo năm 2018", "Điều 61 của văn bản theo NĐ-CP"), position=2)
    assert ids(coded.search("61/2018/NĐ-CP")) == ["qd"]
    assert set(ids(coded.search("61/2018"))) == {"qd", "parts"}  # nowhere whole: its parts


def test_abbreviations_find_the_words_they_stand_for_and_back(index):
    fill(
        index,
        doc("full", "Thông báo của Ủy ban nhân dân xã Tân Thành", type="announcement"),
        doc("short", "Lịch tiếp dân của UBND xã Phú Tân", type="announcement"),
        doc("code", "Công văn về cải cách", "Theo Quyết định 5568/QĐ-UBND", type="announcement"),
    )

    def full(query):
        return [hit.id for hit in index.search(query).hits if not hit.missing_terms]

    assert full("ubnd xa tan thanh") == ["full"]
    assert full("uy ban nhan dan xa phu tan") == ["short"]
    assert set(full("ubnd xa")) == {"full", "short"}
    assert set(full("ủy ban nhân dân")) == {"full", "short"}  # not the code's "UBND"


def test_an_index_built_by_an_older_analysis_says_so_until_rebuilt(index, monkeypatch):
    fill(index, doc(1, "Đăng ký khai sinh"))
    assert not index.outdated()
    monkeypatch.setattr("portal.searching.engine.ANALYSIS_VERSION", 99)
    assert index.outdated()
    fill(index, doc(2, "Đăng ký kết hôn"), position=2)  # writes keep the old version
    assert index.outdated()
    index.rebuild([doc(1, "Đăng ký khai sinh")], position=3, procs=1)
    monkeypatch.setattr("portal.searching.documents.ANALYSIS_VERSION", 99)
    assert not index.outdated() and index.position() == 3


def test_codes_in_the_codes_field_rank_above_mentions(coded):
    fill(coded, doc("mention", "Báo cáo", "Tham chiếu 4261/KH-UBND"), position=2)
    assert ids(coded.search("4261/KH-UBND"))[0] == "kh"


# English


def test_english_query_searches_stemmed_english_and_flags_untranslated(index):
    fill(
        index,
        doc(
            1,
            "Đăng ký khai sinh",
            title_en="Birth registration",
            body_en="Parents register the birth within 60 days.",
        ),
        doc(2, "Đăng ký khai sinh lưu động", "Cán bộ đến tận nhà đăng ký khai sinh."),
    )
    found = index.search("registering", lang="en")
    assert ids(found) == ["1"]
    assert found.hits[0].title == "Birth registration" and not found.hits[0].untranslated
    assert ids(index.search("registered births", lang="en")) == ["1"]
    both = index.search("khai sinh", lang="en")
    assert sorted(ids(both)) == ["1", "2"]
    flags = {hit.id: hit.untranslated for hit in both.hits}
    assert flags == {"1": False, "2": True}
    assert index.search("khai sinh").hits[0].untranslated is False


# Partial matches, facets, filters, pages, sorting, suggestions


def test_partial_matches_come_after_full_ones_and_say_what_is_missing(index):
    fill(
        index,
        doc(1, "alpha beta gamma"),
        doc(2, "alpha beta"),
        doc(3, "alpha"),
        doc(4, "beta gamma delta"),
    )
    found = index.search("alpha beta gamma")
    assert [(h.id, h.missing_terms) for h in found.hits] == [
        ("1", []),
        ("2", ["gamma"]),
        ("4", ["alpha"]),
    ]
    assert found.total == 3
    nothing = index.search("alpha zeta")
    assert all(h.missing_terms == ["zeta"] for h in nothing.hits)
    assert nothing.hits[0].score > 0


def test_no_partial_matches_when_enough_documents_hold_every_word(index):
    fill(
        index, *[doc(i, f"thủ tục số {i} về khai sinh") for i in range(12)], doc(99, "thủ tục khác")
    )
    found = index.search("thủ tục khai sinh", per_page=50)
    assert found.total == 12 and "99" not in ids(found)


@pytest.fixture
def faceted(index):
    day = datetime.date
    return fill(
        index,
        doc(
            1,
            "Đăng ký khai sinh",
            agency="so-tu-phap",
            field="ho-tich",
            level=["xa"],
            status="active",
            date=day(2024, 3, 1),
        ),
        doc(
            2,
            "Đăng ký khai sinh lưu động",
            agency="so-tu-phap",
            field="ho-tich",
            level=["xa", "tinh"],
            status="active",
            date=day(2023, 5, 2),
        ),
        doc(
            3,
            "Trích lục khai sinh",
            agency="ubnd-xa",
            field="ho-tich",
            level=["xa"],
            status="abolished",
            date=day(2022, 1, 9),
        ),
        doc(
            4,
            "Thông báo về khai sinh trực tuyến",
            type="announcement",
            agency="so-tu-phap",
            date=day(2024, 7, 1),
        ),
        doc(
            5,
            "Đăng ký kết hôn",
            agency="so-tu-phap",
            field="ho-tich",
            level=["xa"],
            date=day(2024, 1, 1),
        ),
    )


def test_facets_count_all_matches(faceted):
    found = faceted.search("khai sinh")
    assert found.total == 4
    assert found.facets["type"] == {"procedure": 3, "announcement": 1}
    assert found.facets["agency"] == {"so-tu-phap": 3, "ubnd-xa": 1}
    assert found.facets["level"] == {"xa": 3, "tinh": 1}
    assert found.facets["status"] == {"active": 2, "abolished": 1}
    assert found.facets["year"] == {"2024": 2, "2022": 1, "2023": 1}


def test_filters_narrow_results_and_the_type_facet_ignores_the_type_filter(faceted):
    found = faceted.search("khai sinh", types=["procedure"], filters={"agency": "so-tu-phap"})
    assert sorted(ids(found)) == ["1", "2"] and found.total == 2
    assert found.facets["type"] == {"procedure": 2, "announcement": 1}
    assert found.facets["level"] == {"xa": 2, "tinh": 1}
    assert faceted.search("khai sinh", filters={"year": 2024}).total == 2
    assert faceted.search("khai sinh", filters={"level": ["tinh", "nowhere"]}).total == 1
    assert faceted.search("khai sinh", types=["hotline"]).total == 0
    with pytest.raises(ValueError, match="unknown filter"):
        faceted.search("khai sinh", filters={"colour": "red"})


def test_sort_by_date_puts_newest_first_and_undated_last(faceted):
    fill(faceted, doc(6, "Khai sinh không ngày"), position=2)
    found = faceted.search("khai sinh", sort="date")
    assert ids(found) == ["4", "1", "2", "3", "6"]
    assert found.hits[0].date == datetime.date(2024, 7, 1)


def test_ranked_keys_follow_the_search_order_for_every_full_match(own_real):
    own_real.apply([doc("new", "Đăng ký khai sinh lưu động", "khai sinh tại nhà")], [], 2, wait=5)
    found = own_real.search("dang ky khai sinh", per_page=100)
    full = [hit.key for hit in found.hits if not hit.missing_terms]
    assert "procedure:new" in full  # a segment written by apply(), without a sidecar
    assert own_real.ranked("dang ky khai sinh") == full
    assert own_real.ranked("dang ky khai sinh", limit=3) == full[:3]
    every = [hit.key for hit in own_real.search("cai cach hanh chinh", per_page=100).hits]
    announcements = [key for key in every if key.startswith("announcement:")]
    assert announcements and announcements != every
    assert own_real.ranked("cai cach hanh chinh", types=["announcement"]) == announcements
    assert own_real.ranked("khong co tu nay xyzzy") == []
    assert own_real.ranked("") == []


def test_pages_split_results_without_overlap(index):
    fill(index, *[doc(i, f"Thủ tục hành chính số {i}") for i in range(25)])
    pages = [index.search("thủ tục hành chính", page=p, per_page=10) for p in (1, 2, 3, 4)]
    assert [len(p.hits) for p in pages] == [10, 10, 5, 0]
    assert all(p.total == 25 for p in pages)
    seen = [i for p in pages for i in ids(p)]
    assert sorted(seen, key=int) == [str(i) for i in range(25)]
    dated = [index.search("thủ tục", page=p, per_page=10, sort="date") for p in (1, 2, 3)]
    assert len({i for p in dated for i in ids(p)}) == 25


def test_snippets_are_escaped_and_marked(index):
    fill(index, doc(1, "Khai sinh", "Nộp <script>alert(1)</script> tờ khai sinh & giấy tờ"))
    snippet = index.search("to khai").hits[0].snippet
    assert "<script>" not in snippet and "&lt;script&gt;" in snippet and "&amp;" in snippet
    assert "<mark>tờ</mark> <mark>khai</mark>" in snippet


@pytest.fixture(scope="module")
def corpus():
    with open(DATA / "search-corpus.jsonl", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    for row in rows:
        if row.get("date"):
            row["date"] = datetime.date.fromisoformat(row["date"])
    return [Document(**row) for row in rows]


def _files(directory):
    """What an index's directory holds: every file with its size and contents' time."""
    return {
        str(path.relative_to(directory)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def real(tmp_path_factory, corpus):
    """The corpus indexed once for the module's tests that only search it.

    A test that writes to an index of the corpus asks for `own_real` instead; the files are
    compared at the end, so a test that wrote here by mistake shows as an error.
    """
    ix = SearchIndex(tmp_path_factory.mktemp("real") / "real")
    ix.rebuild(corpus, position=1, procs=1)
    before = _files(ix.directory)
    yield ix
    ix.close()
    assert _files(ix.directory) == before, "a test changed the shared, read-only index"


@pytest.fixture
def own_real(tmp_path, corpus):
    """The corpus indexed for this test alone: it may write to it."""
    ix = SearchIndex(tmp_path / "real")
    ix.rebuild(corpus, position=1, procs=1)
    yield ix
    ix.close()


@pytest.mark.parametrize(
    ("query", "suggestion"),
    [
        ("dang ky khai sin", "dang ky khai sinh"),
        ("khai sihn", "khai sinh"),
        ("đăng ký kết hom", "đăng ký kết hon"),
    ],
)
def test_misspelt_queries_get_a_suggestion_from_the_index(real, query, suggestion):
    found = real.search(query)
    assert fold_words(found.suggestion) == fold_words(suggestion)
    assert real.search(found.suggestion).total > 0


def fold_words(text):
    from portal.searching.analysis import fold

    return fold(text or "").split()


def test_a_correct_query_gets_no_suggestion(real):
    assert real.search("đăng ký khai sinh").suggestion is None


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '"khai sinh',
        "*",
        "OR",
        "AND",
        "NOT khai",
        "-",
        "khai -sinh",
        "🙂",
        "🙂 khai sinh",
        "x" * 1000,
        "khai " * 300,
        "((",
        "title:khai",
        "\x00",
        "~2^3",
        "'",
        "\\",
        "1/",
        "/",
        "5568/",
        "/QĐ",
        "...",
        "đ",
        "Đ",
        " ",
        "",
        "AND OR NOT",
        '""',
        "?*",
        "%_%",
    ],
)
def test_bad_queries_never_raise(real, query):
    for lang in ("vi", "en"):
        found = real.search(query, lang=lang, page=3, per_page=5, sort="date")
        assert found.total >= 0


def test_relevance_does_not_get_worse(real):
    spec = json.loads((Path(__file__).parent / "search_relevance.json").read_text())
    recalls, first_ranks = [], []
    for case in spec["queries"]:
        top = [
            hit.key for hit in real.search(case["q"], lang=case.get("lang", "vi"), per_page=10).hits
        ]
        relevant = set(case["relevant"])
        recalls.append(len(relevant & set(top)) / min(len(relevant), 10))
        first_ranks.append(next((i + 1 for i, key in enumerate(top) if key in relevant), 11))
    recall = sum(recalls) / len(recalls)
    mean_rank = sum(first_ranks) / len(first_ranks)
    floors = spec["floors"]
    assert recall >= floors["recall_at_10"], f"recall@10 {recall:.3f}"
    assert mean_rank <= floors["mean_first_rank"], f"mean first rank {mean_rank:.2f}"


# Writers, crashes and rebuilds

HOLD_LOCK = """
import sys, time
from portal.searching.engine import SearchIndex
writer = SearchIndex(sys.argv[1])._open().writer()
print("locked", flush=True)
time.sleep(60)
"""

APPLY_FROM_LOG = """
import sys
from portal.searching.engine import REFRESH_SECONDS, Document, SearchIndex
ix = SearchIndex(sys.argv[1])
total, step = int(sys.argv[2]), int(sys.argv[3])
log = [Document(type="procedure", id=str(i), title_vi=f"thủ tục số {i}") for i in range(total)]
while True:
    start = ix.position()
    if start >= total:
        break
    batch = log[start:start + step]
    ix.apply(batch, [], start + len(batch), wait=30)
"""

WRITE_FOREVER = """
import sys
from portal.searching.engine import REFRESH_SECONDS, Document, SearchIndex
ix = SearchIndex(sys.argv[1])
print("writing", flush=True)
n = 0
while True:
    docs = [Document(type="procedure", id=f"k{n}-{i}", title_vi=f"khai sinh {n} {i}",
                     body_vi="đăng ký khai sinh " * 200) for i in range(50)]
    ix.apply(docs, [], ix.position() + 1, wait=30)
    n += 1
"""


def python(script, *args):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", script, *map(str, args)], env=env, stdout=subprocess.PIPE, text=True
    )


def test_apply_without_waiting_returns_false_while_another_process_writes(index):
    with python(HOLD_LOCK, index.directory) as holder:
        assert holder.stdout.readline().strip() == "locked"
        t = time.monotonic()
        assert index.apply([doc(1, "Khai sinh")], [], 1) is False
        assert time.monotonic() - t < 0.5
        t = time.monotonic()
        assert index.apply([doc(1, "Khai sinh")], [], 1, wait=0.3) is False
        assert 0.25 < time.monotonic() - t < 2
        assert index.search("khai sinh").total == 0 and index.position() == 0
        holder.kill()
    assert index.apply([doc(1, "Khai sinh")], [], 1, wait=5) is True
    assert index.search("khai sinh").total == 1


def test_processes_applying_at_once_lose_no_document(index):
    total = 60
    workers = [python(APPLY_FROM_LOG, index.directory, total, step) for step in (1, 3, 7)]
    for w in workers:
        with w:
            assert w.wait(timeout=120) == 0
    assert index.position() == total
    assert index.search("thủ tục", per_page=100).total == total
    assert len(index.versions()) == total


def test_a_killed_writer_leaves_an_index_that_opens_and_accepts_writes(index):
    fill(index, doc("before", "Đăng ký kết hôn"))
    with python(WRITE_FOREVER, index.directory) as writer:
        assert writer.stdout.readline().strip() == "writing"
        time.sleep(1.5)
        writer.send_signal(signal.SIGKILL)
    again = SearchIndex(index.directory)
    assert ids(again.search("ket hon")) == ["before"]
    committed = again.search("khai sinh").total
    assert committed % 50 == 0
    assert again.apply([doc("after", "Đăng ký kết hôn lần hai")], [], again.position() + 1, wait=5)
    assert sorted(ids(again.search("ket hon"))) == ["after", "before"]


def test_rebuild_swaps_generations_while_searches_go_on(index):
    fill(index, *[doc(i, f"Thủ tục cũ số {i}") for i in range(30)], position=3)
    other_process = SearchIndex(index.directory)
    assert other_process.search("thu tuc cu").total == 30
    errors, counts = [], []

    def search_all_the_time():
        while not done.is_set():
            try:
                counts.append(index.search("thủ tục").total)
            except Exception as e:
                errors.append(e)

    done = threading.Event()
    thread = threading.Thread(target=search_all_the_time)
    thread.start()
    try:
        count = index.rebuild(
            (doc(i, f"Thủ tục mới số {i}") for i in range(40)), position=5, procs=1
        )
    finally:
        done.set()
        thread.join()
    assert count == 40 and not errors and set(counts) <= {30, 40}
    assert index.search("thu tuc moi").total == 40
    assert other_process.search("thủ tục").total in (30, 40)  # old files still answer
    time.sleep(REFRESH_SECONDS)
    assert other_process.search("thu tuc moi").total == 40
    assert other_process.search("cũ").total == 0
    assert other_process.position() == 5
    generations = list(index.directory.glob("gen-*"))
    assert len(generations) == 1


def test_rebuild_with_several_processes_indexes_every_document(index, monkeypatch):
    monkeypatch.setattr("portal.searching.segments.SEGMENT_DOCS", 1500)
    count = index.rebuild(
        (doc(i, f"Thủ tục số {i}", "khai sinh " * 50) for i in range(3500)), position=2, procs=2
    )
    assert count == 3500
    assert index.search("khai sinh").total == 3500
    assert index.search("thủ tục số 2718").hits[0].id == "2718"
    for i in (0, 1100, 1499, 2718, 3499):  # keys are read in blocks (KEY_BLOCK)
        assert index.ranked(f"thủ tục số {i}") == [f"procedure:{i}"]
    assert index.position() == 2
    # Each process starts a new segment every 1,500; how many each writes depends on which
    # takes the chunks first (a busy machine makes it uneven), so only the cap is certain.
    sizes = segment_sizes(index)
    assert max(sizes) <= 1500 and len(sizes) >= 3, sizes


@pytest.mark.parametrize("how", ["raises", "is killed"])
def test_a_failing_rebuild_process_leaves_the_live_index_alone(index, monkeypatch, how):
    fill(index, doc("old", "Đăng ký khai sinh"))
    from portal.searching.segments import SegmentBuilder

    add = SegmentBuilder.add

    def failing(self, fields):
        if fields.get("key") == "procedure:2500":
            if how == "raises":
                raise ValueError("bad document")
            os.kill(os.getpid(), signal.SIGKILL)
        add(self, fields)

    monkeypatch.setattr(SegmentBuilder, "add", failing)  # the forked writers inherit it
    with pytest.raises(RuntimeError, match="bad document" if how == "raises" else "exit code"):
        index.rebuild((doc(i, f"Thủ tục số {i}") for i in range(4000)), position=9, procs=2)
    assert ids(index.search("khai sinh")) == ["old"]
    assert index.position() == 1
    assert len(list(index.directory.glob("gen-*"))) == 1


REBUILD_FOREVER = """
import sys
from portal.searching.engine import Document, SearchIndex
ix = SearchIndex(sys.argv[1])
def documents():
    for i in range(10**9):
        if i == 3000:  # past PARALLEL_FROM: the writer processes are running
            print("writers", flush=True)
        yield Document(type="procedure", id=str(i), title_vi=f"Thủ tục số {i}",
                       body_vi="đăng ký khai sinh " * 20)
ix.rebuild(documents(), position=1, procs=2)
"""


def _children(pid):
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_killed_rebuild_leaves_no_writer_behind_and_the_next_one_runs(index):
    fill(index, doc("old", "Đăng ký khai sinh"))
    with python(REBUILD_FOREVER, index.directory) as rebuild:
        assert rebuild.stdout.readline().strip() == "writers"
        writers = [pid for pid in _children(rebuild.pid) if _alive(pid)]
        assert len(writers) >= 2
        rebuild.send_signal(signal.SIGKILL)
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in writers) and time.monotonic() < deadline:
        time.sleep(0.1)
    orphans = [pid for pid in writers if _alive(pid)]
    for pid in orphans:  # a failing run must not leave them to the next test
        os.kill(pid, signal.SIGKILL)
    assert not orphans, "writer processes outlived the rebuild"
    assert len(list(index.directory.glob("gen-*"))) == 2  # the live one, the killed one's
    done = []
    thread = threading.Thread(
        target=lambda: done.append(index.rebuild([doc("new", "Khai sinh")], 2, procs=1)),
        daemon=True,
    )
    thread.start()
    thread.join(timeout=30)
    assert done == [1], "the next rebuild waited for the killed one's lock"
    assert len(list(index.directory.glob("gen-*"))) == 1
    assert ids(index.search("khai sinh")) == ["new"]


def test_precomputed_masks_give_the_same_results_as_postings(own_real):
    queries = ["thủ tục", "dang ky khai sinh", '"hộ kinh doanh"', "giấy phép lái xe", "cap"]
    before = [own_real.search(q, per_page=50) for q in queries]
    sidecars = list(own_real.directory.glob("gen-*/*.masks"))
    assert sidecars
    for path in sidecars:
        path.unlink()
    after = [SearchIndex(own_real.directory).search(q, per_page=50) for q in queries]
    assert [(r.total, r.facets, [(h.key, h.score) for h in r.hits]) for r in before] == [
        (r.total, r.facets, [(h.key, h.score) for h in r.hits]) for r in after
    ]


def test_a_segment_s_term_filter_never_hides_a_term_it_holds(real):
    from portal.searching.masks import Sidecar, bloom_key, may_hold

    reader = real._searcher().reader()
    (segreader, _), *_ = [(r, o) for r, o in reader.leaf_readers() if r.doc_count_all() > 1]
    bloom = Sidecar(
        str(real.directory / real._generation() / (segreader.segment().segment_id() + ".masks"))
    ).get(("bloom",))
    held = [(name, term) for name in ("text", "title") for term in segreader.lexicon(name)]
    assert len(held) > 1000
    assert all(may_hold(bloom, bloom_key(name, term)) for name, term in held)
    absent = [bloom_key("text", f"khong{n}co".encode()) for n in range(2000)]
    assert sum(may_hold(bloom, key) for key in absent) < 100  # ~1% look in vain


def weighted(reader, name, term):
    """[(document, weight)] of a term's postings, as the block-level matcher scores them."""
    matcher, found = reader.postings(name, term), []
    while matcher.is_active():
        found.append((matcher.id(), matcher.weight()))
        matcher.next()
    return found


def test_a_rebuilt_segment_reads_exactly_like_one_whoosh_writes(tmp_path, corpus):
    from whoosh import index as whoosh_index

    from portal.searching.analysis import ANALYSIS_VERSION
    from portal.searching.documents import fields
    from portal.searching.engine import WRITER

    rebuilt = SearchIndex(tmp_path / "rebuilt")
    rebuilt.rebuild(corpus, position=7, procs=1)
    rebuilt.close()
    plain = SearchIndex(tmp_path / "plain")
    plain.create()
    with plain._open().writer(**WRITER) as writer:  # Whoosh's own writer, posting by posting
        for d in corpus:
            writer.add_document(**fields(d))
        writer.add_document(key="_meta", data=(7, ANALYSIS_VERSION))
    a, b = (
        whoosh_index.open_dir(str(ix.directory / ix._generation())).reader()
        for ix in (plain, rebuilt)
    )
    assert a.doc_count_all() == b.doc_count_all() == len(corpus) + 1
    assert a.indexed_field_names() == b.indexed_field_names()
    for name in a.indexed_field_names():
        terms = list(a.lexicon(name))
        assert terms == list(b.lexicon(name)), name
        for term in terms:
            assert weighted(a, name, term) == weighted(b, name, term), (name, term)
            x, y = a.term_info(name, term), b.term_info(name, term)
            assert (
                x.weight(),
                x.doc_frequency(),
                x.min_length(),
                x.max_length(),
                x.max_weight(),
                x.min_id(),
                x.max_id(),
            ) == (
                y.weight(),
                y.doc_frequency(),
                y.min_length(),
                y.max_length(),
                y.max_weight(),
                y.min_id(),
                y.max_id(),
            ), (name, term)
        assert a.field_length(name) == b.field_length(name)
        assert [a.doc_field_length(d, name) for d in range(len(corpus))] == [
            b.doc_field_length(d, name) for d in range(len(corpus))
        ]
    for column in ("key", "version", "day"):
        assert list(a.column_reader(column)) == list(b.column_reader(column))
    assert list(a.all_stored_fields()) == list(b.all_stored_fields())
    a.close()
    b.close()


def segment_sizes(ix):
    with ix._open().reader() as reader:
        return sorted(r.doc_count_all() for r, _ in reader.leaf_readers())


def test_apply_merges_tiny_segments_and_leaves_big_ones(index, monkeypatch):
    monkeypatch.setattr("portal.searching.segments.SEGMENT_DOCS", 600)
    index.rebuild((doc(i, f"Thủ tục số {i}") for i in range(2000)), position=1, procs=1)
    assert segment_sizes(index).count(600) == 3
    for n in range(12):
        assert index.apply([doc(f"new{n}", f"Thủ tục mới {n}")], [], 2 + n, wait=5)
    sizes = segment_sizes(index)
    assert sizes.count(600) == 3  # never merged by a web request's commit
    assert len(sizes) < 3 + 1 + 12
    assert index.search("thủ tục").total == 2012
