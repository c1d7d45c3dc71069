"""What every bulk import shares: precise error messages and JSON Lines reading."""

import contextlib
import json


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
                    value = json.loads(line)
                except json.JSONDecodeError as error:
                    value = SourceError(f"not valid JSON ({error.msg})", file=name, row=number)
                if not isinstance(value, dict | SourceError):
                    value = SourceError("each line must be a JSON object", file=name, row=number)
                if isinstance(value, SourceError) and not keep_going:
                    raise value
                yield number, value
        except UnicodeDecodeError as error:
            raise SourceError("the file is not UTF-8 text", file=name) from error


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
    """One import's transaction: committed whole, or rolled back on error or for a dry run."""
    try:
        yield
    except BaseException:
        session.rollback()
        raise
    if dry_run:
        session.rollback()
    else:
        session.commit()
