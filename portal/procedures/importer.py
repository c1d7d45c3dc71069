"""`flask import procedures`: upsert procedures by national code, keeping every change.

Detail records (JSON Lines) carry the whole procedure; list exports (XLSX) carry only the
code, name, agencies and field, and never blank what a detail record filled in. The import
is one transaction: any rejected row and nothing is written.
"""

import re
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from portal.importing import SourceError, all_or_nothing
from portal.models import (
    ContentStatus,
    Decision,
    DecisionAction,
    OnlineLevel,
    Procedure,
    ProcedureAgency,
    ProcedureDecision,
    ProcedureRevision,
    Sector,
    db,
    unique_slug,
)
from portal.procedures import life_events, sources
from portal.procedures.bodies import AgencyMatcher
from portal.procedures.provinces import another_province
from portal.text import fold

MAX_ERRORS = 20
ROLES = ("implementing", "competent", "coordinating")
# Fields whose changes are kept as revisions (column -> how a revision shows it).
TRACKED = (
    "name_vi",
    "sector",
    "procedure_type",
    "levels",
    "applicant_types",
    "steps",
    "channels",
    "documents",
    "legal_bases",
    "result",
    "results",
    "related_names",
    "processing_days",
    "fee_summary",
    "conditions_vi",
    "submission_address",
    "agency_names",
    "online_level",
    "source_url",
)


class ImportFailed(Exception):
    """Rows were rejected; nothing was written. `errors` holds the messages, `counts` the tally."""

    def __init__(self, errors, counts):
        self.errors, self.counts = errors, counts
        super().__init__(f"{len(errors)} rejected")


def read_path(path):
    """Yield (file name, row, values or SourceError) from a .jsonl or .xlsx file."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        rows, convert = sources.read_list_xlsx(path), _from_list_row
    elif path.suffix.lower() in (".jsonl", ".json", ".ndjson"):
        rows, convert = sources.read_records(path), _from_record
    else:
        raise SourceError(
            "unknown file type: expected .jsonl (records) or .xlsx (list export)", file=path.name
        )
    for number, row in rows:
        yield path.name, number, row if isinstance(row, SourceError) else convert(row)


def _from_record(record):
    """A parsed detail record as column values, plus the names to resolve."""
    levels = set(record["levels"])
    kinds = set(record["applicant_kinds"])
    has_online = any(channel["kind"] == "online" for channel in record["channels"])
    return {
        "code": record["code"],
        "sector": record["field_vi"],
        "decisions": record["decision_numbers"],
        "columns": {
            "name_vi": record["name_vi"],
            "procedure_type": record["procedure_type"],
            **{f"level_{level}": level in levels for level in Procedure.LEVELS},
            "applicant_types": record["applicant_types"],
            **{column: kind in kinds for kind, column in Procedure.APPLICANTS.items()},
            "steps": record["steps"],
            "channels": record["channels"],
            "documents": record["documents"],
            "legal_bases": record["legal_bases"],
            "result": record["result"] or {},
            "results": record["results"],
            "related_names": record["related_procedures"],
            "processing_days": record["processing_days"],
            "fee_summary": record["fee_summary"],
            "conditions_vi": record["conditions"],
            "submission_address": record["submission_address"],
            "agency_names": {
                "implementing": record["implementing_agencies"],
                "competent": record["competent_agencies"],
                "coordinating": record["coordinating_agencies"],
                "authorised": record["authorised_agencies"],
            },
            # The national record shows online submission, not whether results come back
            # online too, so "partial" is the most it can claim.
            "online_level": OnlineLevel.PARTIAL if has_online else OnlineLevel.NONE,
            "source_url": record["source_url"],
            "raw": record["raw"],
            "source_hash": record["source_hash"],
        },
    }


def _from_list_row(row):
    return {
        "code": row["code"],
        "sector": row["field_vi"],
        "decisions": [],
        "issuing_body": row["issuing_body"],
        "implementing": row["implementing_agencies"],
        "columns": {"name_vi": row["name_vi"]},
    }


class Importer:
    """One import run: caches of what exists, the counts, the errors."""

    def __init__(self, changed_by, other_provinces=False):
        self.changed_by = changed_by
        self.other_provinces = other_provinces
        self.home = current_app.config["PROVINCE_NAME_VI"]
        self.skipped = 0
        self.now = datetime.now(UTC)
        self.rejected = 0
        self.outcomes = {}  # code -> "created", "updated" or "unchanged"
        self.procedures = {
            p.code: p
            for p in db.session.scalars(
                sa.select(Procedure).options(
                    selectinload(Procedure.agencies), selectinload(Procedure.decisions)
                )
            )
        }
        self.sectors = {s.name_vi: s for s in db.session.scalars(sa.select(Sector))}
        self.decisions = {d.number: d for d in db.session.scalars(sa.select(Decision))}
        self.agencies = AgencyMatcher()
        self.seen = {}
        self.created = set()
        self.notes = []  # what a human should look at: see REPORT_COLUMNS

    def add(self, name, number, values):
        """Create or update one procedure from a source row."""
        code = values["code"]
        if (name, code) in self.seen:
            raise SourceError(
                f"code {code} already appears at line {self.seen[name, code]}",
                file=name,
                row=number,
                column="code",
            )
        self.seen[name, code] = number
        procedure = self.procedures.get(code)
        if "implementing" not in values:
            province = _other_province(values["columns"], self.home)
            if province and not self.other_provinces:
                detail = f"another province's own procedure (tỉnh {province})"
                self.note(name, number, code, "skipped", "ten_thu_tuc", detail)
                self.skipped += 1
                return
            values["columns"]["other_province"] = province
        self._note_row(name, number, values, procedure)
        columns = dict(values["columns"])
        sector = self._sector(values["sector"])
        if "implementing" in values:
            columns, sector = self._list_row_columns(procedure, values, columns, sector)
        elif procedure is not None:  # keep what a list export filled in where the record is silent
            columns["agency_names"] = {
                **procedure.agency_names,
                **{role: names for role, names in columns["agency_names"].items() if names},
            }
        if procedure is None:
            procedure = Procedure(code=code, sector=sector, imported_at=self.now, **columns)
            db.session.add(procedure)
            self.procedures[code] = procedure
            self.created.add(code)
            self._link(procedure, values, DecisionAction.ANNOUNCED)
            procedure.revisions.append(self._revision("created", values, {}))
            self.outcomes[code] = "created"
            return
        before, read_before = snapshot(procedure), procedure.source_hash
        for column, value in columns.items():
            if getattr(procedure, column) != value:
                setattr(procedure, column, value)
        if sector is not None and procedure.sector is not sector:
            procedure.sector = sector
        self._link(procedure, values, DecisionAction.AMENDED)
        changes = diff(before, snapshot(procedure))
        if {"name_vi", "conditions_vi"} & set(changes) and procedure.local is not None:
            # What the province's English translates changed: it now reads "outdated".
            procedure.local.vi_changed_at = self.now
        if code in self.created:
            return  # a list row completing a record created in this same run
        reread = read_before is not None and read_before == columns.get("source_hash")
        if changes and reread:  # the same record, read by a newer parser
            procedure.imported_at = self.now
            procedure.revisions.append(self._revision("reread", values, changes))
            self.outcomes[code] = "reread"
        elif changes:
            procedure.imported_at = self.now
            procedure.revisions.append(self._revision("updated", values, changes))
            self.outcomes[code] = "updated"
        else:
            self.outcomes.setdefault(code, "unchanged")

    def note(self, file, row, code, what, field, detail):
        self.notes.append(
            {
                "file": file,
                "row": row,
                "code": code,
                "what": what,
                "field": field or "",
                "detail": _short(detail),
            }
        )

    def _note_row(self, name, number, values, procedure):
        """Note what the page will show as published, and a list row that contradicts."""
        code, columns = values["code"], values["columns"]
        for field, text in (columns.get("raw") or {}).items():
            self.note(name, number, code, "kept_verbatim", field, text)
        for channel in columns.get("channels", ()):
            if channel.get("as_published"):
                self.note(
                    name,
                    number,
                    code,
                    "as_published",
                    "cach_thuc_thuc_hien",
                    channel["as_published"],
                )
        # A list row whose name is another procedure's than the detailed record's.
        if "implementing" in values and procedure is not None and procedure.source_url:
            listed, recorded = columns["name_vi"], procedure.name_vi
            if _comparable(listed) != _comparable(recorded):
                detail = f'list export: "{listed}"; detailed record: "{recorded}"'
                self.note(name, number, code, "conflict", "name", detail)

    @property
    def counts(self):
        """Each procedure counted once, by what happened to it; rejected rows apart."""
        counts = Counter(created=0, updated=0, unchanged=0, reread=0)
        counts.update(self.outcomes.values())
        counts["rejected"] = self.rejected
        counts["skipped"] = self.skipped
        return counts

    @staticmethod
    def _list_row_columns(procedure, values, columns, sector):
        """A list export only fills in: it never overrides what a detail record says."""
        names = dict(procedure.agency_names) if procedure else {}
        names.setdefault("implementing", [])
        if not names["implementing"]:
            names["implementing"] = values["implementing"]
        if values["issuing_body"]:
            names["issuing"] = [values["issuing_body"]]
        if procedure is None or not procedure.source_url:
            return {**columns, "agency_names": names}, sector
        return {"agency_names": names}, procedure.sector or sector

    def _revision(self, kind, values, changes):
        return ProcedureRevision(
            kind=kind,
            changed_by=self.changed_by,
            changed_at=self.now,
            decision_number=(values["decisions"] or [None])[0],
            changes=changes,
        )

    def _link(self, procedure, values, action):
        """Resolve agency names and decision numbers to rows and link them."""
        procedure.name_folded = fold(
            f"{procedure.code} {procedure.name_vi} {procedure.name_en or ''}"
        )
        procedure.source = self.changed_by
        # A level's role or another province's body is no agency: the page shows its words.
        wanted = {
            (role, agency)
            for role in ROLES
            for name in procedure.agency_names.get(role, [])
            if (agency := self.agencies.get(name)) is not None
        }
        have = {(link.role, link.agency) for link in procedure.agencies}
        if wanted != have:
            procedure.agencies[:] = [
                link for link in procedure.agencies if (link.role, link.agency) in wanted
            ]
            for role, agency in wanted - have:
                procedure.agencies.append(ProcedureAgency(role=role, agency=agency))
        existing = {link.decision.number for link in procedure.decisions}
        for number in values["decisions"]:
            if number not in existing:
                procedure.decisions.append(
                    ProcedureDecision(decision=self._decision(number), action=action)
                )

    def _sector(self, name):
        if not name:
            return None
        if name not in self.sectors:
            self.sectors[name] = Sector(name_vi=name, slug=unique_slug(Sector, name))
            db.session.add(self.sectors[name])
        return self.sectors[name]

    def _decision(self, number):
        if number not in self.decisions:
            self.decisions[number] = Decision(number=number)
            db.session.add(self.decisions[number])
        return self.decisions[number]


# The import report, one row per thing a human should look at. `what`: kept_verbatim (a
# field the parser could not cut: the page shows the source's text), as_published (a
# channel cell shown as published), conflict (a list row that names another procedure than
# the detailed record), refused (a row or file not imported, with the reason).
REPORT_COLUMNS = ("file", "row", "code", "what", "field", "detail")


def _short(text, limit=300):
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _comparable(name):
    """A name folded, without punctuation: "Thủ tục A." and "thủ tục a" are the same."""
    return " ".join(re.sub(r"[^\w\s]", " ", fold(name or "")).split())


def _other_province(columns, home):
    """Which other province a detailed record is the own procedure of, if it is one: its name
    names that province ("… trên địa bàn tỉnh Hà Tĩnh"). Not its address: national bodies
    sit in Hà Nội, and a national procedure another province's body carries out is still
    national (its page says whose body that is)."""
    return another_province(columns["name_vi"], home)


def snapshot(procedure):
    """The tracked fields as JSON-able values, for diffs."""
    values = {
        field: getattr(procedure, field) for field in TRACKED if field not in ("sector", "levels")
    }
    values["sector"] = procedure.sector.name_vi if procedure.sector else None
    values["levels"] = procedure.levels
    values["online_level"] = str(procedure.online_level) if procedure.online_level else None
    return values


def diff(before, after):
    return {
        field: [before[field], after[field]] for field in TRACKED if before[field] != after[field]
    }


def import_paths(paths, dry_run=False, changed_by=None, report=None, other_provinces=False):
    """Import every file in order, all or nothing. Returns the counts; raises ImportFailed.

    `report`, a list, receives one dict per thing a human should look at (REPORT_COLUMNS),
    refused rows included, whether the import is written or not. Another province's own
    procedures are skipped (and reported) unless `other_provinces`; then they are marked so.
    """
    errors = []
    notes = report if report is not None else []
    with all_or_nothing(db.session, dry_run):
        # Inside: what exists is read once the import's turn has come.
        importer = Importer(
            changed_by or "import: " + ", ".join(Path(p).name for p in paths), other_provinces
        )
        importer.notes = notes
        for path in paths:
            try:
                for name, number, values in read_path(path):
                    try:
                        if isinstance(values, SourceError):
                            raise values
                        importer.add(name, number, values)
                    except SourceError as error:
                        _refused(importer, error, name, number)
                        errors.append(str(error))
                        importer.rejected += 1
                    if len(errors) >= MAX_ERRORS:
                        break
            except SourceError as error:  # the file itself is unreadable
                _refused(importer, error, Path(path).name, None)
                errors.append(str(error))
                importer.rejected += 1
            if len(errors) >= MAX_ERRORS:
                break
        if errors:
            raise ImportFailed(errors, importer.counts)
        db.session.flush()
        life_events.assign()
    return importer.counts


def _refused(importer, error, name, number):
    importer.note(
        error.file or name, error.row or number, "", "refused", error.column, error.message
    )


def abolish(code, decision_number, on=None, replaced_by=None, changed_by="admin"):
    """Mark a procedure abolished by a decision; it stays on record and findable."""
    procedure = db.session.scalar(sa.select(Procedure).filter_by(code=code))
    if procedure is None:
        raise SourceError(f"no procedure with the code {code}")
    decision = db.session.scalar(sa.select(Decision).filter_by(number=decision_number))
    if decision is None:
        decision = Decision(number=decision_number, signed_on=on)
        db.session.add(decision)
    before = {
        "validity": str(procedure.validity),
        "abolished_on": _iso(procedure.abolished_on),
        "replaced_by_code": procedure.replaced_by_code,
    }
    procedure.validity = "abolished"
    procedure.abolished_on = on or date.today()
    procedure.replaced_by_code = replaced_by
    if not any(
        link.decision is decision and link.action == DecisionAction.ABOLISHED
        for link in procedure.decisions
    ):
        procedure.decisions.append(
            ProcedureDecision(decision=decision, action=DecisionAction.ABOLISHED)
        )
    after = {
        "validity": "abolished",
        "abolished_on": _iso(procedure.abolished_on),
        "replaced_by_code": replaced_by,
    }
    changes = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    if changes:
        procedure.revisions.append(
            ProcedureRevision(
                kind="abolished",
                changed_by=changed_by,
                decision_number=decision_number,
                changes=changes,
            )
        )
    db.session.commit()
    return bool(changes)


def _iso(value):
    return value.isoformat() if value else None


def translate(names_en, sectors_en, changed_by):
    """Set English names of procedures (by code) and fields (by Vietnamese name)."""
    changed = 0
    for procedure in db.session.scalars(
        sa.select(Procedure).where(Procedure.code.in_(list(names_en)))
    ):
        name_en = names_en[procedure.code]
        if procedure.local is not None and procedure.local.status == ContentStatus.PUBLISHED:
            continue  # the province published its own English: the file does not overrule it
        if procedure.name_en != name_en:
            procedure.revisions.append(
                ProcedureRevision(
                    kind="updated",
                    changed_by=changed_by,
                    changes={"name_en": [procedure.name_en, name_en]},
                )
            )
            procedure.name_en = name_en
            procedure.name_folded = fold(f"{procedure.code} {procedure.name_vi} {name_en}")
            changed += 1
    for sector in db.session.scalars(sa.select(Sector)):
        name_en = sectors_en.get(sector.name_vi)
        if name_en and sector.name_en != name_en:
            sector.name_en = name_en
            changed += 1
    db.session.commit()
    return changed
