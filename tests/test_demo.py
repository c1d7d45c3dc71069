"""The demo province loads, and loading it twice changes nothing."""

import sqlalchemy as sa
from pagetext import visible_text

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
    # The 9 districts and their communes, as they were until 1 July 2025, each with the
    # body that took over its duties; the communes since then sit under the province.
    districts = [a for a in province.children if a.level == Level.DISTRICT]
    assert len(districts) == 9
    assert sum(len(d.children) for d in districts) >= 20
    assert all(not d.is_current() and d.successor.is_current() for d in districts)
    communes = [a for a in province.children if a.level == Level.COMMUNE]
    assert len(communes) >= 9 and all(c.is_current() for c in communes)
    assert db.session.scalar(sa.select(sa.func.count()).where(Hotline.is_main)) == 1
    untranslated = db.session.scalars(
        sa.select(Announcement).where(Announcement.title_en.is_(None))
    ).first()
    html = client.get(f"/en/announcements/{untranslated.slug}").get_data(as_text=True)
    assert "Not yet translated" in html
    hotlines = client.get("/vi/hotlines").get_data(as_text=True)
    assert hotlines.count('class="hotline"') >= 10
    # A district's number is no longer offered as current (was: 9 district hotlines in 2026),
    # but stays on the district's own page, for the record.
    assert "huyện Phú Tân" not in hotlines
    district = client.get("/vi/agencies/ubnd-huyen-phu-tan").get_data(as_text=True)
    assert "Cơ quan này đã thôi hoạt động từ ngày 01/07/2025." in visible_text(district)
    assert 'href="/vi/agencies/ubnd-xa-cai-doi-vam"' in district
    # A 2019 finding of a district says who follows it up now.
    page = client.get("/en/inspections/kiem-tra-cchc-thoi-binh-u-minh-nam-can-2019").text
    unit = page.split('id="unit-ubnd-huyen-thoi-binh"', 1)[1].split("</section>")[0]
    assert "its duties, and the follow-up of these findings, passed to" in visible_text(unit)
    assert 'href="/en/agencies/ubnd-xa-thoi-binh"' in unit
