"""Life events: curated groups of procedures for moments such as having a baby or marrying.

A procedure belongs to an event when its folded name holds one of the event's phrases or its
field is one of the event's fields. `assign()` recomputes the groups after every import.
"""

import sqlalchemy as sa

from portal.models import LifeEvent, Procedure, Sector, db, procedure_life_event
from portal.text import fold

# slug, Vietnamese, English, phrases in the name (folded), fields (folded names)
EVENTS = (
    (
        "having-a-baby",
        "Sinh con",
        "Having a baby",
        ("khai sinh", "tre em duoi 6 tuoi", "nhan cha, me, con", "thai san"),
        (),
    ),
    ("marriage", "Kết hôn", "Getting married", ("ket hon", "tinh trang hon nhan"), ()),
    (
        "death-in-the-family",
        "Khi có người thân qua đời",
        "When someone dies",
        ("khai tu", "mai tang", "tu tuat"),
        (),
    ),
    (
        "identity-and-residence",
        "Căn cước và cư trú",
        "Identity and residence",
        ("can cuoc", "thuong tru", "tam tru", "cu tru", "dinh danh"),
        ("cap, quan ly can cuoc", "dang ky, quan ly cu tru"),
    ),
    (
        "building-a-house",
        "Xây nhà, sửa nhà",
        "Building or repairing a house",
        ("giay phep xay dung", "xay dung nha o", "sua chua, cai tao"),
        ("hoat dong xay dung",),
    ),
    (
        "land-and-housing",
        "Đất đai, nhà ở",
        "Land and housing",
        ("quyen su dung dat", "nha o"),
        ("dat dai", "nha o va cong so"),
    ),
    (
        "starting-a-business",
        "Khởi sự kinh doanh",
        "Starting a business",
        ("ho kinh doanh", "thanh lap doanh nghiep", "dang ky doanh nghiep", "hop tac xa"),
        (
            "thanh lap va hoat dong cua doanh nghiep",
            "thanh lap va hoat dong doanh nghiep (ho kinh doanh)",
        ),
    ),
    (
        "driving-and-vehicles",
        "Lái xe, phương tiện",
        "Driving and vehicles",
        ("giay phep lai xe", "dang ky xe", "phuong tien"),
        (
            "sat hach, cap giay phep lai xe",
            "dang ky, quan ly phuong tien giao thong co gioi, xe may chuyen dung",
        ),
    ),
    (
        "certified-copies",
        "Chứng thực, công chứng",
        "Certified copies and notarisation",
        ("chung thuc", "cong chung"),
        ("chung thuc", "cong chung"),
    ),
)


def ensure_events():
    """Create or update the curated events; returns them by slug."""
    events = {e.slug: e for e in db.session.scalars(sa.select(LifeEvent))}
    for position, (slug, name_vi, name_en, _, _) in enumerate(EVENTS):
        event = events.get(slug)
        if event is None:
            event = events[slug] = LifeEvent(slug=slug)
            db.session.add(event)
        for column, value in (("name_vi", name_vi), ("name_en", name_en), ("position", position)):
            if getattr(event, column) != value:
                setattr(event, column, value)
    return events


def assign():
    """Recompute which procedures belong to which event (cheap: a few thousand rows)."""
    events = ensure_events()
    db.session.flush()
    rows = db.session.execute(
        sa.select(Procedure.id, Procedure.name_folded, Sector.name_vi).outerjoin(Procedure.sector)
    ).all()
    wanted = set()
    for procedure_id, name, sector in rows:
        sector = fold(sector or "")
        for slug, _, _, phrases, sectors in EVENTS:
            if sector in sectors or any(phrase in name for phrase in phrases):
                wanted.add((procedure_id, events[slug].id))
    have = set(
        db.session.execute(
            sa.select(procedure_life_event.c.procedure_id, procedure_life_event.c.life_event_id)
        ).all()
    )
    for procedure_id, event_id in have - wanted:
        db.session.execute(
            procedure_life_event.delete().where(
                procedure_life_event.c.procedure_id == procedure_id,
                procedure_life_event.c.life_event_id == event_id,
            )
        )
    if wanted - have:
        db.session.execute(
            procedure_life_event.insert(),
            [{"procedure_id": p, "life_event_id": e} for p, e in wanted - have],
        )
