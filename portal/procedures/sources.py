"""Read the national procedure database (dichvucong.gov.vn): scraped records and list exports.

Detail pages come as JSON Lines whose tables are page text with the cells glued together; the
parsers below cut them back into cells (the channel table in channels.py). A field they
cannot cut cleanly is also kept verbatim in the record's `raw` dict, so nothing from the
source is lost.
"""

import hashlib
import itertools
import json
import re
import unicodedata
import zipfile
import zlib
from pathlib import Path
from xml.etree import ElementTree

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from portal import importing
from portal.importing import SourceError
from portal.models import PROCEDURE_CODE
from portal.procedures.cells import clean, cut, dedupe, split_list
from portal.procedures.channels import fee_summary, parse_channels

LEVELS = {
    "cấp bộ": "ministry",
    "cấp tỉnh": "province",
    "cấp huyện": "district",
    "cấp xã": "commune",
    "cơ quan khác": "other",
}
KINDS = {
    "doanh nghiệp": "business",
    "hợp tác xã": "business",
    "tổ chức": "organisation",
    "công dân": "citizen",
    "người": "citizen",
    "cán bộ": "citizen",
    "đảng viên": "citizen",
}
LIST_COLUMNS = {
    "mã số": "code",
    "tên": "name_vi",
    "cơ quan ban hành": "issuing_body",
    "cơ quan thực hiện": "implementing_agencies",
    "lĩnh vực": "field_vi",
}

DOCS_HEAD = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"
# The quantity cell is glued to the next name, while prose ("nộp 01 bản chính để") has spaces.
COUNT_RE = re.compile(r"(?<![\s(:]0)(\d) bản chính(?:,(\d+) bản sao)?(?=$|[^\s,;.)])")
FORM_EXT_RE = re.compile(r"\.(?:docx?|pdf|xlsx?|rar|zip)$", re.I)
LEGAL_HEAD = "Tên văn bản pháp lýMã văn bản"
# 69/2024/NĐ-CP, 47/2014/QH13, 1234/QĐ-TTg. Known issuers come first so a glued title stays
# out: "TT-BTChướng dẫn" is BTC + "hướng dẫn", not BT + "Chướng dẫn".
ISSUER = (
    r"(?:BLĐTBXH|BNNPTNT|BVHTTDL|BGDĐT|BKHĐT|BKHCN|BTTTT|BGTVT|BTNMT|BNNMT|NHNN|UBND|HĐND|"
    r"VPCP|BHXH|BTC|BCA|BXD|BTP|BCT|BYT|BQP|BNG|BNV|(?:UBTV)?QH\d{2}|TTg|CP|"
    r"[A-ZĐ]+(?![a-zà-ỹ]))"
)
# A year glued in front ("sửa đổi 202323/2023/QH15") belongs to the title.
LEGAL_NUMBER_RE = re.compile(
    r"(?:(?<=(?:19|20)\d\d)|(?<=QH\d\d)|(?<![\d/]))"
    rf"(?:(?:\d{{1,3}}\.\d{{1,2}}|\d{{1,4}})/(?:\d{{4}}/)?(?:[A-ZĐ]+(?:[-/_] ?))*{ISSUER}"
    # Some number cells stop at the year ("46/2020"): taken only where a row ends.
    r"|\d{1,4}/(?:19|20)\d\d(?![\d/]))"
)
LEGAL_TYPES = r"(?:Luật|Nghị định|Thông tư|Quyết định|Nghị quyết|Pháp lệnh)"
# The number cell may repeat the type ("...tín dụngLuật số 32/2024/QH15"): not part of the title.
LEGAL_PREFIX_RE = re.compile(rf"(?<=[a-zà-ỹ)])(?:{LEGAL_TYPES} ?(?:số)?|số):? ?$")
# "Nghị định số 07/2025/NĐ-CP": a number a title cites, not the row's own number cell.
CITED_RE = re.compile(rf"(?i)(?:{LEGAL_TYPES}|số)\s*:?\s*$")
# A title that says no more than the type and the number ("Thông tư 24/2022/TT-BNNPTNT").
BARE_TITLE_RE = re.compile(rf"(?i)(?:{LEGAL_TYPES}\s*)*(?:số)?\s*:?\s*")
# "- Bước 2:", "a) Bước 1.", or after a track's name on the same line: "Cấp tỉnh - Bước 1:".
STEP_RE = re.compile(
    r"^(?:(?P<track>[^\n\-–:]{2,60}?)\s+[-–:]\s*)?[\s\-+*•]*(?:[a-zđ]\)\s*)?"
    r"Bước\s*(?P<number>\d+)\s*[:.\-]?\s*",
    re.M | re.I,
)
MAX_TRACK = 120  # characters: a longer line before a restarted "Bước 1" is a step's text
# The page's search box and agency picker scraped after a field: "…Từ khóaKhông có thông
# tinMô tảKhông có thông tinChọn cơ quan thực hiện…". Only when it says nothing else.
PAGE_CHROME_RE = re.compile(
    r"\s*Từ khóa:?\s*(?:Không có thông tin)?(?:Mô tả(?:Không có thông tin)?)?"
    r"(?:Chọn cơ quan thực hiện.*)?$",
    re.S,
)
RESULT_CODE_RE = re.compile(r"[A-Z0-9][A-Z0-9.\-]*\d")


# "Giám đốc Sở Tư pháp", "Bộ trưởng Bộ Công an": the head of a body; the directory lists
# the body itself. "Chủ tịch nước" (the State President) is an office, not a head of "nước".
_HEAD_OF = re.compile(
    r"(?i)^(?:phó chủ tịch|chủ tịch(?! nước)|giám đốc|tổng giám đốc|thủ trưởng|bộ trưởng"
    r"|cục trưởng|chi cục trưởng|thống đốc|chánh án|viện trưởng|lãnh đạo|trưởng"
    r"|người đứng đầu)(?: của)?\s+"
)
_BULLET = re.compile(r"^(?:[-+*•]|\d+[.)])\s*")
# How a body's name starts. A capitalised piece that starts otherwise is the rest of the
# previous name, cut at a comma inside it: "Bộ Văn hóa, Thể thao và Du lịch", "Cục Đo đạc,
# Bản đồ và Thông tin địa lý Việt Nam", "Trung tâm Thông tin, Lưu trữ và Thư viện".
_BODY_START = re.compile(
    r"(?i)^(?:bộ|cục|tổng cục|vụ|sở|chi cục|chi nhánh|[uủ]y ban|uỷ ban|ubnd|hội đồng"
    r"|công an|t[oò]a án|toà án|viện|học viện|trung tâm|ban|phòng|văn phòng|ngân hàng"
    r"|kho bạc|thuế|hải quan|cảng vụ|bảo hiểm|thanh tra|cơ quan|các cơ quan|cơ sở|tổ chức"
    r"|các tổ chức|đơn vị|các đơn vị|quỹ|thi hành án|biên phòng|chính phủ|thủ tướng"
    r"|quốc hội|chủ tịch|bộ phận|đội|trạm|hạt|lãnh sự|đại sứ quán|tổng công ty|công ty"
    r"|chủ đầu tư|đại diện|cảng|cảnh sát|công đoàn|trường|bệnh viện|đài|kiểm lâm|ủy"
    r"|văn phòng|nhà xuất bản|báo|tạp chí|cấp|khu quản lý|ban quản lý)\b"
)
# Who applies, run into the agencies field by the scraper: "Công dân Việt Nam, Doanh nghiệp".
_APPLICANT_START = re.compile(
    r"(?i)^(?:công dân|doanh nghiệp|hợp tác xã|cá nhân|hộ gia đình|người nước ngoài"
    r"|người dân|tổ chức \(không)"
)
MAX_AGENCY_NAME = 150


def agency_names(text):
    """The bodies a record names, as the directory should list them.

    Heads become their bodies ("Giám đốc Sở Tư pháp" → "Sở Tư pháp"), bullets, a final full
    stop and the source's "_old" mark go, a hyphen gets a space each side; a name cut at a
    comma is put back together. Pieces that are no body's name are left out (the record's
    raw text keeps them): in lower case, holding a colon or a sentence, over
    MAX_AGENCY_NAME characters, who applies rather than who decides, text glued to the next
    field ("Hợp tác xãCơ quan có thẩm quyền"), or a bare type ("Bộ").
    """
    names = []
    # Not deduplicated before the pieces are put back together: "Trung tâm Chất lượng" heads
    # each of "Trung tâm Chất lượng, Chế biến … vùng 1", "…, Chế biến … vùng 2".
    for piece in split_list(text, unique=False):
        piece = _BULLET.sub("", piece)
        if not piece[:1].isupper() or ":" in piece or ". " in piece:
            continue
        glued = any(a.islower() and b.isupper() for a, b in itertools.pairwise(piece))
        if _APPLICANT_START.match(piece) or glued:
            continue
        name = _HEAD_OF.sub("", piece + " ").strip().removesuffix("_old").rstrip(" .")
        name = re.sub(r"\s*-\s*", " - ", name) if " " in name else name
        if not name:
            continue  # "Bộ trưởng": a head without its body
        if not _BODY_START.match(name) and names:
            names[-1] = f"{names[-1]}, {name}"  # the rest of a name cut at its comma
        elif name and len(name.split()) > 1 and len(name) <= MAX_AGENCY_NAME:
            names.append(name[:1].upper() + name[1:])
    return dedupe(names)


def code_problem(code):
    """Why code is not a national procedure code ("1.000232"), or None if it is one."""
    if not code:
        return "the procedure code is missing"
    return None if PROCEDURE_CODE.match(code) else f'code "{code}" is not a national procedure code'


MAX_FIELD = 200_000  # characters in one field; the national records' longest is 44,590
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
JSON_TYPES = {
    list: "a list",
    dict: "an object",
    int: "a number",
    float: "a number",
    bool: "true/false",
}


def field_problem(value):
    """Why a record's field cannot be taken (every field of a national record is text)."""
    if value is None:
        return None
    if not isinstance(value, str):
        return f"must be text, not {JSON_TYPES.get(type(value), 'a value of another kind')}"
    if len(value) > MAX_FIELD:
        return f"is longer than {MAX_FIELD:,} characters"
    if CONTROL.search(value):
        return "contains a control character (such as NUL) no text holds"
    return None


def parse_record(raw):
    """One detail record as plain data; SourceError(column=...) without a code or a name."""
    for key, value in raw.items():
        if problem := field_problem(value):
            raise SourceError(problem, column=key)
    src = {
        key: unicodedata.normalize("NFC", value) if isinstance(value, str) else value
        for key, value in raw.items()
    }
    code = clean(src.get("ma_thu_tuc"))
    if problem := code_problem(code):
        raise SourceError(problem, column="ma_thu_tuc")
    if not clean(src.get("ten_thu_tuc")):
        raise SourceError("the procedure has no name", column="ten_thu_tuc")
    parsers = {
        "cap_thuc_hien": parse_levels,
        "cach_thuc_thuc_hien": parse_channels,
        "thanh_phan_ho_so": parse_documents,
        "can_cu_phap_ly": parse_legal_bases,
        "ket_qua_xu_ly": parse_results,
        "thu_tuc_lien_quan": parse_related,
    }
    parsed, unparsed = {}, {}
    for key, parser in parsers.items():
        parsed[key], complete = parser(clean(src.get(key), multiline=True) or "")
        if not complete:
            unparsed[key] = src.get(key)
    channels, results = parsed["cach_thuc_thuc_hien"], parsed["ket_qua_xu_ly"]
    applicants = split_list(src.get("doi_tuong_thuc_hien"))
    days = [channel["days"] for channel in channels if channel["days"] is not None]
    fingerprint = json.dumps(src, sort_keys=True, ensure_ascii=False).encode()
    return {
        "code": code,
        "source_hash": hashlib.sha256(fingerprint).hexdigest(),
        "name_vi": clean(src["ten_thu_tuc"]),
        "source_url": clean(src.get("detail_url")),
        "decision_numbers": [
            re.sub(r"(?i)^số\s*", "", number) for number in split_list(src.get("so_quyet_dinh"))
        ],
        "levels": parsed["cap_thuc_hien"],
        "procedure_type": clean(src.get("loai_thu_tuc")),
        "field_vi": clean(src.get("linh_vuc")),
        "applicant_types": applicants,
        "applicant_kinds": sorted(
            {
                kind
                for label in applicants
                for prefix, kind in KINDS.items()
                if label.casefold().startswith(prefix)
            }
        ),
        "competent_agencies": agency_names(clean(src.get("co_quan_co_tham_quyen"))),
        "implementing_agencies": agency_names(clean(src.get("co_quan_thuc_hien"))),
        "coordinating_agencies": agency_names(clean(src.get("co_quan_phoi_hop"))),
        "authorised_agencies": agency_names(clean(src.get("co_quan_duoc_uy_quyen"))),
        "submission_address": clean(src.get("dia_chi_tiep_nhan"), multiline=True),
        "related_procedures": parsed["thu_tuc_lien_quan"],
        "steps": parse_steps(clean(src.get("trinh_tu_thuc_hien"), multiline=True) or ""),
        "channels": channels,
        "documents": parsed["thanh_phan_ho_so"],
        "legal_bases": parsed["can_cu_phap_ly"],
        "conditions": clean(PAGE_CHROME_RE.sub("", src.get("yeu_cau_dieu_kien") or ""), True),
        "result": results[0] if results else None,
        "results": results,
        "processing_days": min(days) if days else None,
        "fee_summary": fee_summary(channels),
        "raw": unparsed,
    }


def parse_levels(text):
    """Map "Cấp bộ, Cấp tỉnh" to ["ministry", "province"]; incomplete if a label is unknown."""
    labels = [label.casefold() for label in split_list(text)]
    levels = dedupe([LEVELS[label] for label in labels if label in LEVELS])
    return levels, set(labels) <= set(LEVELS)


def parse_steps(text):
    """The "Trình tự thực hiện" as {"track", "number", "text"} dicts, numbered as the source is.

    Steps come from the source's "Bước 1", "Bước 2" marks; the source's numbers are kept.
    Where the numbering starts again (one list per level: "Cấp Trung ương - Bước 1 …",
    "Cấp tỉnh - Bước 1 …"), a new track begins, named by the text on the mark's line or the
    short line just before it. Without marks the text is one unnumbered step: the portal does
    not number what the source does not. The text keeps its lines and bullets.
    """
    head, marks = cut(text, STEP_RE)
    if not marks:
        return [{"track": None, "number": None, "text": text}] if text else []
    steps, track, previous = [], None, 0
    for mark, body in marks:
        number = int(mark.group("number"))
        if mark.group("track") or (steps and number <= previous):
            track = clean(mark.group("track")) or _track_from(steps[-1] if steps else None)
        steps.append({"track": track, "number": number, "text": clean(body, multiline=True)})
        previous = number
    intro = clean(head, multiline=True)
    restarted = any(step["track"] for step in steps[1:])
    if intro and restarted and not steps[0]["track"] and _is_track(intro):
        for step in steps[: next(i for i, s in enumerate(steps) if s["track"])]:
            step["track"] = intro.rstrip(" -–:")  # "Cấp Trung ương\nBước 1: …"
    elif intro:
        steps.insert(0, {"track": None, "number": None, "text": intro})
    return [step for step in steps if step["text"]]


def _is_track(line):
    """Whether a line can name a track: short, one line, not a sub-item, not itself a step."""
    return (
        len(line) <= MAX_TRACK
        and "\n" not in line
        and not line.startswith("+")
        and not re.search(r"(?i)bước\s*\d", line)
    )


def _track_from(step):
    """The name of a track that restarts the numbering: the previous step's short last line."""
    if step is None or not step["text"]:
        return None
    lines = step["text"].splitlines()
    if len(lines) > 1 and _is_track(lines[-1]):
        step["text"] = "\n".join(lines[:-1])
        return lines[-1].rstrip(" -–:")
    return None


def parse_documents(text):
    """The "Thành phần hồ sơ" tables as document dicts, and whether they were cut cleanly.

    A row is {"group", "name", "forms", "originals", "copies"}: `group` is the case heading
    above its table, the counts are the source's ("1 bản chính": copies None). A count
    without a name is no row (the record's raw text keeps it); text after the last table
    is kept as a row without counts.
    """
    if not text.strip("-"):
        return [], True
    tables = text.split(DOCS_HEAD)
    documents, heading, named = [], clean(tables[0].strip("-")), True
    for table in tables[1:]:
        group, position = heading, 0
        for count in COUNT_RE.finditer(table):
            name, forms = split_forms(table[position : count.start()])
            name = clean(name.lstrip("-+*• \t"))
            position = count.end()
            if not name and not forms:
                named = False
                continue
            documents.append(
                {
                    "group": group,
                    "name": name,
                    "forms": forms,
                    "originals": int(count.group(1)),
                    "copies": int(count.group(2)) if count.group(2) else None,
                }
            )
        heading = clean(table[position:].strip("-"))  # the heading of the next table
    if heading and len(tables) > 1:  # after the last table: a note, not a heading
        documents.append(
            {"group": group, "name": heading, "forms": [], "originals": None, "copies": None}
        )
    named = named and all(document["name"] for document in documents)
    return documents, len(tables) > 1 and named and heading is None


def split_forms(text):
    """Cut the form file names ("Mẫu 01.docx") glued to the end of a document name."""
    forms = []
    while FORM_EXT_RE.search(text) and (start := form_start(text)):
        forms.insert(0, text[start:])
        text = text[:start]
    return text, forms


def form_start(text):
    """Where the last file name starts, judged by how it is glued to the text before it."""
    tiers = [[], [], [], []]
    for index in range(max(2, len(text) - 100), len(text) - 5):
        tier = glue_tier(text, index)
        if tier is not None:
            tiers[tier].append(index)
    # After another file or a ";" the last spot wins; weaker clues, the earliest one.
    return next(
        (found[-1] if tier < 2 else found[0] for tier, found in enumerate(tiers) if found), None
    )


def glue_tier(text, index):
    """How surely a file name starts at index: 0 after another file ... 3 barely; else None."""
    before, char, after = text[index - 1], text[index], text[index + 1]
    # "1.000423", "Mẫu số 14.KT": a number or a form code, not a glue point.
    if (
        not char.isalnum()
        or (before == "." and text[index - 2].isdigit())
        or (char.isdigit() and before.isdigit())
    ):
        return None
    if FORM_EXT_RE.search(text, index - 5, index) and not char.islower():
        return 0
    if before == ";":
        return 1
    if (
        before in ".:)]"
        or (before.islower() and char.isupper())
        or (
            (before.isupper() or before.isdigit())
            and char.isupper()
            and after.islower()
            and text[index - 1 : index + 2] != "TTg"
        )
    ):
        return 2
    return 3 if before.islower() and char.isdigit() else None


def parse_legal_bases(text):
    """The "Căn cứ pháp lý" table as {"title", "number", "also"} dicts, and whether it was
    cut cleanly.

    A number listed twice is one basis: its other titles, where they say more, go to
    `also`. Text after the last number cell that the parser cannot place is kept as a basis
    without a number, in the source's words.
    """
    if not text:
        return [], True
    body = text.removeprefix(LEGAL_HEAD)
    # The next field's heading run in after the last number cell: "…QH12Cơ quan thực hiệnTòa án…"
    body = re.sub(r"(?<=\d)Cơ quan thực hiện.*", "", body, flags=re.S)
    rows, position, complete = [], 0, body != text
    for number in LEGAL_NUMBER_RE.finditer(body):
        if not ends_row(body, number, position):
            continue
        row = body[position : number.start()]
        title = clean(LEGAL_PREFIX_RE.sub("", row)) or ""
        # A number glued to the text around it inside a title means two rows ran together.
        glued = (
            title[m.end() : m.end() + 1].isdigit() or title[m.start() - 1 : m.start()].isalpha()
            for m in LEGAL_NUMBER_RE.finditer(title)
        )
        complete = complete and not any(glued)
        if not title:
            title = clean(row + number.group(0))  # the row was only "Luật" or "Nghị định số"
        elif BARE_TITLE_RE.fullmatch(title):
            title = f"{title} {number.group(0)}"  # "LuậtLuật 18/2017/QH14": the type twice
        rows.append((title, number.group(0)))
        position = number.end() + body.startswith(".", number.end())  # "QH14.": the cell's
    if tail := clean(body[position:]):
        rows.append((tail, None))
        complete = False
    return _merged(rows), complete and bool(rows)


def _merged(rows):
    """One basis per number, its first informative title first."""
    bases = {}
    for title, number in rows:
        key = number or f"#{len(bases)}"
        basis = bases.setdefault(key, {"title": title, "number": number, "also": []})
        titles = [basis["title"], *basis["also"]]
        if title.casefold() in {t.casefold() for t in titles}:
            continue
        if _bare(basis["title"], number):
            basis["title"] = title
        elif not _bare(title, number):
            basis["also"].append(title)
    return list(bases.values())


def _short_number(number):
    """ "24/2024/QĐ-UBND" as a cell that stops at the year writes it: "24/2024"."""
    return "/".join(number.split("/")[:2])


def _bare(title, number):
    return bool(number) and bool(BARE_TITLE_RE.fullmatch(title.replace(number, "").strip()))


def ends_row(body, number, start=0):
    """Whether a document number is a number cell: the next row's title follows it directly.

    `start` is where the row began: a number that row's title cites ("… bởi Nghị định số
    07/2025/NĐ-CP") is not its number cell.
    """
    after = body[number.end() : number.end() + 2]
    cited = bool(CITED_RE.search(body, start, number.start()))
    same = {number.group(0), _short_number(number.group(0))}
    if after[:1].isdigit():
        # "Thông tư 39/2018/TT-BNNPTNT39/2018/TT-BNNPTNT": a title, then the same number.
        # "bởi Nghị định số 07/2025/NĐ-CP280/2025/NĐ-CP": a cited number, then the cell.
        following = LEGAL_NUMBER_RE.match(body, number.end())
        return bool(following) and following.group(0) not in same and not cited
    if re.match(r" ?(?:ngày|của)", body[number.end() :]):  # "53/2025/TT-BCAngày 01/7/2025"
        return False
    if not re.search(r"[A-ZĐ]", number.group(0)):  # "46/2020": a cell only before a title
        return not cited and (not after or after[0].isalpha())
    if after[:1] == " ":
        # "24/2026/NQ-CP Hướng dẫn..." starts a title, unless the same number comes again as
        # the number cell of this row: "Thông tư số 66/2023/TT-BCA Sửa đổi...trú.66/2023/TT-BCA".
        if any(re.search(r"\S" + re.escape(n) + r"(?!\d)", body[number.end() :]) for n in same):
            return False
        following = body[number.end() + 1 : number.end() + 3]
        # "… Nông nghiệp và Môi trường 146/2025/QH15 sửa đổi, …": a number no title cites.
        return following.istitle() or (following[:1].islower() and not cited)
    if after == "." or (after[:1] == "." and after[1].isupper()):
        return True  # "Luật 35/2018/QH14.BỘ LUẬT HÀNG HẢI": the cell, then a full stop
    if after[:1] == "." and after[1].isdigit():  # "…QH14.35/2018/QH14.": the title's number
        return False
    return not after or after[0].isalpha()


def parse_results(text):
    """The "Kết quả" names and codes without the page chrome, and whether they were cut cleanly."""
    body = re.split(r"Từ khóa|Chọn cơ quan thực hiện", text)[0]
    # Keywords and description are kept only through `raw`, and only when they say something.
    extra = clean(
        re.sub(
            r"Từ khóa|Mô tả|Không có thông tin|Chọn cơ quan thực hiện.*",
            "",
            text[len(body) :],
            flags=re.S,
        )
    )
    pieces = body.split("Mã: ")
    results, name = [], clean(pieces[0])
    for piece in map(str.strip, pieces[1:]):
        code = RESULT_CODE_RE.match(piece)
        results.append({"name": name, "code": code.group(0) if code else None})
        name = clean(piece[code.end() :] if code else piece)
    complete = len(pieces) > 1 and not name and not extra
    return results, not text or (complete and all(r["name"] and r["code"] for r in results))


def parse_related(text):
    """Related procedure names, from a "#Tên thủ tục1<name>#1Tên thủ tục<name>" table or a list."""
    if "Tên thủ tục" not in text:
        return split_list(text), True
    names = re.split(r"#(?:Tên thủ tục)?\d*(?:Tên thủ tục)?", text)
    return dedupe(filter(None, map(clean, names))), True


def read_records(path):
    """Yield (line number, parsed record or SourceError) from JSON Lines, every line read."""
    name = Path(path).name
    for number, data in importing.read_jsonl(path, keep_going=True):
        if isinstance(data, SourceError):
            yield number, SourceError(data.message, file=name, row=number)
            continue
        try:
            yield number, parse_record(data)
        except SourceError as error:
            yield number, SourceError(error.message, file=name, row=number, column=error.column)


# What openpyxl raises for a damaged workbook: a sheet's XML or a zip member cut or garbled.
UNREADABLE = (ElementTree.ParseError, zlib.error, zipfile.BadZipFile, EOFError, KeyError)


def read_list_xlsx(path):
    """Yield (row number, dict or SourceError) from a list export; raise for a bad file."""
    name = Path(path).name
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (*UNREADABLE, InvalidFileException, OSError) as error:
        reason = getattr(error, "strerror", None) or "not a valid .xlsx workbook"
        raise SourceError(reason, file=name) from None
    try:
        if workbook.active is None:
            raise SourceError("the workbook has no sheet", file=name)
        yield from _list_rows(workbook.active, name)
    except UNREADABLE as error:  # a sheet's XML or a zip member damaged: found while reading
        raise SourceError("not a valid .xlsx workbook", file=name) from error
    finally:
        workbook.close()


def _list_rows(sheet, name):
    """(row number, dict or SourceError) below the header row of a list export's sheet."""
    columns = None
    for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
        values = [clean(cell, multiline=True) for cell in cells]
        if columns is not None and any(values):
            try:
                yield number, list_row(values, cells, columns, name, number)
            except SourceError as error:
                yield number, error
        elif columns is None and {"mã số", "tên"} <= {(v or "").casefold() for v in values}:
            columns = {
                LIST_COLUMNS[value.casefold()]: (index, value)
                for index, value in enumerate(values)
                if (value or "").casefold() in LIST_COLUMNS
            }
    if columns is None:
        raise SourceError('no header row with "Mã số" and "Tên"', file=name)


def list_row(values, cells, columns, name, number):
    """One list row as a dict, after checking its code and name."""

    def value(key):
        return values[columns[key][0]] if key in columns else None

    code_index, code_label = columns["code"]
    code = value("code")
    if isinstance(cells[code_index], float):  # Excel turned "1.000230" into 1.00023
        code = f"{cells[code_index]:.6f}"
    if problem := code_problem(code):
        raise SourceError(problem, file=name, row=number, column=code_label)
    if not value("name_vi"):
        raise SourceError("the name is empty", file=name, row=number, column=columns["name_vi"][1])
    lines = filter(None, map(clean, (value("implementing_agencies") or "").splitlines()))
    agencies = [name for line in lines for name in agency_names(line)]
    return {
        "code": code,
        "name_vi": clean(value("name_vi")),
        "issuing_body": clean(value("issuing_body")),
        "implementing_agencies": dedupe(agencies),
        "field_vi": clean(value("field_vi")),
    }
