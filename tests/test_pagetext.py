"""The `visible_text` helper reads a page the way a visitor does."""

from pagetext import unmarked_vietnamese, visible_text


def test_visible_text_is_the_page_s_text_on_one_line():
    html = """<!doctype html><html lang="vi"><head><title>Tiêu đề</title>
      <style>p { color: red }</style></head>
      <body><h1>Sở <b>Tư</b> pháp</h1><script>var hidden = 1;</script>
      <ul><li>Gọi <a href="tel:1022">1022</a>: miễn phí<li>Q&amp;A&nbsp;24/7</ul>
      <p>Dòng một<br>dòng hai</p><table><tr><td>Ô 1</td><td>Ô 2</td></tr></table></body></html>"""
    assert visible_text(html) == (
        "Sở Tư pháp Gọi 1022: miễn phí Q&A\xa024/7 Dòng một dòng hai Ô 1 Ô 2"
    )


def test_unmarked_vietnamese_finds_the_words_outside_lang_vi():
    html = """<html lang="en"><head><title>Khai sinh</title></head><body>
      <h1>Birth registration in Cà Mau</h1><p lang="vi">Tờ khai <b>đăng ký</b></p>
      <dl><dd>Công dân Việt Nam</dd><dd>Vietnamese citizens<br>Miễn phí</dd></dl>
      <script>var s = "không";</script></body></html>"""
    assert unmarked_vietnamese(html) == ["Công dân Việt Nam", "Miễn phí"]
