"""Settings from the environment and the errors that stop a misconfigured start."""

import pytest

from portal import ConfigError, create_app


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
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://user@db.example/portal"
    assert app.config["SEARCH_INDEX_DIR"] == str(tmp_path)
    assert app.config["PORTAL_NAME"] == "Cổng thử"
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True


def test_an_unsupported_database_is_refused(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.setenv("DATABASE_URL", "mysql://root@localhost/portal")
    with pytest.raises(ConfigError, match="DATABASE_URL must be a sqlite"):
        create_app()


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app):
    from portal.models import db

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000
