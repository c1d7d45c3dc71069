"""Backups: `flask backup` while the portal runs, `flask restore` into an empty database,
the index rebuilt from it, and the same pages as before (a drill on both databases)."""

import pytest
import sqlalchemy as sa
from pagetext import visible_text

from portal import create_app
from portal.indexing import sync
from portal.models import db

PAGES = ("/vi/announcements", "/en/agencies", "/vi/hotlines", "/vi/search?q=ho+tich")


@pytest.fixture
def empty_database(app, tmp_path):
    """A second, empty database of the same kind."""
    if db.engine.dialect.name == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    url = db.engine.url
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text("DROP DATABASE IF EXISTS test_restore"))
        connection.execute(sa.text("CREATE DATABASE test_restore"))
    yield url.set(database="test_restore").render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(sa.text("DROP DATABASE IF EXISTS test_restore (FORCE)"))
    admin.dispose()


def test_a_backup_restores_into_an_empty_database_with_the_same_pages(
    app, client, runner, index, make_agency, make_hotline, make_announcement, tmp_path,
    empty_database,
):  # fmt: skip
    agency = make_agency(slug="so-tu-phap", name_vi="Sở Tư pháp", name_en="Justice Department")
    make_hotline(agency=agency, purpose_vi="Đường dây nóng hộ tịch")
    make_announcement(slug="ho-tich", title_vi="Thông báo về hộ tịch")
    before = {page: visible_text(client.get(page).text) for page in PAGES}
    path = tmp_path / "portal.backup"
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0 and "database backed up to" in result.output
    assert runner.invoke(args=["backup", str(path)]).exit_code == 1  # never overwritten

    restored = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": empty_database,
            "SEARCH_INDEX_DIR": str(tmp_path / "restored_index"),
            "PAGE_CACHE_DIR": str(tmp_path / "restored_pages"),
        }
    )
    with restored.app_context():
        cli = restored.test_cli_runner()
        result = cli.invoke(args=["restore", str(path)])
        assert result.exit_code == 0, result.output
        assert "search index rebuilt: 3 documents" in result.output  # agency, hotline, news
        assert sync.check() == {"missing": [], "orphaned": [], "stale": []}
        pages = restored.test_client()
        assert {page: visible_text(pages.get(page).text) for page in PAGES} == before
        again = cli.invoke(args=["restore", str(path)])
        assert again.exit_code == 1 and "the database is not empty" in again.output
        restored.extensions["search_index"].close()
        db.session.remove()
        db.engine.dispose()
