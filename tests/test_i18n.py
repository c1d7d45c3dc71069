"""Locale formatting, content fallback and the completeness of the catalogs."""

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from babel import numbers as babel_numbers
from babel.messages.pofile import read_po
from flask import g, url_for

from portal.i18n import (
    format_date,
    format_filesize,
    format_number,
    format_percent,
    machine_time,
    query_url,
    set_language,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "lang, number, percent, day, sizes",
    [
        ("vi", "1.806", "99,65%", "23/11/2017", ["999 B", "181 kB", "1,2 MB", "10 MB"]),
        ("en", "1,806", "99.65%", "23 Nov 2017", ["999 B", "181 kB", "1.2 MB", "10 MB"]),
    ],
)
def test_numbers_percentages_and_dates_follow_the_locale(app, lang, number, percent, day, sizes):
    with app.test_request_context(f"/{lang}/"):
        g.lang = lang
        assert format_number(1806) == number
        assert format_percent(0.9965) == percent
        assert format_date(date(2017, 11, 23)) == day
        assert [format_filesize(n) for n in (999, 180_600, 1_234_567, 10_000_000)] == sizes


@pytest.mark.parametrize(
    "lang, expected",
    [("vi", ["0", "-7", "999", "1.000", "-1.806", "1.234.567"]),
     ("en", ["0", "-7", "999", "1,000", "-1,806", "1,234,567"])],
)  # fmt: skip
def test_whole_numbers_are_written_as_babel_writes_them(app, lang, expected):
    # Whole numbers skip Babel (a page has hundreds); what they read must not change.
    values = [0, -7, 999, 1000, -1806, 1234567]
    with app.test_request_context(f"/{lang}/"):
        g.lang = lang
        assert [format_number(n) for n in values] == expected
        for n in [*values, 10**15 + 1, -(10**21), 2.5, 12345.678]:
            assert format_number(n) == babel_numbers.format_decimal(n, locale=lang)


def test_a_query_string_is_encoded_as_url_for_encodes_it(app):
    args = {"q": "khai sinh đ&=?/#", "decision": "61/2018/NĐ-CP", "agency": "a+b", "page": 2}
    with app.test_request_context("/vi/"):
        g.lang = "vi"
        base = url_for("procedures.index")
        assert query_url(base, args) == url_for("procedures.index", **args)
        assert query_url(base, {}) == base


@pytest.mark.parametrize(
    "value, expected",
    [
        (date(2017, 11, 10), "2017-11-10"),
        (datetime(2026, 12, 4, 2, 11, 55, 123456, tzinfo=UTC), "2026-12-04T02:11:55Z"),
        (
            datetime(2026, 12, 4, 9, 0, 1, 5, tzinfo=timezone(timedelta(hours=7))),
            "2026-12-04T02:00:01Z",
        ),
        (None, ""),
    ],
)
def test_a_time_elements_value_is_one_html_accepts(value, expected):
    # HTML's <time datetime>: a date, or a moment to the second with its zone (no microseconds).
    assert machine_time(value) == expected


def test_untranslated_content_falls_back_to_vietnamese_and_says_so(client, make_announcement):
    make_announcement(
        slug="chua-dich", title_vi="Kết quả kiểm tra năm 2017", body_vi="Đã kiểm tra **14** đơn vị."
    )
    html = client.get("/en/announcements/chua-dich").get_data(as_text=True)
    assert '<span lang="vi">Kết quả kiểm tra năm 2017</span>' in html
    assert '<div lang="vi"><p>Đã kiểm tra <strong>14</strong> đơn vị.</p>\n</div>' in html
    assert "Not yet translated" in html


def test_translated_content_has_no_fallback_note(client, make_announcement):
    make_announcement(
        slug="da-dich",
        title_vi="Kết quả",
        title_en="Results",
        body_vi="Nội dung",
        body_en="Content",
    )
    html = client.get("/en/announcements/da-dich").get_data(as_text=True)
    assert "<h1>Results</h1>" in html and "Not yet translated" not in html
    vi = client.get("/vi/announcements/da-dich").get_data(as_text=True)
    assert "<h1>Kết quả</h1>" in vi and "Chưa được dịch" not in vi


def _catalog(lang):
    with open(ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_catalog_translates_every_message(lang):
    missing = [
        m.id
        for m in _catalog(lang)
        if m.id and (not m.string or m.fuzzy or (isinstance(m.string, tuple) and not all(m.string)))
    ]
    assert missing == []


def test_catalogs_hold_every_message_the_code_uses(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with open(pot, "rb") as handle:
        used = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    for lang in ("vi", "en"):
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(lang) if m.id}
        assert sorted(used - known) == [], f"run `flask translate update` ({lang})"


def test_wtforms_own_messages_come_translated_with_their_values_filled_in(app):
    # A list of choices with a wrong one: WTForms asks for a plural message and fills in
    # the values itself (a 500 if the translation step filled them in first).
    from flask_wtf import FlaskForm
    from wtforms import SelectMultipleField
    from wtforms.fields.choices import SelectChoice

    class Form(FlaskForm):
        class Meta:
            csrf = False

        picked = SelectMultipleField(choices=[SelectChoice("a", "A"), SelectChoice("b", "B")])

    for lang, message in (
        ("vi", "'x' không có trong danh sách lựa chọn."),
        ("en", "'x' is not a valid choice for this field."),
    ):
        with app.test_request_context(f"/{lang}/", method="POST", data={"picked": ["a", "x"]}):
            set_language(lang)
            form = Form()
            assert not form.validate()
            assert form.picked.errors == [message]
