"""Benchmark: the public pages under gunicorn, side by side with a bare Flask page.

    python bench/pages.py [--data demo|full] [--workers 2] [--connections 16]
                          [--seconds 10] [--soak 0] [--fresh 10] [--database sqlite|postgresql]

One run starts two gunicorns with the same settings: the portal on a scratch database (the
demo province, or with `--data full` the shared national data too: 2,642 procedures) and a
bare Flask app answering one small page (bench/bare.py), the baseline. For each page it
reports the first render after start-up (cold, ms) and, under wrk with `--connections`
connections for `--seconds`, requests per second and p50 / p95 / p99 latency (warm), with
the ratio to the bare page; each page rendered anew after a change (`--fresh` times: the
counter the page cache keys on is moved, as an editor's commit moves it; median and p95),
which is what the first visitor after a publication waits for; then each worker's memory,
and its growth over `--soak` seconds of every page in turn (300 for the issue's five
minutes); and the bytes of each page as
sent plain, gzipped and with brotli (portal/delivery.py). `--accept-encoding "gzip, br"`
has wrk ask for compressed pages, so the figures include compressing them. Needs wrk
(Debian: apt install wrk). Ends with one line of JSON.
"""

import argparse
import gzip
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import brotli  # noqa: E402
import flask_migrate  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from portal import create_app, demo  # noqa: E402
from portal.indexing import sync  # noqa: E402
from portal.models import db  # noqa: E402
from portal.procedures import importer  # noqa: E402

PAGES = {
    "home": "/vi/",
    "finder": "/vi/procedures",
    "finder, a query": "/vi/procedures?q=dang+ky+khai+sinh",
    "finder, filters": "/vi/procedures?level=commune&applicant=citizen",
    "finder, English": "/en/procedures?sector=ho-tich",
    "a procedure": "/vi/procedures/1.000689",
    "inspections": "/vi/inspections",
    "an inspection": "/vi/inspections/kiem-tra-cchc-kiem-soat-tthc-2017",
    "findings": "/vi/inspections/findings",
    "search": "/vi/search?q=khai+sinh",
    "hotlines": "/vi/hotlines",
    "announcements": "/vi/announcements",
}
BARE = "/"
# wrk prints these as one JSON line when the run is done (its latencies are in µs).
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    '{"requests": %d, "seconds": %f, "errors": %d, "p50": %f, "p95": %f, "p99": %f}\\n',
    summary.requests, summary.duration / 1e6, errors, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=("demo", "full"), default="demo")
    parser.add_argument("--shared", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--soak", type=int, default=0, help="seconds of every page in turn")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--accept-encoding", default="", help='what wrk asks for, e.g. "br"')
    parser.add_argument("--fresh", type=int, default=10, help="renders of each page after a change")
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt install wrk)")
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        url = _database(options.database, directory)
        _prepare(url, directory, options.data, Path(options.shared))
        script = directory / "report.lua"
        script.write_text(WRK_SCRIPT, encoding="utf-8")
        figures = _measure(url, directory, script, options)
    figures.update(data=options.data, database=options.database, workers=options.workers,
                   accept_encoding=options.accept_encoding)  # fmt: skip
    print(json.dumps(figures, sort_keys=True))


def _database(kind, directory):
    if kind == "sqlite":
        return f"sqlite:///{directory}/bench.db"
    url = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench")
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def _prepare(url, directory, data, shared):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url,
                      "SEARCH_INDEX_DIR": str(directory / "index")})  # fmt: skip
    with app.app_context():
        if url.startswith("postgresql"):
            with db.engine.begin() as connection:
                connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        flask_migrate.upgrade(directory=str(ROOT / "portal" / "migrations"))
        demo.load()
        if data == "full":
            paths = [shared / "tthc-records.jsonl", *sorted((shared / "tthc-lists").glob("*.xlsx"))]
            importer.import_paths(paths)
        sync.rebuild()
        db.engine.dispose()


def _measure(url, directory, script, options):
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-only",
           "TRUSTED_HOSTS": "127.0.0.1", "SEARCH_INDEX_DIR": str(directory / "index")}  # fmt: skip
    portal = _serve("wsgi:app", 8751, options.workers, env)
    bare = _serve("bench.bare:app", 8752, options.workers, env)
    try:
        cold = {name: _first_render(8751, path) for name, path in PAGES.items()}
        sizes = {name: _sizes(8751, path) for name, path in PAGES.items()}
        before = _memory(portal)
        base = _wrk(8752, BARE, script, options)
        print(f"{'bare Flask page':<18} {base['rps']:8.0f} req/s  p50 {base['p50']:6.1f} ms  "
              f"p95 {base['p95']:6.1f}  p99 {base['p99']:6.1f}")  # fmt: skip
        warm = {}
        for name, path in PAGES.items():
            warm[name] = result = _wrk(8751, path, script, options)
            result["ratio"] = round(result["rps"] / base["rps"], 3) if base["rps"] else None
            print(f"{name:<18} {result['rps']:8.0f} req/s  p50 {result['p50']:6.1f} ms  "
                  f"p95 {result['p95']:6.1f}  p99 {result['p99']:6.1f}  "
                  f"{result['ratio']:.2f}x bare  cold {cold[name]:6.1f} ms  "
                  f"bytes {sizes[name]['plain']:7,} / gzip {sizes[name]['gzip']:6,} / "
                  f"br {sizes[name]['br']:6,}  errors {result['errors']}")  # fmt: skip
        fresh = _fresh_renders(url, options.fresh)
        for name, times in fresh.items():
            print(f"{name:<18} after a change: median {_percentile(times, 50):6.1f} ms  "
                  f"p95 {_percentile(times, 95):6.1f} ms")  # fmt: skip
        after = _memory(portal)
        soaked = {}
        if options.soak:
            ends = time.monotonic() + options.soak
            while time.monotonic() < ends:
                for path in PAGES.values():
                    _wrk(8751, path, script, options, seconds=2)
            soaked = _memory(portal)
        memory = {"start_mb": before, "after_pages_mb": after, "after_soak_mb": soaked}
        print(f"memory per worker (MB): start {before}, after the pages {after}"
              + (f", after {options.soak} s more {soaked}" if soaked else ""))  # fmt: skip
    finally:
        for server in (portal, bare):
            server.terminate()
            server.wait(10)
    worst = min(r["ratio"] for r in warm.values())
    return {
        "bare": base,
        "pages": warm,
        "cold_ms": {name: round(ms, 1) for name, ms in cold.items()},
        "cold_p95_ms": round(sorted(cold.values())[max(0, int(len(cold) * 0.95) - 1)], 1),
        "fresh_ms": {name: round(_percentile(times, 95), 1) for name, times in fresh.items()},
        "fresh_p95_ms": round(_percentile([t for ts in fresh.values() for t in ts], 95), 1),
        "bytes": sizes,
        "worst_ratio": worst,
        "errors": sum(r["errors"] for r in warm.values()) + base["errors"],
        "memory": memory,
    }


def _serve(target, port, workers, env):
    command = [str(Path(sys.executable).parent / "gunicorn"), "--workers", str(workers),
               "--bind", f"127.0.0.1:{port}", "--log-level", "warning", target]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    for _ in range(200):
        try:
            _get(port, "/healthz" if target == "wsgi:app" else BARE)
            return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit(f"gunicorn did not start {target}")


def _get(port, path, encoding=None):
    """The page's status and its bytes as sent (compressed when `encoding` is asked)."""
    headers = {"Host": "127.0.0.1", **({"Accept-Encoding": encoding} if encoding else {})}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    if response.status >= 400:
        raise SystemExit(f"{path} answered {response.status}")
    if response.getheader("Content-Encoding") != encoding:
        raise SystemExit(
            f"{path} asked for {encoding}, came {response.getheader('Content-Encoding')}"
        )
    return response.status, body


def _sizes(port, path):
    """The bytes of a page sent plain, gzipped and with brotli; each the same page."""
    _, plain = _get(port, path)
    _, zipped = _get(port, path, "gzip")
    _, squeezed = _get(port, path, "br")
    if not gzip.decompress(zipped) == brotli.decompress(squeezed) == plain:
        raise SystemExit(f"{path}: the compressed page is not the same page")
    return {"plain": len(plain), "gzip": len(zipped), "br": len(squeezed)}


def _fresh_renders(url, rounds):
    """Each page rendered anew after a change, `rounds` times, in workers that have served it
    before: what a visitor waits for after an editor publishes (the counter the page cache
    keys on moves, as a content commit moves it). {page: [ms, …]}."""
    engine = sa.create_engine(url)
    times = {name: [] for name in PAGES}
    try:
        for _ in range(rounds):
            with engine.begin() as connection:
                connection.execute(sa.text("UPDATE page_generation SET number = number + 1"))
            for name, path in PAGES.items():
                times[name].append(_first_render(8751, path))
    finally:
        engine.dispose()
    return times


def _percentile(values, percent):
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * percent // 100) - 1)] if ordered else 0.0


def _first_render(port, path):
    started = time.perf_counter()
    _get(port, path)
    return (time.perf_counter() - started) * 1000


def _wrk(port, path, script, options, seconds=None):
    command = [
        "wrk", "-t2", f"-c{options.connections}", f"-d{seconds or options.seconds}s",
        "--timeout", "30s", "-H", "Host: 127.0.0.1", "-s", str(script),
        f"http://127.0.0.1:{port}{path}",
    ]  # fmt: skip
    if options.accept_encoding:  # the bare page is too small to compress: asking costs it nothing
        command[1:1] = ["-H", f"Accept-Encoding: {options.accept_encoding}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    found = json.loads(re.findall(r"^\{.*\}$", output, re.MULTILINE)[-1])
    return {
        "rps": round(found["requests"] / found["seconds"], 1),
        "p50": round(found["p50"], 2),
        "p95": round(found["p95"], 2),
        "p99": round(found["p99"], 2),
        "errors": found["errors"],
    }


def _memory(server):
    """Resident memory of each worker (the master's children), in MB."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    sizes = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        sizes.append(round(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024, 1))
    return sorted(sizes)


if __name__ == "__main__":
    main()
