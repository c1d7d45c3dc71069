"""HTTP security headers on every response (OWASP ASVS level 2 asks for these)."""

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

# Every state-changing form carries a token (Flask-WTF); a POST without the right one is a
# 400 in the visitor's language (portal.layout) and an entry in the audit trail.
csrf = CSRFProtect()


class ActionForm(FlaskForm):
    """A button that changes something: only its CSRF token."""


# Everything the portal serves comes from its own host; no inline script or style exists.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    )
)


HSTS = "max-age=31536000; includeSubDomains"


def init_app(app):
    app.after_request(_add_security_headers)
    csrf.init_app(app)
    if app.config["PROXY_COUNT"]:
        # Behind a reverse proxy: its X-Forwarded-For/-Proto/-Host say what the visitor used.
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def _add_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if request.is_secure:  # over HTTPS, the browser is told to stay on it for a year
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response
