"""Reading a download's CSV as a person's spreadsheet would: rows by header, and what a cell
becomes when a spreadsheet opens the file (a number, a formula or text)."""

import csv
import io

# What a spreadsheet trims before it reads a number: LibreOffice read " 1.5" and
# "\u00a01.5" as 1.5 (portal/downloads.py); Python's float() strips these and more.
TRIMMED = " \t\u00a0"
# Decimal and grouping marks: English (1,234.5) and Vietnamese (1.234,5) locales.
LOCALES = {"en": (".", ","), "vi": (",", ".")}


def csv_rows(response):
    """The CSV's rows as dicts by header; checks it is UTF-8 with a BOM."""
    assert response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:])))


def reads_as(cell, locale="en"):
    """("formula", cell), ("number", float) or ("text", cell): what a spreadsheet in `locale`
    makes of a CSV cell."""
    if cell[:1] in ("=", "@"):
        return "formula", cell
    decimal, group = LOCALES[locale]
    candidate = cell.strip(TRIMMED).replace(group, "").replace(decimal, ".")
    if not candidate[:1].isdigit() and not candidate[1:2].isdigit():  # no "nan", "inf"
        candidate = ""
    try:
        return "number", float(candidate)
    except ValueError:
        pass
    if cell[:1] in ("+", "-"):  # "-5" is a number, "-A1" or "+1+1" a formula
        return "formula", cell
    return "text", cell


def shown(cell):
    """The cell as a person reads it: the invisible mark that keeps it text left out."""
    return cell.removeprefix("\u200b")
