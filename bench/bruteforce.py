"""Benchmark: password guessing against gunicorn with several workers, counted.

    python bench/bruteforce.py [--workers 4] [--attempts 300] [--threads 16]
                               [--database sqlite|postgresql]

Three bursts in one run, each from many threads at once:
- guesses at one account from one address;
- guesses at another account from a new address each time (X-Forwarded-For, one proxy
  trusted), as a botnet would;
- the baseline: right passwords for twenty other accounts in turn, to show how many
  attempts the same server answers in the same time when nothing is throttled.

"Checked" counts the guesses whose password the portal verified (a 401): that is what an
attacker got to try. Without throttling every guess would be checked. Ends with one line of
JSON.
"""

import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import flask_migrate  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from portal import create_app  # noqa: E402
from portal.models import db  # noqa: E402
from portal.users import accounts  # noqa: E402

PASSWORD = "mưa phùn trên sông Gành Hào"  # noqa: S105 (a scratch database's account)
TARGET, SPREAD = "target@camau.gov.vn", "spread@camau.gov.vn"
# The baseline signs in to one account of twenty in turn: one person does not sign in
# sixteen times at once, and sixteen attempts in flight at one account count as guesses.
BASELINES = [f"base{n}@camau.gov.vn" for n in range(20)]


def _prepare(database_url, directory):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True,
                      "SEARCH_INDEX_DIR": str(directory / "index")})  # fmt: skip
    with app.app_context():
        if database_url.startswith("postgresql"):
            db.session.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        flask_migrate.upgrade(directory=str(ROOT / "portal" / "migrations"))
        for email in (TARGET, SPREAD, *BASELINES):
            accounts.create(email, "editor", PASSWORD)
        db.session.commit()


def _postgres_database(name):
    """A database of its own on the local server (never the tests' one), made if missing."""
    server = sa.create_engine(
        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT"
    )
    with server.connect() as connection:
        exists = connection.scalar(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        )
        if not exists:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def _serve(database_url, directory, workers, port):
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-only",
        "TRUSTED_HOSTS": "127.0.0.1",
        "PROXY_COUNT": "1",
        "SEARCH_INDEX_DIR": str(directory / "index"),
    }
    command = [str(Path(sys.executable).parent / "gunicorn"), "--workers", str(workers),
               "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    for _ in range(100):
        try:
            _get(port, "/healthz", {})
            return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def _get(port, path, headers):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    return response, response.read().decode()


def _attempt(port, email, password, address):
    """One sign-in as a browser makes it: the form (its cookie and token), then the post."""
    headers = {"X-Forwarded-For": address} if address else {}
    response, page = _get(port, "/vi/account/login", headers)
    cookie = response.getheader("Set-Cookie", "").split(";", 1)[0]
    token = re.search(r'name="csrf_token"[^>]*? value="([^"]+)"', page).group(1)
    body = urlencode({"email": email, "password": password, "csrf_token": token})
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(
        "POST",
        "/vi/account/login",
        body=body,
        headers={**headers, "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
    )
    status = connection.getresponse().status
    connection.close()
    return status


def _burst(port, attempts, threads, emails, password, addresses):
    statuses, lock, numbers = Counter(), threading.Lock(), iter(range(attempts))

    def work():
        while True:
            with lock:
                n = next(numbers, None)
            if n is None:
                return
            status = _attempt(port, emails(n), password, addresses(n))
            with lock:
                statuses[status] += 1

    started = time.perf_counter()
    pool = [threading.Thread(target=work) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return {
        "attempts": attempts,
        "checked": statuses[401],
        "throttled": statuses[429],
        "signed_in": statuses[303],
        "other": sum(n for s, n in statuses.items() if s not in (401, 429, 303)),
        "other_statuses": {s: n for s, n in statuses.items() if s not in (401, 429, 303)},
        "seconds": round(time.perf_counter() - started, 2),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--attempts", type=int, default=300)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--port", type=int, default=5099)
    parser.add_argument(
        "--baseline-accounts", type=int, default=20, help="1: every right password at once"
    )
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        url = (
            f"sqlite:///{directory / 'bench.db'}"
            if options.database == "sqlite"
            else _postgres_database("bench_bruteforce")
        )
        _prepare(url, directory)
        server = _serve(url, directory, options.workers, options.port)
        try:
            run = (options.port, options.attempts, options.threads)
            results = {
                "one_address": _burst(
                    *run, lambda n: TARGET, "wrong guess", lambda n: "198.51.100.7"
                ),
                "many_addresses": _burst(
                    *run,
                    lambda n: SPREAD.upper(),
                    "another guess",
                    lambda n: f"10.{n // 250}.{n % 250}.1",
                ),
                "baseline_right_password": _burst(
                    *run,
                    lambda n: BASELINES[n % options.baseline_accounts],
                    PASSWORD,
                    lambda n: f"172.16.{n // 250}.{n % 250}",
                ),
            }
        finally:
            server.terminate()
            server.wait()
    print(f"{'burst':<26}{'attempts':>9}{'checked':>9}{'throttled':>10}{'signed in':>10}"
          f"{'other':>7}{'seconds':>9}")  # fmt: skip
    for name, row in results.items():
        print(f"{name:<26}{row['attempts']:>9}{row['checked']:>9}{row['throttled']:>10}"
              f"{row['signed_in']:>10}{row['other']:>7}{row['seconds']:>9}")  # fmt: skip
    print(f"(gunicorn, {options.workers} workers, {options.threads} threads at once, "
          f"{options.database}; without throttling every guess would be checked)")  # fmt: skip
    print(json.dumps({"workers": options.workers, "database": options.database, **results}))


if __name__ == "__main__":
    main()
