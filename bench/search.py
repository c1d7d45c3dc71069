"""Search benchmark: our Whoosh engine against SQLite FTS5, same corpus, same queries.

    .venv/bin/python bench/search.py --docs 20000

Builds N documents from portal/demo_data/procedures.jsonl (real procedure texts recombined:
names varied, steps, documents and legal bases mixed within a field, codes and numbers
changed; plus announcements, inspection findings and hotlines with document numbers and
phones), indexes them with portal.searching and with SQLite FTS5 (`unicode61
remove_diacritics 2`, `đ` folded in Python), runs the same mixed queries on both and prints
indexing speed, index size, latency p50/p95 per query kind and our/FTS5 ratios, then the
time until an edit is visible. The last line is one JSON object holding every figure.

Two jobs, each done by both engines. A page of the search page: FTS5 "page" = the top 20 by
bm25 with snippets, the total and six facet counts (one query for the page, one for the
counts), against our `search()`. The ranking alone, the least work any engine can do: FTS5
"top" = the top 20 rowids by bm25, against our `ranked(limit=20)` (what a listing's box uses).

Each engine meets every query twice: "first" (terms never asked before: what a visitor with
an unusual query gets) and "again" (what the next visitor gets). Ours and FTS5 "page" run the
same query set; the "top" pair runs a second set of the same kinds, so that neither
baseline is measured on files the other just read. Ratios compare like with like:
first with first, again with again.
"""

import argparse
import json
import os
import random
import re
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from whoosh import index as whoosh_index  # noqa: E402

from portal.searching.analysis import codes as compact_codes  # noqa: E402
from portal.searching.analysis import fold  # noqa: E402
from portal.searching.documents import fields, schema  # noqa: E402
from portal.searching.engine import WRITER, Document, SearchIndex  # noqa: E402
from portal.searching.query import parse  # noqa: E402
from portal.searching.segments import SEGMENT_DOCS, SegmentBuilder  # noqa: E402

BODY_FIELDS = (
    "trinh_tu_thuc_hien",
    "thanh_phan_ho_so",
    "yeu_cau_dieu_kien",
    "can_cu_phap_ly",
    "doi_tuong_thuc_hien",
    "co_quan_thuc_hien",
)
AGENCIES = [
    "so-tu-phap",
    "so-xay-dung",
    "so-tai-chinh",
    "so-noi-vu",
    "so-y-te",
    "so-giao-duc",
    "so-cong-thuong",
    "so-nong-nghiep",
    "so-tai-nguyen",
    "cong-an-tinh",
    "ubnd-tinh",
    "ubnd-xa-tan-thanh",
    "ubnd-xa-phu-tan",
    "ubnd-phuong-1",
    "bhxh-tinh",
    "thue-tinh",
    "ban-quan-ly-kkt",
    "so-van-hoa",
    "so-khoa-hoc",
    "van-phong-dang-ky-dat-dai",
]
UNITS = [
    "Sở Tư pháp",
    "Sở Xây dựng",
    "Sở Tài chính",
    "Sở Nội vụ",
    "Sở Y tế",
    "Sở Công Thương",
    "UBND huyện Phú Tân",
    "UBND xã Tân Thành",
    "UBND phường 1",
    "Công an tỉnh",
    "Bảo hiểm xã hội tỉnh",
    "Văn phòng đăng ký đất đai",
]
PREFIXES = ["", "", "", "Cấp lại ", "Điều chỉnh ", "Gia hạn ", "Cấp đổi ", "Thủ tục "]
SUFFIXES = [
    "",
    "",
    "",
    " (cấp tỉnh)",
    " tại Ủy ban nhân dân cấp xã",
    " có yếu tố nước ngoài",
    " đối với tổ chức",
    " đối với cá nhân",
    " theo hình thức trực tuyến",
]
DOC_KINDS = ["KH-UBND", "UBND-NC", "QĐ-UBND", "TB-SNV", "BC-UBND", "CV-STP", "KL-TTr"]
FACET_NAMES = ("type", "agency", "field", "level", "status", "year")
COMMON_QUERIES = [
    "thủ tục hành chính",
    "nộp hồ sơ trực tiếp",
    "giấy chứng nhận",
    "ủy ban nhân dân cấp xã",
    "cơ quan có thẩm quyền",
    "thu tuc hanh chinh",
    "ho so de nghi",
    "ket qua giai quyet",
    "văn bản đề nghị",
    "bản sao chứng thực",
]


def load_rows():
    with open(ROOT / "portal" / "demo_data" / "procedures.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def _number(rng):
    return f"{rng.randint(1, 9999)}/{rng.choice(DOC_KINDS)}"


def _phone(rng):
    return f"0{rng.randint(200, 999)}.{rng.randint(100, 999)}.{rng.randint(100, 999)}"


def _day(rng):
    return date(2015, 1, 1) + timedelta(days=rng.randint(0, 11 * 365))


def make_corpus(n, seed=1):
    """N realistic documents: 85% procedures, the rest announcements, findings, hotlines."""
    rng = random.Random(seed)
    rows = load_rows()
    by_field = {}
    for r in rows:
        by_field.setdefault(r["linh_vuc"], []).append(r)
    sentences = [
        s.strip()
        for r in rows
        for s in re.split(r"(?<=[.;:])\s+", r["trinh_tu_thuc_hien"])
        if 40 < len(s.strip()) < 300
    ]
    docs = []
    for i in range(n):
        r = rows[i % len(rows)] if i < len(rows) else rng.choice(rows)
        day = _day(rng)
        kind = rng.random()
        if kind < 0.85:
            other = rng.choice(by_field[r["linh_vuc"]])
            third = rng.choice(rows)
            title = rng.choice(PREFIXES) + r["ten_thu_tuc"] + rng.choice(SUFFIXES)
            title = title[0].upper() + title[1:]
            body = "\n".join(
                [
                    r["trinh_tu_thuc_hien"],
                    other["thanh_phan_ho_so"],
                    r["yeu_cau_dieu_kien"],
                    third["can_cu_phap_ly"],
                    r["doi_tuong_thuc_hien"],
                    r["co_quan_thuc_hien"],
                ]
            )
            code = f"{rng.choice('12')}.{rng.randint(0, 999999):06d}"
            decision = f"{rng.randint(1, 3999)}/QĐ-{rng.choice(['UBND', 'BTP', 'BXD', 'BTC'])}"
            docs.append(
                Document(
                    type="procedure",
                    id=f"{code}-{i}",
                    title_vi=title,
                    body_vi=body,
                    codes=[code, decision],
                    agency=rng.choice(AGENCIES),
                    field=r["linh_vuc"],
                    level=[x.strip() for x in r["cap_thuc_hien"].split(",") if x.strip()],
                    status=rng.choices(["active", "amended", "abolished"], [85, 10, 5])[0],
                    date=day,
                    url=f"/procedures/{code}",
                    version=f"v{i}",
                )
            )
            continue
        unit, number = rng.choice(UNITS), _number(rng)
        if kind < 0.95:
            title = (
                f"Thông báo kết quả kiểm tra công tác cải cách hành chính năm {day.year} tại {unit}"
            )
            body = (
                f"Thực hiện Kế hoạch số {number} ngày {day:%d/%m/%Y} của Chủ tịch UBND tỉnh, "
                f"đoàn kiểm tra đã làm việc tại {unit}. "
                + " ".join(rng.sample(sentences, 6))
                + f" Mọi phản ánh xin gọi đường dây nóng {_phone(rng)}."
            )
            docs.append(
                Document(
                    type="announcement",
                    id=str(i),
                    title_vi=title,
                    body_vi=body,
                    codes=[number],
                    agency=rng.choice(AGENCIES),
                    date=day,
                    status="published",
                    url=f"/announcements/{i}",
                    version=f"v{i}",
                )
            )
        elif kind < 0.98:
            title = f"Hạn chế trong công khai thủ tục hành chính tại {unit}"
            body = (
                f"Theo Công văn số {number} ngày {day:%d/%m/%Y}, {unit} chưa niêm yết đầy "
                "đủ thủ tục hành chính tại bộ phận tiếp nhận và trả kết quả. "
                + " ".join(rng.sample(sentences, 3))
            )
            docs.append(
                Document(
                    type="finding",
                    id=str(i),
                    title_vi=title,
                    body_vi=body,
                    codes=[number],
                    agency=rng.choice(AGENCIES),
                    date=day,
                    status=rng.choice(["open", "fixed"]),
                    url=f"/findings/{i}",
                    version=f"v{i}",
                )
            )
        else:
            phone = _phone(rng)
            docs.append(
                Document(
                    type="hotline",
                    id=str(i),
                    title_vi=f"Đường dây nóng {unit}",
                    body_vi=f"Tiếp nhận phản ánh, kiến nghị về thủ tục hành chính: {phone}",
                    codes=[phone, str(rng.randint(1000, 1099))],
                    agency=rng.choice(AGENCIES),
                    url=f"/hotlines#{i}",
                    version=f"v{i}",
                )
            )
    # A few English translations, as an admin would add them.
    for doc in rng.sample(docs, max(1, n // 50)):
        doc.title_en = "Registration of " + rng.choice(
            ["birth", "business", "land use rights", "marriage", "construction permit"]
        )
        doc.body_en = "Applicants submit the dossier to the one-stop shop."
    return docs


def make_queries(docs, per_kind, seed=2, common=COMMON_QUERIES):
    """[(kind, query)]: 2 and 3–5 syllables with/without accents, phrases, codes, common."""
    rng = random.Random(seed)
    titles = [d.title_vi for d in docs if d.type == "procedure"]
    out = []

    def span(k):
        while True:
            words = re.findall(r"\w+", rng.choice(titles))
            if len(words) >= k:
                at = rng.randint(0, len(words) - k)
                return " ".join(words[at : at + k]).lower()

    for _ in range(per_kind):
        out.append(("2syl", span(2)))
        out.append(("2syl_plain", fold(span(2))))
        out.append(("3-5syl", span(rng.randint(3, 5))))
        out.append(("3-5syl_plain", fold(span(rng.randint(3, 5)))))
        out.append(("phrase", f'"{span(rng.randint(2, 3))}"'))
        doc = rng.choice(docs)
        code = rng.choice(doc.codes) if doc.codes else "1.001193"
        variants = [code, code.replace("/", " / "), fold(code), re.sub(r"[./\-\s]", "", code)]
        out.append(("code", rng.choice(variants)))
    return out + [("common", q) for q in common]


def folded_d(text):
    """FTS5's remove_diacritics leaves đ: fold it in Python (the baseline's documented setup)."""
    return (text or "").replace("đ", "d").replace("Đ", "D")


class Fts:
    """The SQLite FTS5 baseline."""

    def __init__(self, path):
        self.db = sqlite3.connect(path)

    def build(self, docs):
        db = self.db
        db.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(title, codes, body, "
            "tokenize='unicode61 remove_diacritics 2')"
        )
        db.execute(
            "CREATE TABLE meta (id INTEGER PRIMARY KEY, key, type, agency, field, "
            "level, status, year)"
        )
        rows = []
        for i, d in enumerate(docs, 1):
            codes = " ; ".join(d.codes) + " " + " ".join(compact_codes(fold(" ; ".join(d.codes))))
            rows.append((i, folded_d(d.title_vi), folded_d(codes), folded_d(d.body_vi)))
            if len(rows) == 5000:
                self._flush(rows)
                rows = []
        self._flush(rows)
        db.executemany(
            "INSERT INTO meta VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    i,
                    d.key,
                    d.type,
                    d.agency,
                    d.field,
                    ",".join(d.level),
                    d.status,
                    str(d.date.year) if d.date else None,
                )
                for i, d in enumerate(docs, 1)
            ],
        )
        db.commit()

    def _flush(self, rows):
        self.db.executemany(
            "INSERT INTO docs (rowid, title, codes, body) VALUES (?, ?, ?, ?)", rows
        )

    @staticmethod
    def match(query):
        """The FTS5 MATCH expression for our clauses (every clause required)."""
        parts = []
        for c in parse(query):
            phrase = '"' + " ".join(c.words) + '"'
            parts.append(f'("{c.code}" OR {phrase})' if c.code else phrase)
        return " AND ".join(parts)

    def top(self, query, limit=20):
        expr = self.match(query)
        if not expr:
            return []
        return self.db.execute(
            "SELECT rowid, bm25(docs, 5.0, 5.0, 1.0) AS r FROM docs "
            "WHERE docs MATCH ? ORDER BY r LIMIT ?",
            (expr, limit),
        ).fetchall()

    def page(self, query, limit=20):
        expr = self.match(query)
        if not expr:
            return [], 0, {}
        hits = self.db.execute(
            "SELECT rowid, snippet(docs, 2, '<mark>', '</mark>', '…', 30), "
            "bm25(docs, 5.0, 5.0, 1.0) AS r FROM docs WHERE docs MATCH ? ORDER BY r LIMIT ?",
            (expr, limit),
        ).fetchall()
        facets = {name: Counter() for name in FACET_NAMES}
        total = 0
        for row in self.db.execute(
            "SELECT type, agency, field, level, status, year FROM meta WHERE id IN "
            "(SELECT rowid FROM docs WHERE docs MATCH ?)",
            (expr,),
        ):
            total += 1
            for name, value in zip(FACET_NAMES, row, strict=True):
                for v in (value or "").split(",") if name == "level" else [value]:
                    if v:
                        facets[name][v] += 1
        return hits, total, facets


def cpu_seconds():
    """CPU time of this process and its finished children."""
    me, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def size_of(path):
    path = Path(path)
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def latencies(fn, queries):
    """{kind: [ms, ...]} of fn(query) over the query set."""
    out = {}
    for kind, q in queries:
        t = time.perf_counter()
        fn(q)
        out.setdefault(kind, []).append((time.perf_counter() - t) * 1000)
    out["all"] = [ms for kind in list(out) for ms in out[kind]]
    return out


def summary(times):
    """{kind: {"p50": ms, "p95": ms}}."""

    def pct(values, p):
        values = sorted(values)
        return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]

    return {
        k: {"p50": round(statistics.median(v), 1), "p95": round(pct(v, 95), 1)}
        for k, v in times.items()
    }


def _vm(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))


def writer_memory(work, docs):
    """MB a rebuild's writer process adds to write one full segment (forked, measured as its
    peak resident size above what it shared with the parent at the fork)."""
    path = Path(work) / "writer-memory"
    path.mkdir()
    ix = whoosh_index.create_in(str(path), schema())
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: write one segment as a rebuild's writer does, then report
        start = _vm("VmRSS")
        builder = SegmentBuilder(ix, WRITER["codec"])
        for doc in docs[:SEGMENT_DOCS]:
            builder.add(fields(doc))
        builder.finish()
        os.write(write, str(_vm("VmHWM") - start).encode())
        os._exit(0)
    os.close(write)
    kb = int(os.read(read, 64) or 0)
    os.waitpid(pid, 0)
    os.close(read)
    shutil.rmtree(path)
    return round(kb / 1024)


def edit_visible(index, docs):
    """Seconds from apply() of one edit until a search finds it."""
    doc = docs[0]
    marker = f"kiemtra{random.randint(100000, 999999)}"
    changed = Document(**{**doc.__dict__, "title_vi": doc.title_vi + " " + marker})
    t = time.perf_counter()
    index.apply([changed], [], index.position() + 1, wait=30)
    while not index.search(marker).total:
        if time.perf_counter() - t > 10:
            return None
        time.sleep(0.005)
    return round(time.perf_counter() - t, 3)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20000)
    parser.add_argument("--queries", type=int, default=40, help="queries per kind")
    parser.add_argument("--procs", type=int, default=None, help="indexing processes (ours)")
    parser.add_argument("--dir", default=None, help="work directory (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the indexes afterwards")
    args = parser.parse_args()

    work = Path(args.dir or tempfile.mkdtemp(prefix="search-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ["TMPDIR"] = str(work / "tmp")
    (work / "tmp").mkdir(exist_ok=True)
    tempfile.tempdir = None
    free = shutil.disk_usage(work).free
    if free < 20 * 2**30:
        print(f"warning: only {free / 2**30:.1f} GB free in {work}")

    docs = make_corpus(args.docs)
    # Two query sets of the same kinds: FTS5 "page" and "top" each meet queries first time.
    queries = make_queries(docs, args.queries, common=COMMON_QUERIES[::2])
    other = make_queries(docs, args.queries, seed=4, common=COMMON_QUERIES[1::2])
    warmup = make_queries(docs, 5, seed=3, common=[])
    print(f"{len(docs)} documents, {len(queries)} queries, work dir {work}")
    figures = {"docs": len(docs), "queries": len(queries)}

    index = SearchIndex(work / "ours")
    t, cpu = time.perf_counter(), cpu_seconds()
    index.rebuild(docs, position=1, procs=args.procs)
    took = time.perf_counter() - t
    figures["ours_index"] = {
        "seconds": round(took, 1),
        "docs_per_s": round(len(docs) / took),
        "cpu_seconds": round(cpu_seconds() - cpu, 1),
        "mb": round(size_of(work / "ours") / 2**20, 1),
    }
    figures["ours_index"]["writer_mb"] = writer_memory(work, docs)
    print("ours  index:", figures["ours_index"])

    fts = Fts(str(work / "fts.db"))
    t = time.perf_counter()
    fts.build(docs)
    took = time.perf_counter() - t
    figures["fts_index"] = {
        "seconds": round(took, 1),
        "docs_per_s": round(len(docs) / took),
        "mb": round(size_of(work / "fts.db") / 2**20, 1),
    }
    print("fts5  index:", figures["fts_index"])

    for _, q in warmup:
        index.search(q)
        fts.page(q)
        fts.top(q)

    def twice(fn, queries):
        """(first run, second run): terms never asked before, then the same again."""
        return summary(latencies(fn, queries)), summary(latencies(fn, queries))

    runs = {}
    runs["ours"], runs["ours_warm"] = twice(lambda q: index.search(q, per_page=20), queries)
    runs["fts_page"], runs["fts_page_warm"] = twice(fts.page, queries)
    runs["ours_top"], runs["ours_top_warm"] = twice(lambda q: index.ranked(q, limit=20), other)
    runs["fts_top"], runs["fts_top_warm"] = twice(fts.top, other)
    figures["latency_ms"] = runs

    def ratio(a, b):
        return {k: round(runs[a][k]["p95"] / max(runs[b][k]["p95"], 0.1), 2) for k in runs[a]}

    figures["ratio_p95"] = {
        "vs_fts_page": ratio("ours", "fts_page"),
        "vs_fts_page_warm": ratio("ours_warm", "fts_page_warm"),
        "vs_fts_top": ratio("ours_top", "fts_top"),
        "vs_fts_top_warm": ratio("ours_top_warm", "fts_top_warm"),
    }
    print("p95 in ms; first = each query's first run, again = its second run; ratio = ours/FTS5")
    columns = [
        ("ours", "ours"),
        ("fts_page", "page"),
        ("vs_fts_page", "ratio"),
        ("ours_warm", "ours again"),
        ("fts_page_warm", "page again"),
        ("vs_fts_page_warm", "ratio"),
        ("ours_top", "ours top"),
        ("fts_top", "top"),
        ("vs_fts_top", "ratio"),
        ("ours_top_warm", "again"),
        ("fts_top_warm", "top again"),
        ("vs_fts_top_warm", "ratio"),
    ]
    print(f"{'kind':13}" + "".join(f"{label:>11}" for _, label in columns))
    for kind in runs["ours"]:
        cells = [
            figures["ratio_p95"][name][kind] if name.startswith("vs_") else runs[name][kind]["p95"]
            for name, _ in columns
        ]
        print(f"{kind:13}" + "".join(f"{cell:>11}" for cell in cells))
    print(
        f"{'p50 all':13}"
        + "".join(
            f"{'' if name.startswith('vs_') else runs[name]['all']['p50']:>11}"
            for name, _ in columns
        )
    )

    figures["edit_visible_s"] = edit_visible(index, docs)
    print("edit visible after", figures["edit_visible_s"], "s")
    index.close()
    fts.db.close()
    if not args.keep and not args.dir:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
