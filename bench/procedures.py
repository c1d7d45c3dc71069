"""Benchmark: the procedure import and the finder's page time with every record loaded.

    python bench/procedures.py [--data ../shared/data] [--database sqlite|postgresql]

Baselines in the same run: parsing alone (the floor an import cannot beat) and, for the
finder, the bare list query without facet counts. The search index is rebuilt after the
import, so the finder's text box runs on the engine as in production. Ends with one line
of JSON.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import flask_migrate  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from portal import create_app  # noqa: E402
from portal.indexing import sync  # noqa: E402
from portal.listing import ranked_ids  # noqa: E402
from portal.models import Procedure, db  # noqa: E402
from portal.procedures import importer  # noqa: E402
from portal.procedures.queries import Filters, Finder  # noqa: E402

FINDER_URLS = (
    "/vi/procedures",
    "/vi/procedures?level=commune",
    "/en/procedures?applicant=citizen&level=province",
    "/vi/procedures?q=dang+ky",
    "/vi/procedures?q=thu+tuc",  # broad: nearly every procedure, ordered by rank
    "/vi/procedures?q=giay+chung+nhan&page=3",
    "/vi/procedures?event=having-a-baby",
    "/vi/procedures?sort=time&page=5",
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=20)
    options = parser.parse_args()
    data = Path(options.data)
    paths = [data / "tthc-records.jsonl", *sorted((data / "tthc-lists").glob("*.xlsx"))]

    with tempfile.TemporaryDirectory() as tmp:
        uri = f"sqlite:///{tmp}/bench.db"
        if options.database == "postgresql":
            uri = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1/test")
            uri = uri.replace("postgresql://", "postgresql+psycopg://", 1)
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": uri, "SEARCH_INDEX_DIR": tmp})
        with app.app_context():
            if options.database == "postgresql":
                with db.engine.begin() as connection:
                    connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            flask_migrate.upgrade()
            figures = run(app, paths, options.repeat)
            figures["database"] = options.database
            db.engine.dispose()
    print(json.dumps(figures, sort_keys=True))


def run(app, paths, repeat):
    started = time.perf_counter()
    parsed = sum(1 for path in paths for _ in importer.read_path(path))
    parse_s = time.perf_counter() - started

    started = time.perf_counter()
    counts = importer.import_paths(paths)
    import_s = time.perf_counter() - started
    started = time.perf_counter()
    again = importer.import_paths(paths)
    reimport_s = time.perf_counter() - started
    total = db.session.scalar(sa.select(sa.func.count(Procedure.id)))
    print(f"rows read {parsed:,}; procedures {total:,}")
    print(f"parse only (baseline)  {parse_s:6.2f} s")
    print(f"first import           {import_s:6.2f} s   {dict(counts)}")
    print(f"second import          {reimport_s:6.2f} s   {dict(again)}")

    started = time.perf_counter()
    indexed = sync.rebuild()
    index_s = time.perf_counter() - started
    print(f"search index rebuilt   {index_s:6.2f} s   {indexed:,} documents")

    client = app.test_client()
    page_ms, bare_ms = {}, {}
    for url in FINDER_URLS:
        page_ms[url] = _timed(lambda u=url: client.get(u).status_code, repeat)
        with app.test_request_context(url):
            from flask import request

            filters = Filters.from_args(request.args)
            finder = Finder(filters, ranked_ids(filters.q, "procedure") if filters.q else None)
            bare_ms[url] = _timed(
                lambda f=finder: db.session.scalars(f.select().limit(20)).all(), repeat
            )
        print(
            f"finder {url:<55} p50 {statistics.median(page_ms[url]):6.1f} ms  "
            f"p95 {_p95(page_ms[url]):6.1f} ms   bare list query p50 "
            f"{statistics.median(bare_ms[url]):5.1f} ms"
        )
    return {
        "rows_read": parsed,
        "procedures": total,
        "parse_s": round(parse_s, 2),
        "import_s": round(import_s, 2),
        "reimport_s": round(reimport_s, 2),
        "index_s": round(index_s, 2),
        "indexed": indexed,
        "finder_p50_ms": {u: round(statistics.median(v), 1) for u, v in page_ms.items()},
        "finder_p95_ms": {u: round(_p95(v), 1) for u, v in page_ms.items()},
        "bare_query_p50_ms": {u: round(statistics.median(v), 1) for u, v in bare_ms.items()},
    }


def _timed(function, repeat):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _p95(values):
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


if __name__ == "__main__":
    main()
