"""Site search: the page, the API, and an index that never drifts from the database."""

import json
import os
import signal
import subprocess
import sys
import textwrap
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.indexing import sync
from portal.models import Announcement, AnnouncementStatus, Procedure, SearchChange, db, utcnow

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def content(index, make_agency, make_announcement, make_hotline):
    agency = make_agency(
        slug="so-tu-phap",
        name_vi="Sở Tư pháp tỉnh Cà Mau",
        name_en="Department of Justice of Cà Mau Province",
    )
    make_announcement(
        slug="khai-sinh",
        title_vi="Hướng dẫn đăng ký khai sinh trực tuyến",
        title_en="How to register a birth online",
        body_vi="Cha mẹ đăng ký khai sinh cho con tại UBND xã.",
        body_en="Parents register a birth at the commune People's Committee.",
        published_on=date(2025, 9, 15),
        agency=agency,
    )
    make_announcement(
        slug="cong-van",
        title_vi="Công văn số 8952/UBND-NC về cải cách hành chính",
        body_vi="Nâng cao hiệu quả công tác cải cách hành chính năm 2017.",
        published_on=date(2017, 11, 10),
    )
    make_hotline(agency=agency, phone="0768.221.221", purpose_vi="Đường dây nóng hộ tịch")
    return agency


def test_search_page_finds_text_typed_without_accents(client, content):
    body = client.get("/api/v1/search?q=dang+ky+khai+sinh").get_json()
    first, *others = body["results"]
    assert first["url"].endswith("/vi/announcements/khai-sinh") and first["missing_terms"] == []
    assert all(other["missing_terms"] for other in others)  # partial matches come after
    html = client.get("/vi/search?q=dang+ky+khai+sinh").get_data(as_text=True)
    results = html.split('class="results-list"')[1]
    assert results.index('href="/vi/announcements/khai-sinh"') < results.index("</li>")
    assert "<mark>" in results.split("</li>")[0]


def test_document_numbers_and_phones_are_found_as_people_type_them(client, content):
    for query in ("8952/UBND-NC", "8952 / ubnd-nc", "0768221221"):
        response = client.get("/api/v1/search", query_string={"q": query})
        assert response.status_code == 200, query
        results = response.get_json()["results"]
        assert results and not results[0]["missing_terms"], query


def test_tabs_and_facets_count_results(client, content):
    html = client.get("/en/search?q=so+tu+phap").get_data(as_text=True)
    tabs = html.split('class="tabs"')[1].split("</nav>")[0]
    assert "Agencies <span" in tabs and "Hotlines <span" in tabs
    only = client.get("/api/v1/search?q=so+tu+phap&type=hotline").get_json()
    assert [r["type"] for r in only["results"]] == ["hotline"]
    assert only["facets"]["type"]["agency"] == 1  # the tabs' counts ignore the type filter


@pytest.mark.parametrize("query", ["the birth", "a birth", "register the birth"])
def test_english_searches_starting_or_gapped_by_a_stop_word_find_the_birth(client, content, query):
    body = client.get("/api/v1/search", query_string={"q": query, "lang": "en"}).get_json()
    assert body["results"][0]["url"].endswith("/en/announcements/khai-sinh")
    html = client.get("/en/search", query_string={"q": query}).text
    assert 'href="/en/announcements/khai-sinh"' in html
    html = client.get("/en/announcements", query_string={"q": query}).text
    assert 'href="/en/announcements/khai-sinh"' in html


def test_english_search_says_when_a_result_is_untranslated(client, content):
    body = client.get("/api/v1/search?q=8952/UBND-NC&lang=en").get_json()
    assert body["results"][0]["untranslated"] is True
    html = client.get("/en/search?q=8952/UBND-NC").get_data(as_text=True)
    assert "Not yet translated: shown in Vietnamese." in html


def test_partial_matches_name_what_they_miss(client, content):
    body = client.get("/api/v1/search?q=khai+sinh+tàu+biển").get_json()
    first = body["results"][0]
    assert first["id"] and sorted(first["missing_terms"]) == ["biển", "tàu"]
    html = client.get("/vi/search?q=khai+sinh+tàu+biển").get_data(as_text=True)
    assert "Còn thiếu:" in html and "<s>tàu</s>" in html


def test_empty_state_offers_the_hotline_and_browsing(client, content):
    html = client.get("/en/search?q=zzzyyyxxx").get_data(as_text=True)
    assert "Nothing matched." in html and 'href="/en/hotlines"' in html


@pytest.mark.parametrize(
    "url, status",
    [
        ("/vi/search?q=" + "a" * 201, 400),
        ("/vi/search?q=x&type=galaxy", 400),
        ("/vi/search?q=x&sort=random", 400),
        ("/api/v1/search?q=x&per_page=1000", 400),
        ("/api/v1/search?q=x&lang=fr", 400),
        ("/api/v1/search?q=khai&page=99", 404),
        ("/vi/search?q=%22%22%22+OR+*+(", 200),
    ],
)
def test_bad_input_is_a_clear_4xx_never_a_500(client, content, url, status):
    response = client.get(url)
    assert response.status_code == status
    if url.startswith("/api/") and status != 200:
        assert response.get_json()["message"]


def test_api_follows_the_openapi_description(client, content):
    spec = client.get("/api/v1/openapi.json").get_json()
    required = spec["components"]["schemas"]["SearchResults"]["required"]
    body = client.get("/api/v1/search?q=khai+sinh&lang=en").get_json()
    assert set(required) <= set(body)
    result_required = spec["components"]["schemas"]["Result"]["required"]
    assert set(result_required) <= set(body["results"][0])
    assert body["results"][0]["url"] == "http://localhost/en/announcements/khai-sinh"
    assert body["facets"]["type"]["announcement"] >= 1


def test_a_committed_edit_is_searchable_at_once(client, content):
    announcement = db.session.scalar(sa.select(Announcement).filter_by(slug="cong-van"))
    announcement.title_vi = "Công văn về tinh giản biên chế"
    db.session.commit()
    found = client.get("/api/v1/search?q=tinh+gian+bien+che").get_json()["results"]
    assert found[0]["id"] == str(announcement.id) and found[0]["missing_terms"] == []
    announcement.status = AnnouncementStatus.DRAFT
    db.session.commit()
    found = client.get("/api/v1/search?q=tinh+gian+bien+che").get_json()["results"]
    assert str(announcement.id) not in [r["id"] for r in found]


def test_an_agency_is_found_by_its_hotlines_and_its_parent_and_kept_in_step(
    client, runner, index, make_agency, make_hotline
):
    province = make_agency(slug="ubnd-tinh", name_vi="Ủy ban nhân dân tỉnh Cà Mau")
    office = make_agency(slug="van-phong", name_vi="Văn phòng tiếp công dân", parent=province)
    hotline = make_hotline(agency=office, phone="0290.3822.555")

    def found(query):
        return index.ranked(query, types=["agency"])

    assert found("3822 555") == found("0290.3822.555") == [f"agency:{office.id}"]
    assert f"agency:{office.id}" in found("van phong ubnd tinh ca mau")
    hotline.phone = "0290.3999.111"  # a change to a hotline re-indexes its agency
    db.session.commit()
    assert found("0290.3999.111") == [f"agency:{office.id}"] and found("0290.3822.555") == []
    province.name_vi = "Ủy ban nhân dân tỉnh Bạc Liêu"  # and a parent's new name, its children
    db.session.commit()
    assert f"agency:{office.id}" in found("van phong bac lieu")
    assert runner.invoke(args=["search", "check"]).exit_code == 0


def test_a_rollback_leaves_log_and_index_untouched(client, content, index):
    position, changes = (
        index.position(),
        db.session.scalar(sa.select(sa.func.count(SearchChange.id))),
    )
    announcement = db.session.scalar(sa.select(Announcement).filter_by(slug="cong-van"))
    announcement.title_vi = "Tiêu đề chưa lưu"
    db.session.flush()
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(SearchChange.id))) == changes
    assert index.position() == position
    assert client.get("/api/v1/search?q=tieu+de+chua+luu").get_json()["total"] == 0


def test_an_edit_behind_the_index_back_is_repaired_by_rebuild(runner, content):
    # A Core UPDATE bypasses the session, so nothing reaches the change log.
    db.session.execute(
        sa.update(Announcement.__table__)
        .where(Announcement.__table__.c.slug == "cong-van")
        .values(title_vi="Sửa trực tiếp trong cơ sở dữ liệu", updated_at=utcnow())
    )
    db.session.commit()
    check = runner.invoke(args=["search", "check"])
    assert check.exit_code == 1 and check.output.startswith("0 missing, 0 orphaned, 1 stale")
    assert runner.invoke(args=["search", "rebuild"]).exit_code == 0
    again = runner.invoke(args=["search", "check"])
    assert again.exit_code == 0 and again.output.startswith("0 missing, 0 orphaned, 0 stale")
    assert sync.get_index().search("sua truc tiep").hits[0].title == (
        "Sửa trực tiếp trong cơ sở dữ liệu"
    )


def _environment(app):
    return {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"],
        "SECRET_KEY": "test",
        "TRUSTED_HOSTS": "localhost",
        "PYTHONPATH": str(ROOT),
    }


WRITER = textwrap.dedent("""
    import sys
    from datetime import date, timedelta
    from portal import create_app
    from portal.models import Announcement, db
    app = create_app()
    with app.app_context():
        for n in range(int(sys.argv[2])):
            db.session.add(Announcement(slug=f"p{sys.argv[1]}-{n}",
                                        title_vi=f"Tin song song {sys.argv[1]}-{n}",
                                        body_vi="Nội dung", published_on=date(2026, 1, 1)))
            db.session.commit()
""")


def test_a_change_committed_after_a_later_one_is_not_skipped(app, index):
    # On PostgreSQL a long transaction (an import) could take change ids before a short one
    # that committed first; the index applied the short one's and skipped the long one's.
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: ids always come in commit order")
    long_import = Session(db.engine)
    long_import.add(Announcement(slug="dai", title_vi="Nhập khẩu dài", body_vi="x",
                                 published_on=date(2026, 1, 2)))  # fmt: skip
    long_import.flush()
    db.session.add(Announcement(slug="ngan", title_vi="Tin ngắn", body_vi="x",
                                published_on=date(2026, 1, 3)))  # fmt: skip
    db.session.commit()  # applied at once, past the long import's first flush
    long_import.commit()
    long_import.close()
    sync.sync(wait=30)
    assert sync.check() == {"missing": [], "orphaned": [], "stale": []}
    assert [hit.id for hit in index.search("nhap khau dai").hits] == [
        str(db.session.scalar(sa.select(Announcement.id).filter_by(slug="dai")))
    ]


def _damage(index, suffix, keep):
    files = list(index.directory.glob(f"gen-*/*.{suffix}"))
    assert files
    for path in files:
        with open(path, "r+b") as handle:
            handle.truncate(int(path.stat().st_size * keep))


# Whoosh cannot close a reader over a damaged file cleanly; its files are left to the GC.
DAMAGED_READER = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


@DAMAGED_READER
@pytest.mark.parametrize("suffix, keep", [("trm", 0.0), ("pst", 0.5)])
def test_a_damaged_index_is_reported_pages_keep_answering_and_sync_rebuilds(
    app, client, runner, content, suffix, keep
):
    app.config["SEARCH_ERRORS"] = "fallback"  # as in production
    index = sync.get_index()
    _damage(index, suffix, keep)
    # Pages answer from the database while the index cannot; the API says it is unavailable.
    html = client.get("/vi/announcements?q=khai+sinh").text
    assert 'href="/vi/announcements/khai-sinh"' in html
    response = client.get("/vi/hotlines?q=ho+tich")
    assert response.status_code == 200
    assert client.get("/api/v1/search?q=khai+sinh").status_code == 503
    assert "Search is being prepared" in client.get("/en/search?q=khai+sinh").text
    health = client.get("/healthz")
    assert health.status_code == 200 and health.get_json()["search"] == "corrupt"
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1 and "search index corrupt" in result.output
    result = runner.invoke(args=["search", "sync"])
    assert result.exit_code == 0 and "search index was corrupt" in result.output
    assert runner.invoke(args=["search", "check"]).output == "0 missing, 0 orphaned, 0 stale\n"
    assert client.get("/healthz").get_json()["search"] == "ok"
    body = client.get("/api/v1/search?q=khai+sinh").get_json()
    assert body["results"][0]["url"].endswith("/vi/announcements/khai-sinh")


@DAMAGED_READER
def test_check_finds_damage_no_page_has_read_yet(app, runner, content):
    app.config["SEARCH_ERRORS"] = "fallback"
    _damage(sync.get_index(), "pst", 0.5)
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1 and "search index corrupt" in result.output
    assert "rebuilt" in runner.invoke(args=["search", "sync"]).output


def test_several_processes_writing_at_once_lose_nothing(app, runner, index):
    workers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(n), "15"], env=_environment(app))
        for n in range(4)
    ]
    assert [worker.wait(timeout=120) for worker in workers] == [0, 0, 0, 0]
    assert runner.invoke(args=["search", "sync"]).exit_code == 0
    assert index.search('"tin song song"', per_page=1).total == 60
    assert runner.invoke(args=["search", "check"]).exit_code == 0


HOLD_LOCK = textwrap.dedent("""
    import sys, time
    from whoosh import index as whoosh_index
    directory = sys.argv[1]
    name = open(directory + "/CURRENT").read().strip()
    writer = whoosh_index.open_dir(directory + "/" + name).writer()
    print("locked", flush=True)
    time.sleep(60)
""")


def test_a_busy_index_never_fails_a_commit(app, runner, index, make_announcement):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, app.config["SEARCH_INDEX_DIR"]],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        make_announcement(title_vi="Viết khi chỉ mục đang bận")  # commits without waiting
        assert index.search('"chi muc dang ban"').total == 0
    finally:
        holder.send_signal(signal.SIGKILL)  # a writer killed mid-write
        holder.wait()
        holder.stdout.close()
    assert runner.invoke(args=["search", "sync"]).exit_code == 0
    assert index.search('"chi muc dang ban"').total == 1
    assert runner.invoke(args=["search", "check"]).exit_code == 0


def test_a_pruned_change_log_makes_a_lagging_index_rebuild(runner, index, content):
    # A change this index has not applied (written behind the session), then the log is pruned.
    announcement = db.session.scalar(sa.select(Announcement).filter_by(slug="cong-van"))
    db.session.execute(
        sa.update(Announcement.__table__)
        .where(Announcement.__table__.c.id == announcement.id)
        .values(title_vi="Tin đã cắt log")
    )
    db.session.execute(
        sa.insert(SearchChange.__table__).values(
            key=f"announcement:{announcement.id}", created_at=utcnow()
        )
    )
    db.session.execute(
        sa.update(SearchChange.__table__).values(created_at=utcnow() - timedelta(days=40))
    )
    db.session.commit()
    assert runner.invoke(args=["search", "prune", "--keep-days", "30"]).exit_code == 0
    assert db.session.scalars(sa.select(SearchChange.key)).all()[-1].startswith("_pruned:")
    result = runner.invoke(args=["search", "sync"])
    assert result.exit_code == 0, result.output
    assert index.search('"tin da cat log"').total == 1
    assert runner.invoke(args=["search", "check"]).exit_code == 0


def test_an_outdated_index_takes_changes_until_sync_rebuilds_it(
    client, runner, content, make_announcement, monkeypatch
):
    monkeypatch.setattr("portal.searching.engine.ANALYSIS_VERSION", 99)  # new code deployed
    assert client.get("/healthz").get_json()["search"] == "behind"
    make_announcement(slug="moi", title_vi="Lịch tiếp công dân tháng 12")
    assert len(sync.get_index().ranked("tiep cong dan")) == 1  # a request never rebuilds
    result = runner.invoke(args=["search", "sync"])
    assert result.exit_code == 0
    assert result.output.startswith("search index built by an older analysis, rebuilt: ")
    assert client.get("/healthz").get_json()["search"] == "ok"
    assert len(sync.get_index().ranked("tiep cong dan")) == 1


def test_openapi_document_is_valid_json_on_disk():
    spec = json.loads((ROOT / "portal" / "openapi.json").read_text(encoding="utf-8"))
    assert "/search" in spec["paths"]


def test_procedure_finder_box_uses_the_engine(client, runner, index):
    records = ROOT / "tests" / "data" / "tthc-records-sample.jsonl"
    assert runner.invoke(args=["import", "procedures", str(records)]).exit_code == 0
    # "tach ho" (split a household): accentless, found through the engine, ranked first.
    html = client.get("/en/procedures?q=tach+ho").get_data(as_text=True)
    results = html.split('class="procedures"')[1]
    assert results.index("/en/procedures/1.010038") < results.index("</li>")
    assert '<option value="relevance" selected>Relevance</option>' in html
    exported = client.get("/en/procedures?q=tach+ho&format=json").get_json()
    assert exported[0]["code"] == "1.010038"
    # A document number of the legal basis, typed without "Đ", finds its procedures.
    legal = client.get("/en/procedures?q=82/2015/ND-CP&format=json").get_json()
    assert [row["code"] for row in legal] == ["1.000771"]


def test_a_procedure_with_empty_parts_is_indexed_and_rebuilt(client, runner, index):
    records = ROOT / "tests" / "data" / "tthc-records-sample.jsonl"
    assert runner.invoke(args=["import", "procedures", str(records)]).exit_code == 0
    procedure = db.session.scalar(sa.select(Procedure).filter_by(code="1.010038"))
    # As national records have them: a case with no document name, a basis with no number.
    procedure.documents = [
        {
            "group": "Trường hợp kiều bào ở Na Uy nộp thay",
            "name": None,
            "forms": [],
            "originals": 1,
            "copies": None,
        }
    ]
    procedure.legal_bases = [{"title": "Luật Thử nghiệm Zeta", "number": None}]
    procedure.result = {"name": None}
    db.session.commit()
    assert index.ranked("kieu bao na uy") == [f"procedure:{procedure.id}"]
    assert runner.invoke(args=["search", "rebuild"]).exit_code == 0
    assert runner.invoke(args=["search", "check"]).exit_code == 0
    assert index.ranked("kieu bao na uy thu nghiem zeta") == [f"procedure:{procedure.id}"]


def test_health_check_reports_the_index_without_failing(client, content):
    assert client.get("/healthz").get_json()["search"] == "ok"
    db.session.execute(
        sa.insert(SearchChange.__table__).values(key="agency:1", created_at=utcnow())
    )
    db.session.commit()
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json()["search"] == "behind"


def test_announcement_list_box_uses_the_engine(client, content, make_announcement):
    html = client.get("/vi/announcements?q=dang+ky+khai+sinh").get_data(as_text=True)
    assert "1 thông báo" in html and 'href="/vi/announcements/khai-sinh"' in html
    assert 'value="dang ky khai sinh"' in html
    assert client.get("/vi/announcements?q=" + "x" * 201).status_code == 400


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # a truncated file: unpickling fails
        lambda data: b"\x00not an index" * 8,  # another file in its place
        # A class the schema names, moved or renamed in the code since the index was built
        lambda data: data.replace(b"WeightedTextField", b"WeightedTextFieldGone"),
    ],
    ids=["truncated", "garbage", "moved-class"],
)
def test_an_index_that_cannot_be_opened_is_fallen_back_on_and_rebuilt_by_sync(
    app, client, runner, make_procedure, index, damage
):
    app.config["SEARCH_ERRORS"] = "log"  # as in production: a page must not fail with it
    make_procedure(name_vi="Đăng ký khai sinh")
    directory = Path(app.config["SEARCH_INDEX_DIR"])
    toc = sorted(directory.rglob("_MAIN_*.toc"))[-1]  # Whoosh's table of contents
    toc.write_bytes(damage(toc.read_bytes()))
    sync.get_index().close()
    app.extensions["page_cache"].clear()
    health = client.get("/healthz")
    assert (health.status_code, health.json["search"]) == (200, "corrupt")
    for url in ("/vi/procedures?q=khai+sinh", "/vi/search?q=khai+sinh", "/vi/hotlines?q=x"):
        page = client.get(url)
        assert page.status_code == 200, url
    assert "Đăng ký khai sinh" in client.get("/vi/procedures?q=khai+sinh").text  # plain match
    result = runner.invoke(args=["search", "sync"])
    assert result.exit_code == 0 and "search index was corrupt" in result.output, result.output
    assert "rebuilt: 1 documents" in result.output
    assert client.get("/healthz").json["search"] == "ok"
    assert "Đăng ký khai sinh" in client.get("/vi/search?q=dang+ky+khai+sinh").text
