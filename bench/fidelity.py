"""Fidelity: what the procedure pages say of time and fee, beside what the source cells say.

    python bench/fidelity.py [--data ../shared/data]

Reads every national record, as the import does, and counts per summary field how many
pages show a value, show it without its unit, show the source's cell as published, or say
"not stated"; beside it, from the raw cells alone (the baseline): how many records have a
channel whose cell starts with a time, or charges (an amount anywhere in the cell). The
legal bases: how many, how many records list a number twice, how many titles have no
number cell, how many pages also show the source's text. Then imports everything into a
scratch database holding the demo province's directory, and counts the agencies the import
created (by level, and any junk among them) and the names it did not make agencies (a
level's role, another province's body), and on a fixed sample of /en/ procedure pages how many
show Vietnamese words not marked lang="vi". Ends with one line of JSON.
"""

import argparse
import itertools
import json
import random
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # pagetext: what a visitor reads, as the tests read it

import flask_migrate  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from pagetext import unmarked_vietnamese  # noqa: E402

from portal import create_app, demo  # noqa: E402
from portal.models import Agency, Procedure, db  # noqa: E402
from portal.procedures import bodies, channels, importer, sources  # noqa: E402
from portal.procedures.queries import at_a_glance  # noqa: E402

KIND = "(?:Trực tiếp|Trực tuyến|Dịch vụ bưu chính)"
CELL = re.compile(rf"{KIND}(?=Không|\d)(.*?)(?={KIND}(?:Không|\d)|$)", re.S)
CHARGE = re.compile(
    r"[1-9]\d{0,2}(?:[.,]\d{3})+ ?(?:VNĐ|vnđ|đồng|Đ|đ)|[1-9]\d* ?(?:VNĐ|Việt Nam Đồng)"
)


def shown(groups):
    """What a summary line says: one word per kind of value it shows."""
    if not groups:
        return "not stated"
    whats = {what for _, what, _ in groups}
    if "as_published" in whats:
        return "as published (with a note)"
    if any(what == "time" and value[1] is None for _, what, value in groups):
        return "number, unit not stated"
    return "value" if len(groups) == 1 else "value per channel"


def _junk(name):
    """A name no body has: one word, who applies, text glued to the next field, a fragment."""
    glued = any(a.islower() and b.isupper() for a, b in itertools.pairwise(name))
    return (
        len(name.split()) < 2
        or glued
        or name.endswith(("_old", ",", "."))
        or name.casefold() == "bộ trưởng"
        or re.match(r"(?i)(?:công dân|doanh nghiệp|hợp tác xã|thể thao|bản đồ|chống)\b", name)
        is not None
    )


def _english_pages(app, sample=300):
    """On a fixed sample of /en/ procedure pages: how many show Vietnamese words outside
    lang="vi" (and how many such text runs), beside how many show Vietnamese at all."""
    codes = sorted(db.session.scalars(sa.select(Procedure.code)))
    codes = random.Random(1).sample(codes, min(sample, len(codes)))
    client = app.test_client()
    unmarked = Counter()
    with_vietnamese = 0
    for code in codes:
        html = client.get(f"/en/procedures/{code}").get_data(as_text=True)
        with_vietnamese += 'lang="vi"' in html
        unmarked[code] = len(unmarked_vietnamese(html))
    return {
        "pages": len(codes),
        "pages showing Vietnamese text": with_vietnamese,
        "pages with unmarked Vietnamese": sum(1 for n in unmarked.values() if n),
        "unmarked text runs": sum(unmarked.values()),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    options = parser.parse_args()
    data = Path(options.data)
    records = [
        r for _, r in sources.read_records(data / "tthc-records.jsonl") if isinstance(r, dict)
    ]
    raw = {
        json.loads(line)["ma_thu_tuc"]: json.loads(line).get("cach_thuc_thuc_hien") or ""
        for line in (data / "tthc-records.jsonl").read_text(encoding="utf-8").splitlines()
    }
    time, fee = Counter(), Counter()
    source = Counter()
    false_none, false_free, small = 0, 0, 0
    for record in records:
        cell = raw[record["code"]].removeprefix(channels.CHANNEL_HEAD)
        cells = CELL.findall(cell)
        has_time = any(re.match(r"\d", c) for c in cells)
        charges = any(CHARGE.search(c) for c in cells)
        source["records"] += 1
        source["a channel states a time"] += has_time
        source["a channel or note charges"] += charges
        glance = at_a_glance(record["channels"])
        time[shown(glance["time"])] += 1
        fee[shown(glance["fee"])] += 1
        false_none += has_time and not glance["time"]
        only_free = [what for _, what, _ in glance["fee"]] == ["free"]
        false_free += charges and only_free
        small += any(what == "amount" and value < 1000 for _, what, value in glance["fee"])
    print(f"records read: {len(records):,}")
    print(f"source (baseline): {dict(source)}")
    print(f"processing time shown: {dict(time)}")
    print(f"fee shown:             {dict(fee)}")
    print(f'"not stated" where a channel states a time: {false_none}')
    print(f'"free" alone where a channel or note charges: {false_free}')
    print(f"fees under 1,000 đồng shown as amounts: {small}")
    numbers = [[b["number"] for b in r["legal_bases"] if b["number"]] for r in records]
    legal = {
        "records with a legal basis": sum(bool(r["legal_bases"]) for r in records),
        "bases": sum(len(r["legal_bases"]) for r in records),
        "a number listed twice": sum(len(n) != len(set(n)) for n in numbers),
        "bases kept without a number": sum(
            not b["number"] for r in records for b in r["legal_bases"]
        ),
        "records showing the source's text too": sum("can_cu_phap_ly" in r["raw"] for r in records),
    }
    print(f"legal bases: {legal}")

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/fidelity.db",
                "SEARCH_INDEX_DIR": tmp,
            }
        )
        with app.app_context():
            flask_migrate.upgrade()
            demo.load_directory()  # the province's own directory, as the portal has it
            before = set(db.session.scalars(sa.select(Agency.id)))
            paths = [data / "tthc-records.jsonl", *sorted((data / "tthc-lists").glob("*.xlsx"))]
            counts = importer.import_paths(paths)
            created = [
                agency
                for agency in db.session.scalars(sa.select(Agency))
                if agency.id not in before
            ]
            agencies = Counter(str(agency.level) for agency in created)
            junk = [agency.name_vi for agency in created if _junk(agency.name_vi)]
            names = Counter(
                bodies.kind(name, app.config["PROVINCE_NAME_VI"])
                for procedure in db.session.scalars(sa.select(Procedure))
                for role in ("implementing", "competent", "coordinating")
                for name in (procedure.agency_names or {}).get(role, [])
            )
            language = _english_pages(app)
            db.engine.dispose()
    print(f"import: {dict(counts)}")
    print(f"agencies created, by level: {dict(agencies)}; junk among them: {junk}")
    print(f"names in the records, by kind (only bodies become agencies): {dict(names)}")
    print(f"/en/ procedure pages (a sample): {language}")
    print(
        json.dumps(
            {
                "records": len(records),
                "source": dict(source),
                "time": dict(time),
                "fee": dict(fee),
                "false_not_stated": false_none,
                "false_free": false_free,
                "fees_under_1000": small,
                "legal": legal,
                "agencies_created": dict(agencies),
                "junk_agencies": len(junk),
                "names_by_kind": dict(names),
                "english_pages": language,
            },
            ensure_ascii=False,
            sort_keys=True,
        )
    )


if __name__ == "__main__":
    main()
