"""The demo province loads, and loading it twice changes nothing."""

import sqlalchemy as sa

from portal.models import Agency, Announcement, Hotline, Level, db


def _snapshot():
    return {
        model.__name__: sorted((r.id, r.updated_at) for r in db.session.scalars(sa.select(model)))
        for model in (Agency, Hotline, Announcement)
    }


def test_demo_load_is_idempotent(runner):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    before = _snapshot()
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0
    assert second.output.startswith("demo records: 0 created, 0 updated, ")
    assert _snapshot() == before


def test_demo_province_is_believable(runner, client):
    runner.invoke(args=["demo", "load"])
    province = db.session.scalar(sa.select(Agency).filter_by(slug="ubnd-tinh"))
    districts = [a for a in province.children if a.level == Level.DISTRICT]
    assert len(districts) == 9
    assert sum(len(d.children) for d in districts) >= 20
    assert db.session.scalar(sa.select(sa.func.count()).where(Hotline.is_main)) == 1
    untranslated = db.session.scalars(
        sa.select(Announcement).where(Announcement.title_en.is_(None))
    ).first()
    html = client.get(f"/en/announcements/{untranslated.slug}").get_data(as_text=True)
    assert "Not yet translated" in html
    assert client.get("/vi/hotlines").get_data(as_text=True).count('class="hotline"') >= 30
