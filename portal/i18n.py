"""Languages: the `/vi/…` and `/en/…` URL prefix, Babel, locale formatting, content fallback."""

from datetime import UTC, date, datetime
from functools import cache, lru_cache
from urllib.parse import urlencode

import flask_babel
from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask import abort, g, request, url_for
from flask_babel import Babel, get_locale
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from werkzeug.datastructures import iter_multi_items

from portal.models import localized
from portal.workdays import local_date

LANGUAGES = ("vi", "en")
URL_SAFE = "!$'()*,/:;?@"  # left as they are in a query string, as url_for() leaves them
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}

# Dates as people expect them: 23/11/2017 in Vietnamese, 23 Nov 2017 in English.
DATE_PATTERNS = {"vi": "dd/MM/yyyy", "en": "d MMM yyyy"}
DATETIME_PATTERNS = {"vi": "HH:mm dd/MM/yyyy", "en": "d MMM yyyy, HH:mm"}
VIETNAM = babel_dates.get_timezone("Asia/Ho_Chi_Minh")

babel = Babel()

# WTForms' own messages, which it has no Vietnamese for: the forms read them from the
# portal's catalog instead (FormMessages), so a visitor reads them in the page's language.
WTFORMS_MESSAGES = (
    _l("Not a valid choice."),
    _l("Invalid Choice: could not coerce."),
    _l("Not a valid date value."),
    _l("Not a valid integer value."),
    _l("This field is required."),
    _l("Number must be between %(min)s and %(max)s."),
    _ln(
        "'%(value)s' is not a valid choice for this field.",
        "'%(value)s' are not valid choices for this field.",
        1,
    ),
)


class FormMessages:
    """Translations for WTForms (Meta.get_translations): the portal's catalog. The text
    only: WTForms fills in its own values (flask_babel's would fill in `num` alone)."""

    def gettext(self, string):
        return flask_babel.get_translations().ugettext(string)

    def ngettext(self, singular, plural, n):
        return flask_babel.get_translations().ungettext(singular, plural, n)


def init_app(app):
    babel.init_app(app, locale_selector=current_language)
    FlaskForm.Meta.get_translations = lambda meta, form: FormMessages()
    app.url_value_preprocessor(_pop_language)
    app.url_defaults(_add_language)
    app.jinja_env.filters.update(
        number=format_number,
        percent=format_percent,
        date=format_date,
        datetime=format_datetime,
        machine_time=machine_time,
        filesize=format_filesize,
    )
    app.jinja_env.globals.update(
        tr=translated,
        tr_text=lambda record, field: localized(record, field, _locale()).text,
        current_language=current_language,
        language_links=language_links,
        query_url=query_url,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
    )


def current_language():
    """The language of this request: the URL's prefix, else the browser's preference."""
    lang = g.get("lang")
    if lang:
        return lang
    if request:
        return preferred_language()
    return "vi"


def preferred_language():
    """Best match from Accept-Language; Vietnamese when nothing matches."""
    return request.accept_languages.best_match(LANGUAGES, default="vi")


def set_language(lang):
    """Fix this request's language (None: the browser's preference) and forget any cached one."""
    g.lang = lang
    flask_babel.refresh()


def _pop_language(endpoint, values):
    lang = values.pop("lang", None) if values else None
    set_language(lang if lang in LANGUAGES else None)
    if lang is not None and lang not in LANGUAGES:
        abort(404)


def _add_language(endpoint, values):
    if "lang" not in values and endpoint and _needs_language(endpoint):
        values["lang"] = _locale()


def _needs_language(endpoint):
    from flask import current_app

    return current_app.url_map.is_endpoint_expecting(endpoint, "lang")


def language_links():
    """The current page in every language, for the switch and the hreflang alternates."""
    endpoint = request.endpoint
    if not endpoint or not _needs_language(endpoint):
        return {lang: url_for("home.index", lang=lang) for lang in LANGUAGES}
    # The query string is carried over as it came, encoded again: passing it to url_for()
    # would let a parameter named lang, endpoint or _anchor collide with url_for's own.
    args = list(request.args.items(multi=True))
    return {
        lang: query_url(url_for(endpoint, **(request.view_args or {}), lang=lang), args)
        for lang in LANGUAGES
    }


def query_url(base, args):
    """`base` with `args` (a dict or pairs) as its query string, encoded as url_for() encodes
    it: a list's facet links are built from one url_for() instead of one for each value."""
    items = [item for item in iter_multi_items(args) if item[1] is not None]  # as Werkzeug does
    query = urlencode(items, safe=URL_SAFE)
    return base + "?" + query if query else base


def _locale():
    # The language, not str(): a page formats hundreds of numbers, and the portal's locales
    # are plain languages (force_locale() included), so this is the same string, cheaper.
    locale = get_locale()
    return locale.language if locale else "vi"


# Babel's formatters parse the locale (and the pattern) on every call when given a string;
# a page formats hundreds of counts, so each language's Locale and patterns are kept, and
# whole numbers, the most of them, take a fast path that gives Babel's own output.


@cache
def _babel_locale(lang):
    return Locale.parse(lang)


@cache
def _int_symbols(lang):
    """(group separator, minus sign) when the locale's decimal pattern groups whole numbers
    by threes with a bare minus sign (vi: "1.806", en: "1,806"), else None (ask Babel)."""
    locale = _babel_locale(lang)
    pattern = locale.decimal_formats[None]
    plain = (
        pattern.grouping == (3, 3)
        and pattern.prefix == ("", "-")
        and pattern.suffix == ("", "")
        and pattern.int_prec[0] == 1
        and not pattern.exp_prec
        and pattern.scale == 0
    )
    if not plain:
        return None
    return (
        babel_numbers.get_group_symbol(locale=locale),
        babel_numbers.get_minus_sign_symbol(locale=locale),
    )


def format_number(value):
    lang = _locale()
    symbols = type(value) is int and _int_symbols(lang)
    if symbols:
        group, minus = symbols
        text = f"{abs(value):,}".replace(",", group)
        return minus + text if value < 0 else text
    return babel_numbers.format_decimal(value, locale=_babel_locale(lang))


def format_filesize(size):
    """`1234567` -> `1,2 MB` (vi) / `1.2 MB` (en): decimal units, as downloads say."""
    for limit, unit, pattern in ((1_000_000, "MB", "#,##0.#"), (1000, "kB", "#,##0")):
        if size >= limit:
            number = babel_numbers.format_decimal(
                size / limit, pattern, locale=_babel_locale(_locale())
            )
            return f"{number} {unit}"
    return f"{format_number(size)} B"


def format_percent(value, digits=2):
    """`0.9965` -> `99,65%` (vi) / `99.65%` (en)."""
    pattern = "#,##0." + "0" * digits + "%" if digits else "#,##0%"
    return babel_numbers.format_percent(value, pattern, locale=_babel_locale(_locale()))


def format_date(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local_date(value)  # the day in Vietnam, as every page shows it
    return _formatted_date(_locale(), value)


def format_datetime(value):
    if value is None:
        return ""
    if isinstance(value, date) and not isinstance(value, datetime):
        return format_date(value)
    return _formatted_datetime(_locale(), value)


# A list shows the same few days again and again: each is formatted once per language.
@lru_cache(maxsize=4096)
def _formatted_date(lang, day):
    return babel_dates.format_date(day, DATE_PATTERNS[lang], locale=_babel_locale(lang))


@lru_cache(maxsize=4096)
def _formatted_datetime(lang, moment):
    return babel_dates.format_datetime(
        moment, DATETIME_PATTERNS[lang], tzinfo=VIETNAM, locale=_babel_locale(lang)
    )


def machine_time(value):
    """What `<time datetime="…">` says to machines: a date as 2017-11-10, a moment in UTC to
    the second, 2026-12-04T02:11:55Z (HTML accepts no microseconds, which isoformat() writes)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is None:  # stored moments are aware; a naive one is shown as it is
            return value.isoformat(timespec="seconds")
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()


NOT_TRANSLATED = _l("Not yet translated")


def translated(record, field, html=None):
    """A content field in the visitor's language, marked up when it fell back to Vietnamese.

    `html` renders the text (e.g. sanitised Markdown) and is trusted to return safe Markup.
    """
    value = localized(record, field, _locale())
    body = html(value.text) if html else escape(value.text)
    if not value.is_fallback:
        return body
    tag = "div" if html else "span"
    # Literal templates; format() escapes whatever is not already Markup.
    note = Markup('<span class="untranslated">({})</span>')
    template = Markup('<{tag} lang="vi">{body}</{tag}> {note}')
    return template.format(tag=tag, body=body, note=note.format(NOT_TRANSLATED))
