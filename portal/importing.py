"""What every bulk import shares: precise error messages, field checks, JSON Lines reading."""

import contextlib
import fcntl
import json
import re
import unicodedata
from datetime import date
from pathlib import Path

import sqlalchemy as sa

SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # tabs and line breaks are text


class SourceError(ValueError):
    """A problem in an input file, located by file, row (or line) and column (or field)."""

    def __init__(self, message, *, file=None, row=None, column=None):
        self.message, self.file, self.row, self.column = message, file, row, column
        super().__init__(str(self))

    def __str__(self):
        # Spreadsheets have rows and columns; JSON Lines files have lines and fields.
        sheet = str(self.file or "").lower().endswith(".xlsx")
        where = [str(self.file)] if self.file else []
        if self.row is not None:
            where.append(f"{'row' if sheet else 'line'} {self.row}")
        if self.column:
            where.append(f'{"column" if sheet else "field"} "{self.column}"')
        return ", ".join(where) + ": " + self.message if where else self.message


class Fields:
    """Reads the fields of one imported object; a problem is a SourceError at `line N, field "a.b"`.

    `agencies` maps slugs to agencies, for fields that name one.
    """

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
        if CONTROL.search(value):
            self.fail(field, "contains a control character (such as NUL) no text holds")
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
        self.fail(field, f'"{value}" is not a date like 2017-11-23')

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
        checker = type(self)(
            value, self.agencies, file=self.file, row=self.row, prefix=f"{self.prefix}{field}."
        )
        checker.only(*allowed)
        return checker

    def items(self, field, allowed, required=True):
        value = self._get(field, required) or []
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            self.fail(field, "must be a list of objects")
        for n, item in enumerate(value):
            checker = type(self)(
                item,
                self.agencies,
                file=self.file,
                row=self.row,
                prefix=f"{self.prefix}{field}[{n}].",
            )
            checker.only(*allowed)
            yield checker


def read_jsonl(path, keep_going=False):
    """Yield (line number, object) for each non-blank line; SourceError on bad JSON.

    With `keep_going`, a bad line yields (line number, SourceError) and reading goes on,
    so one run can report every bad line of a file.
    """
    name = getattr(path, "name", path)
    try:
        handle = open(path, encoding="utf-8-sig")  # noqa: SIM115 (closed by the with below)
    except OSError as error:
        raise SourceError(f"cannot open the file ({error.strerror})", file=name) from error
    with handle:
        try:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    value = _json(line)
                except ValueError as error:  # JSONDecodeError is one
                    message = getattr(error, "msg", None) or str(error)
                    value = SourceError(f"not valid JSON ({message})", file=name, row=number)
                if not isinstance(value, dict | SourceError):
                    value = SourceError("each line must be a JSON object", file=name, row=number)
                if isinstance(value, SourceError) and not keep_going:
                    raise value
                yield number, value
        except UnicodeDecodeError as error:
            raise SourceError("the file is not UTF-8 text", file=name) from error


MAX_LINE = 2_000_000  # characters in one JSON Lines object: more is not a record
MAX_DEPTH = 20  # nesting of arrays and objects: records are shallow


def _json(line):
    """One JSON Lines object, refusing what Python's json would take but no record holds."""
    if len(line) > MAX_LINE:
        raise ValueError(f"the line is longer than {MAX_LINE:,} characters")
    depth = deepest = 0
    # The parser would recurse once per level, up to a RecursionError. Few brackets in all
    # (a record has a handful) cannot nest deeply: only then is each character looked at.
    brackets = line.count("[") + line.count("{")
    for char in line if brackets > MAX_DEPTH else "":
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    if deepest > MAX_DEPTH:  # counts brackets in strings too: only ever too careful
        raise ValueError(f"nested more than {MAX_DEPTH} levels deep")
    return json.loads(line, parse_constant=_no_constant, parse_int=_integer)


def _no_constant(name):
    raise ValueError(f"{name} is not a number a record can hold")


def _integer(text):
    if len(text.lstrip("-")) > 18:
        raise ValueError("a number longer than 18 digits")
    return int(text)


def assign(record, values):
    """Set only the attributes that differ, so unchanged rows keep their timestamps."""
    changed = False
    for key, value in values.items():
        if getattr(record, key) != value:
            setattr(record, key, value)
            changed = True
    return changed


@contextlib.contextmanager
def all_or_nothing(session, dry_run=False):
    """One import's transaction: committed whole, or rolled back on error or for a dry run.

    Imports run one at a time: a second one waits for the first to end, then finds what it
    wrote (two identical imports at once: the second changes nothing, instead of dying on a
    duplicate key).
    """
    with _one_import_at_a_time(session):
        try:
            yield
        except BaseException:
            session.rollback()
            raise
        if dry_run:
            session.rollback()
        else:
            session.commit()


IMPORT_LOCK = 0x494D5054  # the PostgreSQL advisory lock every import takes


@contextlib.contextmanager
def _one_import_at_a_time(session):
    """A transaction advisory lock on PostgreSQL, a file lock beside an SQLite file."""
    engine = session.get_bind()
    if engine.dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK})
        yield  # released by the commit or the rollback
    elif engine.dialect.name == "sqlite" and engine.url.database:
        with open(Path(engine.url.database).with_suffix(".import-lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield
    else:
        yield
