"""Checking one JSON Lines object field by field, with errors naming line and field path."""

import re
import unicodedata
from datetime import date

import sqlalchemy as sa

from portal.importing import SourceError
from portal.models import Finding, Inspection, db

SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class Checker:
    """Reads fields of one object; every problem is a SourceError at `line N, field "a.b"`."""

    def __init__(self, data, agencies, *, file, row, prefix=""):
        self.data, self.agencies = data, agencies
        self.file, self.row, self.prefix = file, row, prefix

    def fail(self, field, message):
        raise SourceError(message, file=self.file, row=self.row, column=self.prefix + field)

    def only(self, *allowed):
        for field in self.data:
            if field not in allowed:
                self.fail(field, "unknown field (expected one of: " + ", ".join(allowed) + ")")

    def _get(self, field, required):
        value = self.data.get(field)
        if value in (None, "", [], {}):
            if required:
                self.fail(field, "is required")
            return None
        return value

    def text(self, field, max_length, required=True):
        value = self._get(field, required)
        if value is None:
            return None
        if not isinstance(value, str):
            self.fail(field, "must be a string")
        value = unicodedata.normalize("NFC", value.strip())
        if len(value) > max_length:
            self.fail(field, f"is longer than {max_length} characters")
        return value

    def date(self, field, required=True):
        value = self._get(field, required)
        if value is None:
            return None
        try:
            if isinstance(value, str) and len(value) == 10:
                return date.fromisoformat(value)
        except ValueError:
            pass
        self.fail(field, f'"{value}" is not a date like 2017-11-10')

    def integer(self, field, low, high, required=True):
        value = self._get(field, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(field, f"must be a whole number from {low} to {high}")
        return value

    def url(self, field):
        value = self.text(field, 500, required=False)
        if value and not value.startswith(("https://", "http://")):
            self.fail(field, "must start with https:// or http://")
        return value

    def slug(self, field):
        value = self.text(field, 120)
        if not SLUG_RE.match(value):
            self.fail(field, f'"{value}" is not a slug (lower-case letters, digits, hyphens)')
        return value

    def choice(self, field, allowed, required=True):
        value = self._get(field, required)
        if value is None:
            return None
        if value not in allowed:
            self.fail(field, f'"{value}" is not one of: ' + ", ".join(allowed))
        return value

    def strings(self, field, required=True):
        value = self._get(field, required) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(field, "must be a list of strings")
        return value

    def choices(self, field, enum_class, required=True):
        allowed = [member.value for member in enum_class]
        result = []
        for n, value in enumerate(self.strings(field, required)):
            if value not in allowed:
                self.fail(f"{field}[{n}]", f'"{value}" is not one of: ' + ", ".join(allowed))
            if enum_class(value) not in result:
                result.append(enum_class(value))
        return result

    def agency_id(self, field, required=True):
        slug = self.text(field, 120, required)
        if slug is None:
            return None
        if slug not in self.agencies:
            self.fail(field, f'no agency with the slug "{slug}"')
        return self.agencies[slug].id

    def slugs(self, field, required=True):
        values = self.strings(field, required)
        for n, slug in enumerate(values):
            if slug not in self.agencies:
                self.fail(f"{field}[{n}]", f'no agency with the slug "{slug}"')
        return list(dict.fromkeys(values))

    def nested(self, field, allowed, required=True):
        value = self._get(field, required) or {}
        if not isinstance(value, dict):
            self.fail(field, "must be an object")
        checker = Checker(
            value, self.agencies, file=self.file, row=self.row, prefix=f"{self.prefix}{field}."
        )
        checker.only(*allowed)
        return checker

    def items(self, field, allowed, required=True):
        value = self._get(field, required) or []
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            self.fail(field, "must be a list of objects")
        for n, item in enumerate(value):
            checker = Checker(
                item,
                self.agencies,
                file=self.file,
                row=self.row,
                prefix=f"{self.prefix}{field}[{n}].",
            )
            checker.only(*allowed)
            yield checker

    def finding(self, field, reference):
        """A finding named `inspection-slug#ref`, already imported or earlier in the file."""
        slug, _, ref = reference.partition("#")
        finding = (
            db.session.scalar(
                sa.select(Finding)
                .join(Inspection)
                .where(Inspection.slug == slug, Finding.ref == ref)
            )
            if ref
            else None
        )
        if finding is None:
            self.fail(field, f'no finding "{reference}" (write it as inspection-slug#ref)')
        return finding
