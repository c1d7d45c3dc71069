"""`flask` commands, grouped by noun; `flask backup` and `flask restore` stand alone.

Groups: demo, import, procedures, agencies, users, search, holidays, translate.
"""

import csv
import subprocess
import sys
import time
from collections import Counter

import click
from babel.messages.pofile import read_po, write_po
from flask.cli import AppGroup
from flask_babel import force_locale

from portal import ROOT, backups, demo, workdays
from portal.agencies import merge
from portal.announcements import importer as announcements_importer
from portal.feedback import importer as feedback_importer
from portal.importing import SourceError
from portal.indexing import sync
from portal.inspections import importer as inspections_importer
from portal.models import Role, User, db
from portal.procedures import importer as procedures_importer
from portal.users import accounts, mfa

demo_cli = AppGroup("demo", help="Demo content.")
procedures_cli = AppGroup("procedures", help="Administrative procedures.")
agencies_cli = AppGroup("agencies", help="The agency directory.")
users_cli = AppGroup("users", help="Staff accounts (no account exists until one is created).")
search_cli = AppGroup("search", help="The search index (a cache of the database).")
import_cli = AppGroup("import", help="Bulk imports from files.")
translate_cli = AppGroup("translate", help="Translation catalogs (wraps pybabel).")
holidays_cli = AppGroup("holidays", help="The working-day calendar used for deadlines.")


def init_app(app):
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    for group in (
        demo_cli,
        import_cli,
        procedures_cli,
        agencies_cli,
        users_cli,
        search_cli,
        translate_cli,
        holidays_cli,
    ):
        app.cli.add_command(group)


def _summary(noun, counts, dry_run=False):
    line = (
        f"{noun}: {counts['created']} created, {counts['updated']} updated, "
        f"{counts['unchanged']} unchanged"
    )
    if "rejected" in counts:
        line += f", {counts['rejected']} rejected"
    if counts.get("reread"):
        line += f", {counts['reread']} re-read (record unchanged, read anew)"
    if counts.get("skipped"):
        line += f", {counts['skipped']} skipped"
    if counts.get("kept"):
        line += f", {counts['kept']} kept as staff changed them on the portal"
    return line + (" (dry run: nothing written)" if dry_run else "")


@demo_cli.command("load")
def demo_load():
    """Load the demo province; running it again changes nothing."""
    click.echo(_summary("demo records", demo.load()))


@import_cli.command("announcements")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Validate only; write nothing.")
def import_announcements(path, dry_run):
    """Import announcements from a JSON Lines file (format in the README)."""
    try:
        counts = announcements_importer.import_jsonl(path, dry_run=dry_run)
    except SourceError as error:
        raise click.ClickException(f"{error}\nNothing was imported.") from error
    click.echo(_summary("announcements", counts, dry_run))


@import_cli.command("procedures")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Validate only; write nothing.")
@click.option(
    "--report",
    type=click.Path(dir_okay=False, writable=True),
    help="Write a CSV of what needs a human look: fields kept as published, conflicts, refusals.",
)
@click.option(
    "--other-provinces",
    is_flag=True,
    help="Also import other provinces' own procedures (skipped by default), marked as theirs.",
)
def import_procedures(paths, dry_run, report, other_provinces):
    """Import procedures from national-database records (.jsonl) and list exports (.xlsx)."""
    notes = []
    try:
        counts = procedures_importer.import_paths(
            paths, dry_run=dry_run, report=notes, other_provinces=other_provinces
        )
    except procedures_importer.ImportFailed as failure:
        for message in failure.errors:
            click.echo(message, err=True)
        click.echo(_summary("procedures", failure.counts) + " (nothing written)", err=True)
        _write_report(report, notes)
        raise SystemExit(1) from failure
    click.echo(_summary("procedures", counts, dry_run))
    _write_report(report, notes)


NOTE_KINDS = {
    "kept_verbatim": "fields kept as published",
    "as_published": "channel cells shown as published",
    "conflict": "list rows that contradict the detailed record",
    "refused": "refused",
    "skipped": "other provinces' own procedures skipped",
}


def _write_report(path, notes):
    """Say how many things need a human look, and list them in the CSV at `path`."""
    tally = Counter(note["what"] for note in notes)
    if tally:
        parts = [f"{tally[what]} {label}" for what, label in NOTE_KINDS.items() if tally[what]]
        where = f": see {path}" if path else " (--report FILE.csv lists them)"
        click.echo("to check: " + ", ".join(parts) + where)
    if path:
        with open(path, "w", newline="", encoding="utf-8-sig") as out:
            writer = csv.DictWriter(out, fieldnames=procedures_importer.REPORT_COLUMNS)
            writer.writeheader()
            writer.writerows(notes)


@import_cli.command("inspections")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Validate only; write nothing.")
def import_inspections(path, dry_run):
    """Import inspection plans, inspections and letters from JSON Lines (format in the README)."""
    try:
        counts = inspections_importer.import_jsonl(path, dry_run=dry_run)
    except SourceError as error:
        raise click.ClickException(f"{error}\nNothing was imported.") from error
    click.echo(_summary("inspection records", counts, dry_run))


@import_cli.command("feedback")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Validate only; write nothing.")
def import_feedback(path, dry_run):
    """Import feedback and its answers from JSON Lines (format in the README)."""
    try:
        counts = feedback_importer.import_jsonl(path, dry_run=dry_run)
    except SourceError as error:
        raise click.ClickException(f"{error}\nNothing was imported.") from error
    click.echo(_summary("feedback", counts, dry_run))


@agencies_cli.command("merge")
@click.argument("source")
@click.argument("target")
def agencies_merge(source, target):
    """Merge the agency with slug SOURCE into TARGET; SOURCE's URL then redirects."""
    try:
        moved = merge.merge(source, target)
    except merge.MergeError as error:
        raise click.ClickException(str(error)) from error
    parts = ", ".join(f"{rows} {table}" for table, rows in sorted(moved.items())) or "nothing"
    click.echo(f"merged {source} into {target}: moved {parts}; /vi/agencies/{source} redirects")


def _account_error(error):
    """A refused account change, for the terminal: the server's commands speak English."""
    with force_locale("en"):
        return click.ClickException(str(error))


def _new_password(from_stdin):
    """The password from stdin (one line, for scripts) or typed twice at a hidden prompt:
    never from an argument, which the shell history and the process list would keep."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]))
@click.option("--agency", help="The agency's slug (agency officers only).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_create(email, role, agency, password_stdin):
    """Create a staff account; the password is asked for, never given as an argument."""
    password = _new_password(password_stdin)
    try:
        user = accounts.create(email, role, password, agency_slug=agency)
    except accounts.AccountError as error:
        db.session.rollback()
        raise _account_error(error) from error
    db.session.commit()
    where = f" of {user.agency.slug}" if user.agency else ""
    click.echo(f"created {user.role} {user.email}{where}")


@users_cli.command("list")
def users_list():
    """Every account: e-mail, role, agency, active or disabled (never a password hash)."""
    for user in db.session.scalars(db.select(User).order_by(User.email_key)):
        state = "active" if user.active else "disabled"
        agency = user.agency.slug if user.agency else "-"
        click.echo(f"{user.email}\t{user.role}\t{agency}\t{state}")


@users_cli.command("disable")
@click.argument("email")
def users_disable(email):
    """Disable an account: it can no longer log in. Accounts are never deleted (the audit
    trail names them)."""
    try:
        accounts.disable(email)
    except accounts.AccountError as error:
        raise _account_error(error) from error
    db.session.commit()
    click.echo(f"disabled {email}")


@users_cli.command("reset-mfa")
@click.argument("email")
def users_reset_mfa(email):
    """Remove an account's second factor (a lost phone); it enrols again at next sign-in."""
    try:
        user = accounts.get(email)
    except accounts.AccountError as error:
        raise _account_error(error) from error
    mfa.reset(user, actor="cli")
    db.session.commit()
    click.echo(f"second factor removed for {user.email}; every session ended")


@users_cli.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_set_password(email, password_stdin):
    """Give an account a new password (for one who lost theirs)."""
    try:
        user = accounts.get(email)
        accounts.set_password(user, _new_password(password_stdin), actor="cli")
    except accounts.AccountError as error:
        raise _account_error(error) from error
    db.session.commit()
    click.echo(f"new password set for {user.email}")


@procedures_cli.command("abolish")
@click.argument("code")
@click.option("--decision", required=True, help="Number of the abolishing decision.")
@click.option(
    "--on",
    "on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Effective date (YYYY-MM-DD); today when left out.",
)
@click.option("--replaced-by", help="Code of the procedure that replaces it.")
def abolish_procedure(code, decision, on, replaced_by):
    """Mark a procedure abolished; it stays on record with a banner naming the decision."""
    try:
        changed = procedures_importer.abolish(
            code,
            decision,
            on=on.date() if on else None,
            replaced_by=replaced_by,
            changed_by="flask procedures abolish",
        )
    except SourceError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"procedure {code}: " + ("abolished" if changed else "already abolished"))


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
def backup_command(path):
    """Copy the whole database to PATH, safely while the portal runs."""
    try:
        size = backups.backup(path)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"database backed up to {path}: {size:,} bytes")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, exists=True))
def restore_command(path):
    """Load a backup into an empty database, then rebuild the search index from it."""
    try:
        backups.restore(path)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"database restored from {path}; search index rebuilt: {sync.rebuild()} documents")


@search_cli.command("rebuild")
def search_rebuild():
    """Build a new index from the database beside the live one and swap it in."""
    started = time.perf_counter()
    count = sync.rebuild()
    click.echo(f"search index rebuilt: {count} documents in {time.perf_counter() - started:.1f} s")


@search_cli.command("sync")
@click.option("--timeout", default=60.0, help="Seconds to wait for another writer.")
def search_sync(timeout):
    """Apply pending changes; build the index when there is none or it is outdated (a deploy
    step)."""
    if not sync.get_index().exists():
        click.echo(f"search index created: {sync.rebuild()} documents")
        return
    try:
        outdated = sync.read(lambda index: index.outdated())
    except sync.SearchUnavailable as damage:
        click.echo(
            f"search index was corrupt ({str(damage)[:80]}), rebuilt: {sync.rebuild()} documents"
        )
        return
    if outdated:
        click.echo(f"search index built by an older analysis, rebuilt: {sync.rebuild()} documents")
        return
    applied = sync.sync(wait=timeout)
    if applied is None:
        raise click.ClickException(f"the index stayed busy for {timeout:g} s; try again")
    click.echo(f"search index in step: {applied} changes applied")


@search_cli.command("check")
def search_check():
    """Compare index and database; exit 1 on any drift."""
    drift = sync.check()
    if drift.get("corrupt"):
        click.echo(f"search index corrupt: {drift['corrupt'][0]}; flask search sync rebuilds it")
        raise SystemExit(1)
    click.echo(", ".join(f"{len(keys)} {name}" for name, keys in drift.items()))
    for name, keys in drift.items():
        for key in keys[:10]:
            click.echo(f"  {name}: {key}")
    if any(drift.values()):
        raise SystemExit(1)


@search_cli.command("prune")
@click.option("--keep-days", default=30, help="Keep this many days of the change log.")
def search_prune(keep_days):
    """Delete old change-log rows (an index further behind rebuilds itself on sync)."""
    click.echo(f"change log: {sync.prune(keep_days)} rows deleted")


def _pybabel(*args):
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)


@translate_cli.command("update")
def translate_update():
    """Extract messages from code and templates and merge them into the catalogs."""
    _pybabel(
        "extract",
        "-F",
        "babel.cfg",
        "-k",
        "_l",
        "-k",
        "_ln:1,2",
        "-o",
        "translations/messages.pot",
        ".",
    )
    _pybabel(
        "update", "-i", "translations/messages.pot", "-d", "translations", "--no-fuzzy-matching"
    )
    _fill_english_catalog()
    click.echo("catalogs updated: translate the empty msgstr entries in translations/vi")


def _fill_english_catalog():
    """Message ids are English, so the English catalog is the ids themselves."""
    path = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"
    with open(path, "rb") as handle:
        catalog = read_po(handle, locale="en")
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.id and not all(strings):
            message.string = message.id
    with open(path, "wb") as handle:
        write_po(handle, catalog, width=100)


@translate_cli.command("compile")
def translate_compile():
    """Compile the catalogs to .mo files."""
    _pybabel("compile", "-d", "translations")


@translate_cli.command("init")
@click.argument("language")
def translate_init(language):
    """Start a catalog for a new language."""
    _pybabel("init", "-i", "translations/messages.pot", "-d", "translations", "-l", language)


DAY = click.DateTime(formats=["%Y-%m-%d"])


@holidays_cli.command("add")
@click.argument("day", type=DAY)
@click.option("--name-vi", help="Name in Vietnamese, e.g. Nghỉ bù.")
@click.option("--name-en", help="Name in English.")
def holidays_add(day, name_vi, name_en):
    """Make a day (YYYY-MM-DD) a day off: deadlines skip it."""
    added = workdays.add_holiday(day.date(), name_vi, name_en)
    click.echo(f"{day:%Y-%m-%d}: " + ("now a day off" if added else "already a day off"))


@holidays_cli.command("remove")
@click.argument("day", type=DAY)
def holidays_remove(day):
    """Make a day (YYYY-MM-DD) a working day, e.g. a holiday moved by a later decision."""
    removed = workdays.remove_holiday(day.date())
    click.echo(f"{day:%Y-%m-%d}: " + ("now a working day" if removed else "already a working day"))


@holidays_cli.command("list")
@click.argument("year", type=click.IntRange(2015, 2035))
def holidays_list(year):
    """List a year's days off, the admin's edits marked with *."""
    days = workdays.holidays(year)
    for day, name_vi, name_en, edited in days:
        click.echo(f"{day:%Y-%m-%d} {'*' if edited else ' '} {name_vi} / {name_en}")
    click.echo(f"{len(days)} days off in {year}")
