"""Vietnamese/English analysis, query parsing and snippets of the search engine."""

import unicodedata

import pytest

from portal.searching.analysis import (
    EnglishTextField,
    WeightedTextField,
    canonical,
    codes,
    english_terms,
    exact_words,
    fold,
    normalize,
    tokens,
    vietnamese_terms,
)
from portal.searching.query import parse
from portal.searching.snippets import snippet


def nfd(text):
    return unicodedata.normalize("NFD", text)


def test_normalize_composes_decomposed_text():
    assert normalize(nfd("đường dây nóng")) == "đường dây nóng"
    assert len(normalize(nfd("đường"))) == 5


@pytest.mark.parametrize(
    ("variant", "same"),
    [
        ("hoà", "hòa"),
        ("thuỷ", "thủy"),
        ("khoẻ", "khỏe"),
        ("uỷ", "ủy"),
        ("Hoà", "hòa"),
        (nfd("thuỷ"), "thủy"),
        ("hòa", "hòa"),
        ("toà", "tòa"),
    ],
)
def test_canonical_puts_both_tone_placements_in_one_place(variant, same):
    assert canonical(variant) == same


@pytest.mark.parametrize(
    "word",
    [
        "hoàn",
        "người",
        "quý",
        "giá",
        "gì",
        "hoài",
        "khuyến",
        "của",
        "mía",
        "đường",
        "quyết",
        "café",
        "ABC",
    ],
)
def test_canonical_leaves_already_canonical_and_foreign_words(word):
    assert canonical(word) == normalize(word).lower()


def test_fold_removes_marks_and_maps_d_one_character_for_one():
    assert fold("Đăng ký KHAI SINH") == "dang ky khai sinh"
    assert fold("ĐƯỜNG DÂY NÓNG ð") == "duong day nong d"
    text = "Sở Tư pháp – hộ tịch"
    assert len(fold(text)) == len(text)


def test_tokens_keep_decomposed_words_whole():
    assert tokens(fold(nfd("đường dây nóng"))) == ["duong", "day", "nong"]
    assert tokens(fold("a\u0301x")) == ["ax"]  # a lone mark NFC cannot compose


def test_vietnamese_terms_are_syllables_and_bigrams_within_phrases():
    terms = vietnamese_terms(fold("Đăng ký khai sinh, đăng ký kết hôn"))
    assert {"dang", "ky", "khai", "sinh", "ket", "hon"} <= set(terms)
    assert {"dang ky", "ky khai", "khai sinh", "ky ket", "ket hon"} <= set(terms)
    assert "sinh dang" not in terms  # never across a comma
    assert terms.count("dang ky") == 2


def test_vietnamese_syllables_are_never_stemmed_or_dropped():
    terms = vietnamese_terms(fold("ngày y tế an toàn máy in, thẻ có thể"))
    assert {"ngay", "y", "te", "an", "toan", "may", "in", "the", "co"} <= set(terms)


@pytest.mark.parametrize(
    ("text", "compact"),
    [
        ("Quyết định 5568/QĐ-BCA", "5568qdbca"),
        ("Công văn số 8952 / UBND-NC ngày", "8952ubndnc"),
        ("gọi 0768.221.221.", "0768221221"),
        ("mã thủ tục 1.001193", "1001193"),
        ("Nghị định 61/2018/NĐ-CP", "612018ndcp"),
        ("kết quả KQ.G15.000031", "kqg15000031"),
    ],
)
def test_codes_are_indexed_without_their_joiners(text, compact):
    assert compact in codes(fold(text))
    assert compact in vietnamese_terms(fold(text))


def test_no_code_without_a_digit():
    assert codes(fold("Hộ chiếu/Thẻ căn cước, NĐ-CP")) == []


def test_exact_words_are_canonical_accented_words_only():
    assert exact_words("Hoà giải ở cơ sở, Thuỷ lợi") == [
        "hòa",
        "giải",
        "ở",
        "cơ",
        "sở",
        "thủy",
        "lợi",
    ]
    assert exact_words("khai sinh") == []


def test_english_terms_are_stems_without_stop_words():
    terms = english_terms("Registering the birth of a child")
    assert {"regist", "birth", "child", "regist birth", "birth child"} <= set(terms)
    assert "the" not in terms and "of" not in terms


def test_weighted_field_counts_title_words_several_times():
    field = WeightedTextField()
    postings = {
        t.decode(): (n, w)
        for t, n, w, _ in field.index([("Khai sinh", 3), ("khai sinh cho trẻ", 1)])
    }
    assert postings["khai"] == (2, 4.0)
    assert postings["tre"] == (1, 1.0)
    assert postings["khai sinh"] == (2, 4.0)


def test_title_field_adds_exact_words_and_english_field_stems():
    title = {t.decode() for t, *_ in WeightedTextField(exact=True).index([("Hoà giải", 1)])}
    assert {"hoa", "giai", "hoa giai", "hòa", "giải"} <= title
    english = {t.decode() for t, *_ in EnglishTextField().index([("Registrations", 1)])}
    assert english == {"registr"}


def test_parse_splits_words_phrases_and_codes_in_order():
    clauses = parse('thủ tục "khai sinh" 8952 / UBND-NC đường')
    assert [(c.kind, c.text) for c in clauses] == [
        ("word", "thủ"),
        ("word", "tục"),
        ("phrase", "khai sinh"),
        ("code", "8952 / UBND-NC"),
        ("word", "đường"),
    ]
    assert clauses[1].joined and not clauses[0].joined and not clauses[4].joined
    assert clauses[3].code == "8952ubndnc"
    assert clauses[4].exact == "đường" and clauses[0].exact == "thủ"
    assert parse("duong")[0].exact is None


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '"khai sinh',
        "*",
        "OR",
        "AND NOT",
        "-",
        "🙂🙂",
        "",
        "x" * 1000,
        "a " * 600,
        "((",
        "title:abc",
        "\x00",
        "~2^3",
    ],
)
def test_parse_never_fails_and_stays_small(query):
    clauses = parse(query)
    assert len(clauses) <= 10
    assert all(c.words for c in clauses)


def test_parse_english_drops_stop_words_unless_nothing_is_left():
    assert [c.text for c in parse("registration of births", "en")] == ["registration", "births"]
    assert [c.text for c in parse("the", "en")] == ["the"]


def test_an_english_word_after_a_dropped_stop_word_is_joined_to_nothing():
    # It was left joined to the stop word, and ranking then asked for a bigram with nothing.
    assert [(c.text, c.joined) for c in parse("the birth", "en")] == [("birth", False)]
    clauses = parse("birth of a child today", "en")
    assert [(c.text, c.joined) for c in clauses] == [
        ("birth", False),
        ("child", False),
        ("today", True),
    ]


def test_snippet_marks_accented_words_for_an_accentless_query_and_escapes_html():
    html = snippet("<b>Đăng ký</b> khai sinh tại UBND & nộp hồ sơ", parse("dang ky khai sinh"))
    assert "<b>" not in html and "&lt;b&gt;" in html and "&amp;" in html
    assert "<mark>Đăng</mark> <mark>ký</mark>" in html and "<mark>khai</mark>" in html


def test_snippet_marks_phrases_and_codes_as_written():
    text = "Thực hiện Kế hoạch số 4261/KH-UBND. Gọi 0768.221.221 để được hướng dẫn."
    assert "<mark>4261/KH-UBND</mark>" in snippet(text, parse("4261 / kh-ubnd"))
    assert "<mark>0768.221.221</mark>" in snippet(text, parse("0768221221"))
    assert "<mark>Kế hoạch</mark>" in snippet(text, parse('"ke hoach"'))


def test_snippet_shows_the_part_of_a_long_text_where_the_words_are():
    text = (
        "Mở đầu. "
        + "nội dung không liên quan " * 100
        + "đăng ký khai sinh ở đây."
        + " phần cuối" * 100
    )
    html = snippet(text, parse("khai sinh"))
    assert html.startswith("…") and html.endswith("…")
    assert "<mark>khai</mark> <mark>sinh</mark>" in html
    assert len(html) < 400


def test_english_snippets_mark_words_of_the_same_stem():
    html = snippet(
        "Parents submit the registration of a birth.",
        parse("registering births", "en"),
        english=True,
    )
    assert "<mark>registration</mark>" in html and "<mark>birth</mark>" in html


def terms_of(text):
    return set(vietnamese_terms(fold(text)))


def test_abbreviations_are_indexed_under_both_forms_with_their_neighbours():
    short, full = terms_of("UBND xã Tân Thành"), terms_of("Ủy ban nhân dân xã Tân Thành")
    assert {"ubnd", "ubnd xa", "uy ban", "nhan dan", "dan xa"} <= short
    assert {"ubnd", "ubnd xa", "uy ban", "nhan dan", "dan xa"} <= full
    assert {"gcn quyen", "nhan qsdd", "su dung"} <= terms_of("cấp GCN QSDĐ cho hộ")


def test_an_abbreviation_inside_a_code_stays_the_code_s():
    terms = terms_of("Quyết định 5568/QĐ-UBND ngày 20/12/2018")
    assert "ubnd" in terms and "5568qdubnd" in terms
    assert not {"uy", "nhan dan", "uy ban"} & terms


def test_snippet_marks_the_words_an_abbreviation_stands_for():
    marked = snippet("Nộp hồ sơ tại Ủy ban nhân dân xã.", parse("ubnd"))
    assert "<mark>Ủy ban nhân dân</mark>" in marked
