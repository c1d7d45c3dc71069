"""The demo province's feedback of 2017, as the seed report counts it: over 400 questions
at dialogue meetings, all answered there; 16 from other channels (the press, the
Government Office), 13 answered and published, 3 in progress.

The 16 are written out in demo_data/feedback.jsonl. The dialogue questions are only
counted by the report, so they are numbered here, one per question, each saying it is
illustrative: their words were never published and none are made up.
"""

from datetime import date
from pathlib import Path

from portal.feedback import importer

DATA = Path(__file__).resolve().parent.parent / "demo_data" / "feedback.jsonl"
# (day, host, questions): the meetings of 2017, 404 questions in all.
MEETINGS = (
    (date(2017, 3, 16), "ubnd-tinh", 96),
    (date(2017, 5, 18), "so-tu-phap", 88),
    (date(2017, 7, 13), "so-giao-thong-van-tai", 74),
    (date(2017, 9, 21), "so-ke-hoach-dau-tu", 82),
    (date(2017, 11, 9), "ubnd-tp-ca-mau", 64),
)


def load():
    """Import the demo feedback; a second run changes nothing. Returns the counts."""
    counts = importer.import_jsonl(DATA)
    counts.update(importer.import_rows(enumerate(dialogue_rows(), start=1), "demo: dialogues"))
    return counts


def dialogue_rows():
    for day, host, questions in MEETINGS:
        said = f"{day:%d/%m/%Y}"
        for n in range(1, questions + 1):
            yield {
                "received_on": day.isoformat(),
                "channel": "dialogue",
                "sender_type": ("citizen", "business")[n % 2],
                "sender_name": "Đại biểu dự đối thoại (dữ liệu minh họa)",
                "agency": host,
                "title": f"Câu hỏi số {n} tại hội nghị đối thoại ngày {said}",
                "content": "Câu hỏi về quy định, thủ tục hành chính nêu tại hội nghị đối thoại; "
                "nội dung được ghi trong biên bản hội nghị (dữ liệu minh họa).",
                "status": "answered",
                "assigned_agency": host,
                "answer": {
                    "text_vi": f"Đã giải đáp trực tiếp tại hội nghị đối thoại ngày {said} "
                    "(dữ liệu minh họa).",
                    "text_en": f"Answered in person at the dialogue meeting of {said} "
                    "(illustrative demo data).",
                    "agency": host,
                    "answered_on": day.isoformat(),
                },
            }
