"""The demo province's announcements."""

from pathlib import Path

from portal.announcements import importer

DATA = Path(__file__).resolve().parent.parent / "demo_data" / "announcements.jsonl"


def load():
    """Import the demo announcements; a second run changes nothing. Returns the counts."""
    return importer.import_jsonl(DATA)
