"""`flask` commands, grouped by noun: demo, import, translate."""

import subprocess
import sys

import click
from babel.messages.pofile import read_po, write_po
from flask.cli import AppGroup

from portal import ROOT, announcements, demo
from portal.importing import SourceError

demo_cli = AppGroup("demo", help="Demo content.")
import_cli = AppGroup("import", help="Bulk imports from files.")
translate_cli = AppGroup("translate", help="Translation catalogs (wraps pybabel).")


def init_app(app):
    for group in (demo_cli, import_cli, translate_cli):
        app.cli.add_command(group)


def _summary(noun, counts, dry_run=False):
    line = (f"{noun}: {counts['created']} created, {counts['updated']} updated, "
            f"{counts['unchanged']} unchanged")
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
        counts = announcements.import_jsonl(path, dry_run=dry_run)
    except SourceError as error:
        raise click.ClickException(f"{error}\nNothing was imported.") from error
    click.echo(_summary("announcements", counts, dry_run))


def _pybabel(*args):
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True,
                   cwd=ROOT)


@translate_cli.command("update")
def translate_update():
    """Extract messages from code and templates and merge them into the catalogs."""
    _pybabel("extract", "-F", "babel.cfg", "-k", "_l", "-o", "translations/messages.pot", ".")
    _pybabel("update", "-i", "translations/messages.pot", "-d", "translations",
             "--no-fuzzy-matching")
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
