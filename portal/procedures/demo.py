"""The demo province's procedures: 413 real national records, English names, two abolitions."""

import json
from collections import Counter
from datetime import date
from pathlib import Path

from portal.procedures import importer

DATA = Path(__file__).resolve().parent.parent / "demo_data"


# Two demo abolitions, so the abolished banner and the status filter have something to show.
ABOLISHED = (
    # code, decision (invented for the demo), effective date, replaced by
    ("1.004772", "1520/QĐ-UBND", date(2025, 7, 1), "1.000689"),
    ("2.001023", "1520/QĐ-UBND", date(2025, 7, 1), "2.000986"),
)


def load():
    """Import the demo procedures, their English names and two abolitions. Returns counts."""
    counts = Counter()
    result = importer.import_paths(
        [DATA / "procedures.jsonl"], changed_by="demo: national database records"
    )
    counts.update({key: result[key] for key in ("created", "updated", "unchanged")})
    counts["updated"] += result["reread"]
    counts["updated"] += importer.translate(
        _read("procedure_names_en.json"), _read("sectors_en.json"), "demo: English names"
    )
    for code, decision, on, replaced_by in ABOLISHED:
        if importer.abolish(code, decision, on=on, replaced_by=replaced_by, changed_by="demo"):
            counts["updated"] += 1
    return counts


def _read(name):
    return json.loads((DATA / name).read_text(encoding="utf-8"))
