"""The web's plumbing and the open data page: robots.txt, the sitemap (every public page in
both languages, with hreflang alternates and the day it last changed, in files of at most
50,000 URLs under one index), the icons browsers ask for at the site's root, and
/<lang>/open-data: what is published, in which formats, under which licence."""

from itertools import islice
from xml.sax.saxutils import escape, quoteattr

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    send_from_directory,
    url_for,
)

from portal.i18n import LANGUAGES
from portal.opendata import queries

bp = Blueprint("opendata", __name__)

SITEMAP_URLS = 50_000  # the sitemaps protocol's limit per file
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
# Pages a crawler has no business in: the staff's, sign-in, and each search's endless variants.
ROBOTS_DISALLOW = (
    "/vi/admin",
    "/en/admin",
    "/vi/account",
    "/en/account",
    "/vi/search",
    "/en/search",
)


@bp.route("/robots.txt")
def robots():
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOW)]
    lines.append(f"Sitemap: {url_for('opendata.sitemap', _external=True)}")
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


def _entries():
    """One entry per page and language: (language, endpoint, values, last changed)."""
    for endpoint, values, changed in queries.pages():
        for lang in LANGUAGES:
            yield lang, endpoint, values, changed


@bp.route("/sitemap.xml")
def sitemap():
    """The index: one sitemap file per SITEMAP_URLS entries."""
    total = sum(1 for _ in _entries())
    files = max(1, -(-total // SITEMAP_URLS))
    body = [f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{SITEMAP_NS}">']
    for number in range(1, files + 1):
        url = url_for("opendata.sitemap_file", number=number, _external=True)
        body.append(f"<sitemap><loc>{escape(url)}</loc></sitemap>")
    body.append("</sitemapindex>\n")
    return Response("\n".join(body), mimetype="application/xml")


@bp.route("/sitemap-<int:number>.xml")
def sitemap_file(number):
    if number < 1:
        abort(404)
    start = (number - 1) * SITEMAP_URLS
    chosen = list(islice(_entries(), start, start + SITEMAP_URLS))
    if not chosen and number > 1:
        abort(404)
    body = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<urlset xmlns="{SITEMAP_NS}" xmlns:xhtml="{XHTML_NS}">',
    ]
    for lang, endpoint, values, changed in chosen:
        urls = {code: url_for(endpoint, lang=code, **values, _external=True) for code in LANGUAGES}
        body.append(f"<url><loc>{escape(urls[lang])}</loc>")
        if changed is not None:
            body.append(f"<lastmod>{changed.date().isoformat()}</lastmod>")
        for code, href in urls.items():
            body.append(f'<xhtml:link rel="alternate" hreflang="{code}" href={quoteattr(href)}/>')
        body.append("</url>")
    body.append("</urlset>\n")
    return Response("\n".join(body), mimetype="application/xml")


# What browsers and phones ask for at the root, whatever the page says.
ICONS = {"favicon.ico": "favicon.ico", "apple-touch-icon.png": "apple-touch-icon.png"}


@bp.route("/favicon.ico")
@bp.route("/apple-touch-icon.png")
@bp.route("/apple-touch-icon-precomposed.png")
def icon():
    name = request.path.lstrip("/").replace("-precomposed", "")
    response = send_from_directory(current_app.static_folder + "/icons", ICONS[name])
    response.cache_control.public, response.cache_control.max_age = True, 86_400
    return response


@bp.route("/<lang>/open-data")
def index():
    """What is published, where to download it, and the licence."""
    return render_template("opendata/index.html")
