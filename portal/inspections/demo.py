"""Demo inspections of the Cà Mau province, written from the seed news reports."""

from pathlib import Path

from portal.inspections import importer

DATA = Path(__file__).resolve().parent.parent / "demo_data" / "inspections.jsonl"


def load():
    """Import the demo inspections; a second run changes nothing. Returns the counts."""
    return importer.import_jsonl(DATA)
