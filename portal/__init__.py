"""Công Khai: a bilingual public transparency portal for a Vietnamese province."""

import os
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """A setting is missing or wrong; raised at start-up, never during a request."""


def create_app(test_config=None):
    """Build the application: settings, extensions, blueprints, locale handling."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI="sqlite:///" + str(Path(app.instance_path) / "portal.db"),
        SEARCH_INDEX_DIR=str(ROOT / "search_index"),
        ATTACHMENT_DIR=str(ROOT / "instance" / "attachments"),
        ATTACHMENT_MAX_BYTES=10_000_000,
        PORTAL_NAME="Công Khai",
        PROVINCE_NAME_VI="tỉnh Cà Mau",
        PROVINCE_NAME_EN="Cà Mau Province",
        PUBLISHER_NAME_VI="Văn phòng Ủy ban nhân dân tỉnh Cà Mau",
        PUBLISHER_NAME_EN="Office of the Cà Mau Provincial People's Committee",
        PUBLISHER_ADDRESS="Số 2 Hùng Vương, Phường 5, TP. Cà Mau",
        PUBLISHER_PHONE="0290 3831 925",
        PUBLISHER_EMAIL="vanphong@camau.gov.vn",
        PROVINCE_HOTLINE="1022",
        # What the published data may be reused under (the open data page says it).
        OPEN_DATA_LICENCE_NAME="CC BY 4.0",
        OPEN_DATA_LICENCE_URL="https://creativecommons.org/licenses/by/4.0/",
        MAIL_SERVER="",
        MAIL_FROM="cong-khai@localhost",
        BABEL_TRANSLATION_DIRECTORIES=str(ROOT / "translations"),
        BABEL_DEFAULT_LOCALE="vi",
        BABEL_DEFAULT_TIMEZONE="Asia/Ho_Chi_Minh",
        PER_PAGE=20,
        # A form's text and one attachment of up to ATTACHMENT_MAX_BYTES; more is a 413.
        MAX_CONTENT_LENGTH=11 * 1024 * 1024,
        # The staff's session cookie: HTTPS only (browsers count http://127.0.0.1 and
        # localhost as secure, so `make run` works), no script access, no cross-site posts.
        SESSION_COOKIE_NAME="__Host-session",
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,  # a token lives as long as the session that holds it
        # Rendered public pages (portal/pagecache.py): files a host's workers share, or
        # Redis, which every host shares, when REDIS_URL is set.
        PAGE_CACHE=True,
        PAGE_CACHE_DIR=str(ROOT / "instance" / "page_cache"),
        REDIS_URL="",
        # Brotli or gzip for text answers (portal/delivery.py); off when a proxy does it.
        COMPRESS=True,
    )
    _settings_from_environment(app.config)
    if test_config is not None:
        app.config.update(test_config)
    _check_settings(app)

    from portal import delivery, i18n, labels, models, pagecache, security
    from portal.indexing import sync

    models.init_app(app)
    i18n.init_app(app)
    labels.init_app(app)
    security.init_app(app)
    sync.init_app(app)
    pagecache.init_app(app)
    delivery.init_app(app)

    from portal import api, home, layout
    from portal.admin import views as admin
    from portal.agencies import staff as agencies_staff
    from portal.agencies import views as agencies
    from portal.announcements import staff as announcements_staff
    from portal.announcements import views as announcements
    from portal.feedback import staff as feedback_staff
    from portal.feedback import views as feedback
    from portal.hotlines import staff as hotlines_staff
    from portal.hotlines import views as hotlines
    from portal.inspections import staff as inspections_staff
    from portal.inspections import views as inspections
    from portal.opendata import views as opendata
    from portal.procedures import staff as procedures_staff
    from portal.procedures import views as procedures
    from portal.search import views as search
    from portal.users import views as users

    layout.init_app(app)
    for blueprint in (
        home.bp,
        procedures.bp,
        procedures_staff.bp,
        inspections.bp,
        inspections_staff.bp,
        inspections_staff.editorial,
        announcements.bp,
        announcements_staff.bp,
        hotlines.bp,
        hotlines_staff.bp,
        agencies.bp,
        agencies_staff.bp,
        feedback.bp,
        feedback_staff.bp,
        search.bp,
        users.bp,
        admin.bp,
        api.bp,
        opendata.bp,
    ):
        app.register_blueprint(blueprint)

    from portal import cli

    cli.init_app(app)
    return app


_ENV_SETTINGS = (
    "SECRET_KEY",
    "SEARCH_INDEX_DIR",
    "ATTACHMENT_DIR",
    "PORTAL_NAME",
    "PROVINCE_NAME_VI",
    "PROVINCE_NAME_EN",
    "PUBLISHER_NAME_VI",
    "PUBLISHER_NAME_EN",
    "PUBLISHER_ADDRESS",
    "PUBLISHER_PHONE",
    "PUBLISHER_EMAIL",
    "PROVINCE_HOTLINE",
    "OPEN_DATA_LICENCE_NAME",
    "OPEN_DATA_LICENCE_URL",
    "MAIL_SERVER",
    "MAIL_FROM",
    "PAGE_CACHE_DIR",
    "REDIS_URL",
)


def _settings_from_environment(config):
    """Let the environment override the defaults (twelve-factor style)."""
    if os.environ.get("DATABASE_URL"):
        config["SQLALCHEMY_DATABASE_URI"] = _normalise_database_url(os.environ["DATABASE_URL"])
    for name in _ENV_SETTINGS:
        if os.environ.get(name):
            config[name] = os.environ[name]
    if os.environ.get("PAGE_CACHE") == "off":
        config["PAGE_CACHE"] = False
    if os.environ.get("COMPRESS") == "off":
        config["COMPRESS"] = False
    if os.environ.get("TRUSTED_HOSTS"):
        config["TRUSTED_HOSTS"] = [h.strip() for h in os.environ["TRUSTED_HOSTS"].split(",")]
    if os.environ.get("PROXY_COUNT"):
        config["PROXY_COUNT"] = os.environ["PROXY_COUNT"]


def _normalise_database_url(url):
    """Accept the usual `postgres://` spellings and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _check_settings(app):
    """Refuse to start with settings that would be unsafe or broken in production."""
    if not app.config.get("SECRET_KEY"):
        if app.debug or app.testing:
            app.config["SECRET_KEY"] = "dev-only-not-secret"  # noqa: S105 (never in production)
        else:
            raise ConfigError(
                "SECRET_KEY is not set. Set it in the environment to a long random value, "
                "e.g. SECRET_KEY=\"$(python -c 'import secrets; print(secrets.token_hex(32))')\""
            )
    # Absolute links (exports, the API) are built from the Host header: only names listed
    # here are answered (anything else is a 400), so a forged Host cannot plant links.
    if not app.config.get("TRUSTED_HOSTS") and not (app.debug or app.testing):
        raise ConfigError(
            "TRUSTED_HOSTS is not set. List the host names the portal answers to, "
            "e.g. TRUSTED_HOSTS=congkhai.camau.gov.vn (make run uses 127.0.0.1,localhost)"
        )
    proxies = str(app.config.get("PROXY_COUNT") or 0)
    if not (proxies.isascii() and proxies.isdigit() and int(proxies) <= 5):
        raise ConfigError(
            f"PROXY_COUNT must be the number of proxies in front (0-5), not {proxies}"
        )
    app.config["PROXY_COUNT"] = int(proxies)
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri.startswith(("sqlite:", "postgresql")):
        raise ConfigError(
            f"DATABASE_URL must be a sqlite:/// or postgresql:// URL, not {uri.split(':')[0]}:"
        )
