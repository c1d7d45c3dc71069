"""`flask agencies merge FROM INTO`: one agency where the directory holds two.

Everything that points at FROM (procedures, hotlines, child bodies, announcements,
inspections, findings, letters) then points at INTO; FROM's slug and name become INTO's
aliases, so its old URL redirects and an import that names it finds INTO. The search index
hears of every record whose document changes, in the same transaction.
"""

from collections import Counter

import sqlalchemy as sa

from portal.models import Agency, AgencyAlias, db

# Contact details INTO takes from FROM where it has none.
FILLED = ("name_en", "address", "phone", "email", "website", "working_hours_vi", "working_hours_en")
# A table that points at agencies, and which index documents its rows are in: (kind, column).
INDEXED = {
    "agency": ("agency", "id"),
    "announcement": ("announcement", "id"),
    "hotline": ("hotline", "id"),
    "inspection": ("inspection", "id"),
    "inspected_unit": ("inspection", "inspection_id"),
    "inspection_member": ("inspection", "inspection_id"),
    "finding": ("finding", "id"),
    "procedure_agency": ("procedure", "procedure_id"),
}


class MergeError(ValueError):
    pass


def references():
    """Every (table, column) that points at an agency, read from the schema itself."""
    return [
        (table, column)
        for table in db.metadata.sorted_tables
        for column in table.columns
        if table.name != "agency_alias"
        and any(fk.column.table.name == "agency" for fk in column.foreign_keys)
    ]


def merge(source_slug, target_slug):
    """Merge the agency `source_slug` into `target_slug` and commit; returns what moved,
    {table: rows}. Raises MergeError for an unknown slug or an agency merged into itself."""
    source, target = (_agency(slug) for slug in (source_slug, target_slug))
    if source.id == target.id:
        raise MergeError("an agency cannot be merged into itself")
    if _descends(target, source):
        raise MergeError(f"{target.slug} is under {source.slug}: merge the other way round")
    moved, keys = Counter(), {f"agency:{source.id}", f"agency:{target.id}"}
    connection = db.session.connection()
    for table, column in references():
        rows = connection.execute(sa.select(table).where(column == source.id)).mappings().all()
        if not rows:
            continue
        if kind := INDEXED.get(table.name):
            keys.update(f"{kind[0]}:{row[kind[1]]}" for row in rows)
        if column.primary_key:  # a link row: drop it where INTO already has the same link
            others = [c for c in table.primary_key.columns if c is not column]
            for row in rows:
                same = sa.and_(column == target.id, *(c == row[c.name] for c in others))
                if connection.scalar(sa.select(sa.func.count()).select_from(table).where(same)):
                    connection.execute(
                        sa.delete(table).where(
                            column == source.id, *(c == row[c.name] for c in others)
                        )
                    )
        result = connection.execute(
            sa.update(table).where(column == source.id).values({column.name: target.id})
        )
        moved[table.name] += result.rowcount or len(rows)
    for field in FILLED:
        if not getattr(target, field) and getattr(source, field):
            setattr(target, field, getattr(source, field))
    db.session.execute(
        sa.update(AgencyAlias).where(AgencyAlias.agency_id == source.id).values(agency_id=target.id)
    )
    db.session.add(AgencyAlias(slug=source.slug, name_vi=source.name_vi, agency_id=target.id))
    db.session.expire_all()  # the rows above changed behind the session's back
    db.session.delete(db.session.get(Agency, source.id))
    db.session.info.setdefault("search_keys", set()).update(keys)
    db.session.commit()
    return dict(moved)


def _agency(slug):
    agency = db.session.scalar(sa.select(Agency).filter_by(slug=slug))
    if agency is None:
        raise MergeError(f'no agency with the slug "{slug}"')
    return agency


def _descends(agency, ancestor):
    while agency is not None:
        if agency.id == ancestor.id:
            return True
        agency = agency.parent
    return False
