"""End to end in a real browser: Debian's Chromium driven by Playwright."""

import json
import logging
import os
import shutil
import subprocess
import threading
import urllib.request
from datetime import date
from pathlib import Path

import pyotp
import pytest
from werkzeug.serving import make_server

from portal import create_app, workdays
from portal.indexing import sync
from portal.models import (
    Agency,
    Announcement,
    Feedback,
    Finding,
    FollowUp,
    Hotline,
    InspectedUnit,
    Inspection,
    Level,
    Procedure,
    Topic,
    db,
    utcnow,
)
from portal.searching.engine import SearchIndex
from portal.users import accounts

CHROMIUM = "/usr/bin/chromium"
# axe-core, from npm (package.json; `make test` installs it): run by CDP, which the pages'
# Content-Security-Policy does not apply to, so the pages are checked as served.
AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
LAUNCH_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# The Nu HTML checker, from npm (package.json), run by Java (Debian's default-jre-headless).
VNU = AXE.parent.parent / "vnu-jar" / "build" / "dist" / "vnu.jar"
pytestmark = pytest.mark.browser
STAFF_PASSWORD = "mưa phùn trên sông Gành Hào"
ADMIN_TOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

# How far the page's content passes the viewport's right edge, to the sub-pixel, and the
# browser's own figure in whole pixels (scrollWidth, rounded). The walk measures every box
# and every run of text, leaving out what a container that clips or scrolls keeps inside it
# (a wide table in its scrolling wrapper does not make the page scroll).
OVERFLOW = """() => {
  const root = document.documentElement;
  const contained = (element) => {
    for (let e = element; e && e !== document.body && e !== root; e = e.parentElement) {
      if (getComputedStyle(e).overflowX !== "visible") return true;
    }
    return false;
  };
  const rectsOf = (node) => {
    if (node.nodeType !== Node.TEXT_NODE) return [node.getBoundingClientRect()];
    const range = document.createRange();
    range.selectNodeContents(node);
    return [...range.getClientRects()];
  };
  let right = -Infinity, culprit = null;
  const shown = NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT;
  const walk = document.createTreeWalker(document.body, shown);
  for (let node = walk.nextNode(); node; node = walk.nextNode()) {
    const text = node.nodeType === Node.TEXT_NODE;
    const element = text ? node.parentElement : node;
    if (contained(text ? element : element.parentElement)) continue;
    for (const rect of rectsOf(node)) {
      if (rect.width > 0 && rect.right > right) [right, culprit] = [rect.right, element];
    }
  }
  const name = culprit ? culprit.tagName.toLowerCase() + (culprit.id ? "#" + culprit.id : "")
    + (culprit.className ? "." + culprit.className.replace(/ /g, ".") : "") : "nothing";
  return {past: right - root.clientWidth, scrolls: root.scrollWidth - root.clientWidth,
          element: name};
}"""


@pytest.fixture
def server(sqlite_template, tmp_path):
    """The portal served over HTTP from a thread, on a free port."""
    path = tmp_path / "portal.db"
    shutil.copy(sqlite_template, path)
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "SEARCH_INDEX_DIR": str(tmp_path / "index"),
            "PAGE_CACHE_DIR": str(tmp_path / "page_cache"),
        }
    )
    with app.app_context():
        agency = Agency(slug="so-noi-vu", name_vi="Sở Nội vụ", level=Level.PROVINCE)
        db.session.add(
            Announcement(
                slug="ket-qua",
                title_vi="Kết quả kiểm tra",
                title_en="Inspection results",
                body_vi="### Thời gian\n\nNội dung",  # under the page's <h1>: an <h2>
                published_on=date(2017, 11, 10),
                agency=agency,
            )
        )
        db.session.add(
            Procedure(
                code="1.013231",
                name_vi="Cấp điều chỉnh giấy phép xây dựng đối với công trình cấp đặc biệt",
                name_folded="1.013231 cap dieu chinh giay phep xay dung",
                applicant_types=["Công dân Việt Nam", "Tổ chức (không bao gồm doanh nghiệp, HTX)"],
                channels=[
                    {"kind": "online", "time_text": "20 Ngày", "unit_stated": True, "fee_vnd": 0}
                ],
            )
        )
        inspection = Inspection(
            slug="kiem-tra-2017",
            year=2017,
            title_vi="Kiểm tra cải cách hành chính năm 2017",
            started_on=date(2017, 9, 11),
            ended_on=date(2017, 10, 20),
            units=[InspectedUnit(agency=agency)],
        )
        finding = Finding(
            inspection=inspection,
            ref="snv-1",
            agency=agency,
            responsible=agency,
            topic=Topic.PROCEDURES,
            text_vi="Chưa niêm yết đầy đủ thủ tục hành chính.",
            recommendation_vi="Niêm yết đầy đủ thủ tục hành chính.",
            deadline=date(2017, 12, 31),
        )
        finding.follow_ups.append(
            FollowUp(reported_on=date(2017, 12, 20), text_vi="Đã ban hành kế hoạch khắc phục.")
        )
        db.session.add_all(
            [finding, Hotline(agency=agency, phone="0290 3822 111", purpose_vi="Phản ánh")]
        )
        feedback = Feedback(
            code_hash="0" * 64,
            sender_type="citizen",
            sender_name="Trần Thị Mẫu",
            channel="portal",
            received_on=date(2026, 11, 30),
            title="Thời hạn cấp giấy phép xây dựng quá dài",
            content="Hồ sơ nộp đã 30 ngày chưa có kết quả.",
        )
        db.session.add(feedback)
        accounts.create("lan@camau.gov.vn", "editor", STAFF_PASSWORD)
        admin = accounts.create("chi@camau.gov.vn", "admin", STAFF_PASSWORD)
        admin.totp_secret, admin.totp_enabled_at = ADMIN_TOTP, utcnow()
        db.session.commit()
        sync.rebuild()  # an index of what is there; commits reach it from now on
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def page():
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is not installed (apt install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_FLAGS)
        context = browser.new_context(viewport={"width": 360, "height": 740})
        yield context.new_page()
        browser.close()


def test_home_in_both_languages_and_switch_with_the_keyboard(server, page):
    page.goto(server + "/vi/")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.get_by_role("heading", level=1).inner_text().startswith("Thông tin công khai")
    assert (
        page.locator("main").get_by_role("link", name="Kết quả kiểm tra", exact=True).is_visible()
    )

    # Tab from the top of the page until the language switch has focus, then press Enter.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Chuyển đến nội dung chính"
    for _ in range(10):
        if page.evaluate("document.activeElement.textContent") == "English":
            break
        page.keyboard.press("Tab")
    else:
        pytest.fail("the language switch cannot be reached with the Tab key")
    page.keyboard.press("Enter")
    page.wait_for_url(server + "/en/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text().startswith("Public information")
    assert (
        page.locator("main").get_by_role("link", name="Inspection results", exact=True).is_visible()
    )


def test_layout_fits_a_360px_phone(server, page):
    long_word = "x" * 150  # a paste without spaces, echoed back in each result heading
    for url in (
        "/vi/",
        "/en/hotlines",
        "/vi/announcements/ket-qua",
        f"/vi/hotlines?q={long_word}",
        f"/en/agencies?q={long_word}",
        f"/vi/procedures?q={long_word}",
        f"/vi/search?q={long_word}",
        f"/vi/inspections?q={long_word}",
        f"/vi/announcements?q={long_word}",
    ):
        page.goto(server + url)
        found = page.evaluate(OVERFLOW)
        # Text ending 0.3px past the edge (glyph widths vary with the fonts installed) is
        # rounded by the browser to a page 1px wider: a pixel or more past it is content
        # that does not fit; more than 1px of scrolling is, whatever the walk could not see.
        assert found["past"] < 1 and found["scrolls"] <= 1, (
            f"{url} scrolls sideways at 360px: {found['element']} ends {found['past']:.2f}px "
            f"past the edge, the page is {found['scrolls']}px too wide"
        )


def test_a_procedure_page_and_the_header_fit_a_320px_phone(server, page):
    page.set_viewport_size({"width": 320, "height": 740})  # WCAG 2.2 reflow: 320 CSS px
    for url in ("/vi/", "/en/", "/vi/procedures/1.013231", "/en/procedures/1.013231"):
        page.goto(server + url)
        found = page.evaluate(OVERFLOW)
        assert found["past"] < 1 and found["scrolls"] <= 1, (
            f"{url} scrolls sideways at 320px: {found['element']} ends {found['past']:.2f}px "
            f"past the edge, the page is {found['scrolls']}px too wide"
        )


def test_a_listing_box_is_reached_typed_in_and_sent_with_the_keyboard(server, page):
    page.goto(server + "/vi/announcements")
    box = page.get_by_role("searchbox", name="Tìm trong thông báo")
    box.focus()
    page.keyboard.type("Kết quả")
    page.keyboard.press("Enter")
    page.wait_for_url("**/vi/announcements?q=*")
    assert page.locator("ol.announcements li").count() == 1
    assert "Kết quả kiểm tra" in page.locator("ol.announcements").inner_text()


def test_staff_sign_in_and_out_with_the_keyboard_over_plain_http(server, page):
    # The cookie is __Host- and Secure: the browser keeps it on http://127.0.0.1 (make run).
    page.goto(server + "/vi/")
    page.get_by_role("link", name="Đăng nhập cho cán bộ").focus()
    page.keyboard.press("Enter")
    page.get_by_label("Địa chỉ thư điện tử").fill("lan@camau.gov.vn")
    page.get_by_label("Mật khẩu").fill(STAFF_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/vi/admin")  # staff land on their dashboard
    assert "Đã đăng nhập với lan@camau.gov.vn (biên tập viên)." in page.inner_text("main")
    page.get_by_role("navigation", name="Cán bộ").get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/vi/account/login")
    page.goto(server + "/vi/account/sessions")
    assert page.url.endswith("/vi/account/login?next=/vi/account/sessions")


def test_an_admin_publishes_in_both_languages_edits_and_withdraws(server, page):
    page.goto(server + "/vi/account/login")
    page.get_by_label("Địa chỉ thư điện tử").fill("chi@camau.gov.vn")
    page.get_by_label("Mật khẩu").fill(STAFF_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/vi/account/login/code*")
    page.locator("#code").fill(pyotp.TOTP(ADMIN_TOTP).now())
    page.keyboard.press("Enter")
    page.wait_for_url("**/vi/admin")
    page.get_by_role("link", name="Viết thông báo").click()
    page.get_by_label("Tiêu đề tiếng Việt").fill("Lịch tiếp công dân tháng 12")
    page.get_by_label("Nội dung tiếng Việt").fill("Chủ tịch tiếp công dân vào thứ Năm.")
    page.get_by_label("Tiêu đề tiếng Anh").fill("Citizen reception in December")
    page.get_by_label("Nội dung tiếng Anh").fill("The chairman receives citizens on Thursdays.")
    page.get_by_role("button", name="Công bố", exact=True).click()
    page.wait_for_url("**/vi/admin/announcements/*")
    assert "Đã công bố." in page.inner_text("main")
    edit_url = page.url

    public = server + "/vi/announcements/lich-tiep-cong-dan-thang-12"
    page.goto(server + "/vi/search?q=lich+tiep+cong+dan")  # typed without accents
    page.get_by_role("link", name="Lịch tiếp công dân tháng 12").first.click()
    page.wait_for_url(public)
    page.goto(public.replace("/vi/", "/en/"))
    assert "The chairman receives citizens on Thursdays." in page.inner_text("main")
    assert "may be out of date" not in page.inner_text("main")

    page.goto(edit_url)
    page.get_by_label("Nội dung tiếng Việt").fill("Chủ tịch tiếp công dân vào thứ Sáu.")
    page.get_by_role("button", name="Công bố các thay đổi").click()
    page.wait_for_url(edit_url)
    page.goto(public.replace("/vi/", "/en/"))
    assert "this translation may be out of date" in page.inner_text("main")

    page.goto(edit_url)
    page.get_by_label("Lý do thu hồi, bằng tiếng Việt (công khai)").fill("Đăng nhầm lịch.")
    page.get_by_role("button", name="Thu hồi", exact=True).click()
    page.wait_for_url(edit_url)
    answer = page.goto(public)
    assert answer.status == 410
    assert "Lý do: Đăng nhầm lịch." in page.inner_text("main")


def _sign_in(page, server, email):
    page.goto(server + "/vi/account/login")
    page.get_by_label("Địa chỉ thư điện tử").fill(email)
    page.get_by_label("Mật khẩu").fill(STAFF_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/vi/admin")


def _axe(page):
    """axe-core's violations on the page as shown: (rule, impact, first elements)."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make test`, which installs it with npm")
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    return page.evaluate(
        """async () => (await axe.run(document)).violations.map(
             v => [v.id, v.impact, v.nodes.slice(0, 3).map(n => n.target.join(" "))])"""
    )


def _checked(page):
    """axe's violations and whether the page scrolls sideways."""
    found = page.evaluate(OVERFLOW)
    return _axe(page), found["past"] < 1 and found["scrolls"] <= 1


def test_the_staff_pages_pass_axe_and_fit_a_360px_phone(server, page):
    _sign_in(page, server, "lan@camau.gov.vn")
    checked = {}
    for url in (
        "/vi/admin",
        "/en/admin",
        "/vi/admin/announcements",
        "/vi/admin/announcements/new",
        "/vi/admin/hotlines",
        "/en/admin/hotlines/1",
        "/vi/admin/agencies",
        "/en/admin/agencies/1",
        "/vi/admin/procedures",
        "/en/admin/procedures/1.013231",
        "/vi/admin/findings?state=all",
        "/vi/admin/feedback",
        "/en/admin/feedback/1",
        "/vi/admin/findings/1/follow-ups/new",
        "/en/admin/findings/follow-ups/1",
        "/vi/admin/inspections",
        "/vi/admin/inspections/new",
        "/en/admin/inspections/1",
        "/vi/admin/inspections/1/findings/new",
        "/en/admin/inspections/findings/1",
        "/vi/admin/inspections/plans",
        "/vi/admin/inspections/plans/new",
        "/vi/account/sessions",
        "/vi/account/password",
        "/vi/account/mfa",
        "/vi/admin/audit",  # an editor's 403 page
    ):
        page.goto(server + url)
        checked[url] = _checked(page)
    page.goto(server + "/vi/admin/findings/1/follow-ups/new")
    page.get_by_role("button", name="Công bố", exact=True).click()  # sent empty: errors
    page.wait_for_selector(".error-message")
    checked["the follow-up form with its errors"] = _checked(page)
    page.goto(server + "/vi/admin/inspections/new")
    page.get_by_role("button", name="Công bố", exact=True).click()  # sent empty: errors
    page.wait_for_selector(".error-message")
    checked["the inspection form with its errors"] = _checked(page)
    failed = {url: result for url, result in checked.items() if result != ([], True)}
    assert not failed, f"axe violations, or sideways scrolling at 360px: {failed}"


def test_a_citizen_sends_feedback_with_a_file_and_follows_it_by_its_code(server, page, tmp_path):
    scan = tmp_path / "giay-to.png"
    scan.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    page.goto(server + "/vi/feedback")
    assert _checked(page) == ([], True)  # the filters with their counts, the feed's link
    page.get_by_role("link", name="Gửi phản ánh, kiến nghị").first.click()
    assert _checked(page) == ([], True)
    page.get_by_label("Họ tên (hoặc tên doanh nghiệp)").fill("Nguyễn Văn Thử")
    page.get_by_label("Điện thoại (không bắt buộc)").fill("0912 345 678")
    page.get_by_label("Tóm tắt nội dung trong vài chữ").fill("Bản sao có chứng thực")
    page.get_by_label("Nội dung phản ánh, kiến nghị").fill("Bộ phận một cửa đòi bản sao.")
    file_field = page.get_by_label("Tài liệu hoặc ảnh (PDF, JPEG hoặc PNG, không bắt buộc)")
    file_field.set_input_files(str(scan))
    # Similar answers first: the form comes back as typed, but for the file.
    page.get_by_role("button", name="Tìm câu trả lời tương tự").click()
    page.wait_for_selector("#similar")
    assert "Chưa có câu trả lời đã công khai nào tương tự" in page.inner_text(".similar")
    assert page.get_by_label("Họ tên (hoặc tên doanh nghiệp)").input_value() == "Nguyễn Văn Thử"
    assert file_field.evaluate("input => input.files.length") == 0
    assert _checked(page) == ([], True)
    file_field.set_input_files(str(scan))
    page.get_by_role("button", name="Gửi", exact=True).click()
    page.wait_for_url("**/vi/feedback/sent")
    assert _checked(page) == ([], True)
    code = page.locator(".tracking-code").inner_text()
    page.goto(server + "/en/feedback/status")
    page.get_by_label("Tracking code").fill(code.lower().replace("-", " "))
    page.keyboard.press("Enter")
    page.wait_for_selector("#found")
    shown = page.inner_text("main")
    assert "Bản sao có chứng thực" in shown and "Status\nReceived" in shown
    assert "Nguyễn Văn Thử" not in shown and "0912 345 678" not in shown
    assert _checked(page) == ([], True)
    # Withdrawn by the sender, after a tick to confirm.
    page.get_by_label("I withdraw this feedback: it will not be answered.").check()
    page.get_by_role("button", name="Withdraw my feedback").click()
    page.wait_for_selector("text=Withdrawn on")
    assert "Status\nWithdrawn by the sender" in page.inner_text("main")
    assert _checked(page) == ([], True)


# Where a list's results are: the first link to one of them.
FIRST_RESULT = ".results ol a, .results .results-list a, .results tbody a"
LISTS = (
    "/vi/procedures?online=none",
    "/en/inspections",
    "/vi/inspections/findings",
    "/en/search?q=giay+phep",
)


@pytest.mark.parametrize("url", LISTS)
def test_on_a_phone_a_list_s_first_result_is_within_ten_tab_presses_of_the_skip_link(
    server, page, url
):
    page.goto(server + url)
    summary = page.locator(".facets-fold > summary")
    assert summary.is_visible() and not page.locator(".facets").is_visible()
    if "online=" in url:
        assert summary.inner_text() == "Bộ lọc (đang chọn 1)"
    page.locator(".skip-link").first.focus()
    page.keyboard.press("Enter")  # to the main content, where "skip to the results" comes first
    page.keyboard.press("Tab")
    if page.evaluate("!document.activeElement.closest('.skip-results')"):
        page.keyboard.press("Tab")  # past the breadcrumb's link
    assert page.evaluate("!!document.activeElement.closest('.skip-results')")
    page.keyboard.press("Enter")
    for _presses in range(10):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({FIRST_RESULT!r})"):
            break
    else:
        pytest.fail(f"{url}: no result within 10 Tab presses of the skip link")
    summary.click()  # the filters unfold in place
    assert page.locator(".facets").is_visible()
    page.set_viewport_size({"width": 1280, "height": 800})  # beside the results, unfolded
    page.goto(server + url)
    assert page.locator(".facets").is_visible() and not summary.is_visible()
    assert not page.locator(".skip-results").is_visible()


@pytest.mark.parametrize(
    ("url", "first"),
    [
        ("/vi/inspections/findings", "Sở Nội vụ"),
        ("/en/inspections/overdue", "Sở Nội vụ"),
        ("/vi/inspections/units/so-noi-vu", "Chưa niêm yết đầy đủ thủ tục hành chính."),
        ("/en/procedures/1.013231", "Online"),
    ],
)
def test_on_a_phone_tables_read_as_cards_with_deadline_and_status_first(server, page, url, first):
    page.set_viewport_size({"width": 320, "height": 740})
    page.goto(server + url)
    table = page.locator("table.stacked").last
    assert table.locator("xpath=..").evaluate("e => e.scrollWidth <= e.clientWidth")
    card = table.locator("tbody tr").first
    cells = card.evaluate(
        """row => [...row.children].filter(c => c.getClientRects().length).map(c => [
            c.getBoundingClientRect().top,
            // what a visitor reads: the cell's name (drawn by the style sheet), then its text
            getComputedStyle(c, "::before").content.replace(/^none$|^"|"$/g, "")
              + c.innerText.trim()])
          .sort((a, b) => a[0] - b[0]).map(([top, text]) => text)"""
    )
    assert cells[0].startswith(first), cells  # the row's heading, then…
    if "procedures" in url:
        assert cells[1].startswith("Processing time: 20 days"), cells
    elif "units" not in url or "findings" in table.get_attribute("class"):
        deadline, status = ("Thời hạn khắc phục: ", "Tình trạng: ") if "/vi/" in url else (
            "Deadline: ", "Status: ")  # fmt: skip
        assert cells[1].startswith(deadline) and cells[2].startswith(status), cells
    page.set_viewport_size({"width": 1280, "height": 800})  # a table again on a wide screen
    assert table.evaluate("t => getComputedStyle(t).display") == "table"


# A sender no record of the portal's may show: each in a form a page or a file could hold.
PRIVATE = {
    "name": "Quách Thị Xuyến",
    "phone": "0987 606 414",
    "email": "xuyen.quach@example.net",
    "address": "12 Phan Ngọc Hiển",
}


def test_staff_answer_moderate_and_publish_and_the_sender_is_nowhere_public(
    server, page, tmp_path, caplog
):
    caplog.set_level(logging.DEBUG)  # every log line of the server, its requests included
    page.goto(server + "/vi/feedback/new")
    page.get_by_label("Họ tên (hoặc tên doanh nghiệp)").fill(PRIVATE["name"])
    page.get_by_label("Điện thoại (không bắt buộc)").fill(PRIVATE["phone"])
    page.get_by_label("Thư điện tử (không bắt buộc)").fill(PRIVATE["email"])
    page.get_by_label("Địa chỉ (không bắt buộc)").fill(PRIVATE["address"])
    page.get_by_label("Tóm tắt nội dung trong vài chữ").fill("Giấy phép xây dựng trễ hẹn")
    page.get_by_label("Nội dung phản ánh, kiến nghị").fill(
        f"Tôi là {PRIVATE['name']}, số {PRIVATE['phone']}: hồ sơ nộp đã 30 ngày chưa có kết quả."
    )
    page.get_by_role("button", name="Gửi", exact=True).click()
    page.wait_for_url("**/vi/feedback/sent")

    _sign_in(page, server, "lan@camau.gov.vn")
    page.goto(server + "/vi/admin/feedback")
    page.get_by_role("link", name="Giấy phép xây dựng trễ hẹn").click()
    assert PRIVATE["phone"] in page.inner_text("main")  # staff see the sender (audited)
    page.get_by_role("button", name="Thụ lý").click()
    page.get_by_label("Cơ quan trả lời").select_option(label="Sở Nội vụ")
    page.get_by_role("button", name="Chuyển", exact=True).click()
    page.get_by_label("Nội dung trả lời, bằng tiếng Việt").fill(
        "Hồ sơ đã được giải quyết; Sở xin lỗi vì chậm trễ."
    )
    page.get_by_label("Người ký (chức vụ, không ghi tên)").fill("Phó Giám đốc Sở Nội vụ")
    page.get_by_label("Ngày ký").fill(workdays.today().isoformat())
    page.get_by_role("button", name="Lưu câu trả lời").click()
    page.wait_for_selector("text=Đã lưu câu trả lời")
    page.get_by_label("Nội dung câu hỏi công khai").fill(
        "Hồ sơ cấp giấy phép xây dựng nộp đã 30 ngày chưa có kết quả."
    )
    page.get_by_label("Số chỗ lược bỏ dữ liệu cá nhân").fill("2")
    page.get_by_role("button", name="Công bố", exact=True).click()
    page.wait_for_selector("text=Đã công khai")
    item_id = page.url.rsplit("/", 1)[1]

    public = {}
    for url in (
        f"/vi/feedback/{item_id}",
        f"/en/feedback/{item_id}",
        "/vi/feedback",
        "/vi/feedback?format=csv",
        "/en/feedback?format=json",
        "/vi/feedback?format=atom",
        "/vi/feedback/statistics?format=csv",
        "/vi/search?q=giay+phep+xay+dung+tre+hen",
        "/api/v1/search?q=giay+phep+xay+dung+tre+hen",
        "/vi/agencies/so-noi-vu",
    ):
        answer = page.request.get(server + url)
        assert answer.status == 200, url
        public[url] = answer.text()
    assert "Giấy phép xây dựng trễ hẹn" in public[f"/vi/feedback/{item_id}"]
    assert "Sở xin lỗi vì chậm trễ" in public["/vi/feedback?format=atom"]
    assert f"/vi/feedback/{item_id}" in public["/vi/search?q=giay+phep+xay+dung+tre+hen"]
    assert f"/feedback/{item_id}" in public["/api/v1/search?q=giay+phep+xay+dung+tre+hen"]
    index = SearchIndex(tmp_path / "index").contents()
    stored = [text + " " + " ".join(terms) for text, terms in index]
    assert any("Sở xin lỗi vì chậm trễ" in text for text in stored)  # the answer is in it
    folded = ("quach", "xuyen", "0987", "606", "414", "example")  # as the index folds them
    for where, text in [*public.items(), ("the search index", "\n".join(stored))]:
        for private in PRIVATE.values():
            assert private not in text, (where, private)
    for terms in (terms for _text, terms in SearchIndex(tmp_path / "index").contents()):
        assert not [t for t in terms if t.split(":", 1)[1].split()[0] in folded], terms
    for private in (*PRIVATE.values(), "Qu%C3%A1ch", "xuyen.quach"):
        assert private not in caplog.text, private


# The focused element's indicator: the colours it is drawn in (its outline, its box shadows,
# and its background when focus changes it) and the background around it; the best contrast
# of any of those colours against what surrounds it (WCAG 2.4.11 and 1.4.11: 3:1).
FOCUS_CONTRAST = """([element, unfocused]) => {
  const rgb = (text) => [...text.matchAll(/rgba?\\(([^)]*)\\)/g)].map(
    m => m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number)).filter(c => c.length < 4 || c[3] > 0);
  const luminance = ([r, g, b]) => {
    const [R, G, B] = [r, g, b].map(v => v / 255).map(
      v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * R + 0.7152 * G + 0.0722 * B;
  };
  const ratio = (a, b) => {
    const [l1, l2] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (l1 + 0.05) / (l2 + 0.05);
  };
  let around = [255, 255, 255];
  for (let e = element.parentElement; e; e = e.parentElement) {
    const found = rgb(getComputedStyle(e).backgroundColor);
    if (found.length) { around = found[0]; break; }
  }
  const style = getComputedStyle(element);
  const colours = rgb(style.boxShadow);
  if (style.backgroundColor !== unfocused) colours.push(...rgb(style.backgroundColor));
  if (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2) {
    colours.push(...rgb(style.outlineColor));
  }
  return Math.max(0, ...colours.map(c => ratio(c, around)));
}"""


# One page of each public type.
PUBLIC_PAGES = (
    "/{lang}/",
    "/{lang}/procedures",
    "/{lang}/procedures/1.013231",
    "/{lang}/inspections",
    "/{lang}/inspections/kiem-tra-2017",
    "/{lang}/inspections/findings",
    "/{lang}/inspections/overdue",
    "/{lang}/inspections/units/so-noi-vu",
    "/{lang}/search?q=giay+phep",
    "/{lang}/hotlines",
    "/{lang}/announcements",
    "/{lang}/announcements/ket-qua",
    "/{lang}/agencies",
    "/{lang}/agencies/so-noi-vu",
    "/{lang}/feedback",
    "/{lang}/feedback/new",
    "/{lang}/feedback/status",
)


@pytest.mark.parametrize("width", [320, 360, 1280])
def test_every_public_page_passes_axe_and_reflows(server, page, width):
    # WCAG 2.2 reflow: 320 CSS px wide without scrolling sideways; and a desktop's width.
    page.set_viewport_size({"width": width, "height": 800})
    failed = {}
    for lang in ("vi", "en"):
        for template in PUBLIC_PAGES:
            url = template.format(lang=lang)
            assert page.goto(server + url).status == 200, url
            violations, fits = _checked(page)
            if violations or not fits:
                found = page.evaluate(OVERFLOW)
                failed[url] = (violations, "fits" if fits else f"too wide: {found}")
    assert not failed, f"axe violations, or sideways scrolling at {width}px: {failed}"


def test_the_focus_indicator_stands_out_on_every_background(server, page):
    # Links on white, on the header's grey and on the red hotline strip; the header's box
    # and button; a select and a plain button.
    targets = {
        "/vi/": [
            "main a",
            ".hotline-strip a.hotline-number",
            ".main-nav a",
            ".language-switch a",
            ".hero .search-box input",
            ".hero .search-box button",
            ".site-footer a",
        ],
        "/vi/procedures": [
            ".site-header .search-box input",
            ".site-header .search-box button",
            "#finder-sort",
            "button.secondary",
        ],
    }
    weak = {}
    for url, selectors in targets.items():
        page.goto(server + url)
        page.keyboard.press("Tab")  # focus from the keyboard, as :focus-visible expects
        for selector in selectors:
            target = page.locator(selector).first
            unfocused = target.evaluate("e => getComputedStyle(e).backgroundColor")
            target.focus()
            assert target.evaluate("e => e.matches(':focus-visible')"), selector
            contrast = target.evaluate(f"e => ({FOCUS_CONTRAST})([e, {unfocused!r}])")
            if contrast < 3:
                weak[f"{url} {selector}"] = round(contrast, 2)
    assert not weak, f"focus indicators under 3:1 against their background: {weak}"


def test_every_public_page_is_valid_html(server, tmp_path):
    java = shutil.which("java")
    if not java or not VNU.exists():
        message = (
            f"the Nu HTML checker needs java (apt install default-jre-headless) and {VNU} (npm ci)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    pages, folder = {}, tmp_path / "pages"
    folder.mkdir()
    for lang in ("vi", "en"):
        for template in PUBLIC_PAGES:
            url = template.format(lang=lang)
            path = folder / f"page-{len(pages)}.html"
            with urllib.request.urlopen(server + url) as answer:  # noqa: S310 (our own server)
                path.write_bytes(answer.read())
            pages[path.name] = url
    # One run for every page: the checker's start is most of its time.
    checked = subprocess.run(
        [
            java,
            "-jar",
            str(VNU),
            "--errors-only",
            "--format",
            "json",
            *map(str, folder.iterdir()),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    messages = json.loads(checked.stderr or checked.stdout)["messages"]
    errors = []
    for message in messages:
        url = pages.get(message.get("url", "").rsplit("/", 1)[-1], message.get("url"))
        errors.append(f"{url}:{message.get('lastLine')}: {message['message']}")
    assert not errors, "the Nu HTML checker's errors:\n" + "\n".join(errors)
