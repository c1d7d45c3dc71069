"""Settings from the environment and the errors that stop a misconfigured start."""

import pytest
import sqlalchemy as sa

from portal import ConfigError, create_app
from portal.models import db


def test_secret_key_is_required_outside_debug_and_tests(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app()


def test_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("DATABASE_URL", "postgres://user@db.example/portal")
    monkeypatch.setenv("SEARCH_INDEX_DIR", str(tmp_path))
    monkeypatch.setenv("PORTAL_NAME", "Cổng thử")
    monkeypatch.setenv("TRUSTED_HOSTS", "congkhai.camau.gov.vn, localhost")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://user@db.example/portal"
    assert app.config["SEARCH_INDEX_DIR"] == str(tmp_path)
    assert app.config["PORTAL_NAME"] == "Cổng thử"
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True
    assert app.config["TRUSTED_HOSTS"] == ["congkhai.camau.gov.vn", "localhost"]


def test_an_unsupported_database_is_refused(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.setenv("TRUSTED_HOSTS", "localhost")
    monkeypatch.setenv("DATABASE_URL", "mysql://root@localhost/portal")
    with pytest.raises(ConfigError, match="DATABASE_URL must be a sqlite"):
        create_app()


def test_trusted_hosts_are_required_outside_debug_and_tests(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(ConfigError, match="TRUSTED_HOSTS is not set"):
        create_app()
    monkeypatch.setenv("TRUSTED_HOSTS", "localhost")
    monkeypatch.setenv("PROXY_COUNT", "²")
    with pytest.raises(ConfigError, match="PROXY_COUNT must be the number of proxies"):
        create_app()


def test_a_forged_host_is_refused_and_absolute_links_use_a_trusted_one(app, client, index):
    app.config["TRUSTED_HOSTS"] = ["congkhai.camau.gov.vn"]
    response = client.get("/vi/procedures?format=csv", headers={"Host": "evil.example"})
    assert response.status_code == 400
    response = client.get("/api/v1/search?q=a", headers={"Host": "evil.example"})
    assert response.status_code == 400 and response.get_json()["error"] == "Bad Request"
    response = client.get("/vi/", headers={"Host": "congkhai.camau.gov.vn"})
    assert response.status_code == 200


def test_hsts_only_over_https_and_behind_a_proxy_only_when_configured(monkeypatch, tmp_path):
    def serve(proxies):
        monkeypatch.setenv("PROXY_COUNT", proxies)
        database = f"sqlite:///{tmp_path / 'portal.db'}"
        settings = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database}
        app = create_app({**settings, "SEARCH_INDEX_DIR": str(tmp_path)})
        return app.test_client()

    forwarded = {"X-Forwarded-Proto": "https"}
    assert "Strict-Transport-Security" not in serve("0").get("/healthz", headers=forwarded).headers
    response = serve("1").get("/healthz", headers=forwarded)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in serve("1").get("/healthz").headers
    response = serve("0").get("/healthz", base_url="https://localhost")
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app):
    from portal.models import db

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000


def test_connections_the_database_dropped_cost_no_request(app, client):
    # A PostgreSQL restart or failover ends every connection the pool holds; each is checked
    # before use (pool_pre_ping), so the next request gets a new one instead of a 500.
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no server to drop connections")
    assert client.get("/vi/procedures").status_code == 200
    db.session.remove()  # what the end of each request's app context does in production
    admin = sa.create_engine(db.engine.url)
    with admin.connect() as connection:
        dropped = connection.execute(
            sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar()
    admin.dispose()
    assert dropped >= 1
    for page in ("/vi/procedures", "/en/announcements", "/healthz"):
        assert client.get(page).status_code == 200, page


def test_every_kind_of_answer_carries_the_security_headers(
    client, sign_in, make_agency, make_announcement, make_hotline
):
    gone = make_announcement(status="withdrawn", withdrawn_reason_vi="Đăng nhầm.")
    other = make_hotline(agency=make_agency())
    answers = {
        "/vi/": client.get("/vi/"),
        "/ (to a language)": client.get("/"),
        "/vi/admin (to sign in)": client.get("/vi/admin"),
        "/vi/procedures?page=x": client.get("/vi/procedures?page=x"),
        "/vi/nothing-here": client.get("/vi/nothing-here"),
        "POST /vi/": client.post("/vi/"),
        f"/vi/announcements/{gone.slug}": client.get(f"/vi/announcements/{gone.slug}"),
        "/static/css/portal.css": client.get("/static/css/portal.css"),
    }
    sign_in("officer", make_agency())  # on `client`, after the visitor's answers
    answers["another agency's hotline"] = client.get(f"/vi/admin/hotlines/{other.id}")
    statuses = {where: answer.status_code for where, answer in answers.items()}
    assert set(statuses.values()) == {200, 302, 303, 400, 403, 404, 405, 410}, statuses
    for where, answer in answers.items():
        with answer:
            assert "default-src 'self'" in answer.headers["Content-Security-Policy"], where
            assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"], where
            assert answer.headers["X-Content-Type-Options"] == "nosniff", where
            assert answer.headers["X-Frame-Options"] == "DENY", where
            assert answer.headers["Referrer-Policy"] == "strict-origin-when-cross-origin", where
