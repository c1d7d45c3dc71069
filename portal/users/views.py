"""Signing in and out, and "your sessions": /<lang>/account/…

A wrong address and a wrong password get the same answer; attempts are throttled per
account and per address (throttle.py); every outcome is in the audit trail.
"""

from datetime import datetime, timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import InputRequired

from portal import access, audit
from portal.i18n import format_datetime
from portal.models import Role, User, UserSession, db, utcnow
from portal.security import ActionForm
from portal.text import most
from portal.users import accounts, mfa, passwords, sessions, throttle

bp = Blueprint("users", __name__, url_prefix="/<lang>/account")

# Checked when the address is unknown, so that a wrong address takes as long as a wrong
# password (no way to learn which addresses have accounts).
_NOBODY = passwords.hash_password("no account has this password")


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[InputRequired(_l("Enter your e-mail address.")), most(254)],
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_l("Enter your password.")), most(passwords.MAX_LENGTH)],
    )


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        description=_l("The 6 digits your authenticator app shows, or one of your recovery codes."),
        validators=[InputRequired(_l("Enter the code.")), most(20)],
    )


class PasswordForm(FlaskForm):
    current = PasswordField(
        _l("Current password"), validators=[InputRequired(_l("Enter your current password."))]
    )
    new = PasswordField(
        _l("New password"),
        description=_l("8 to 128 characters, any you like; a long phrase is easy to remember."),
        validators=[InputRequired(_l("Enter a new password."))],
    )
    again = PasswordField(
        _l("New password again"),
        validators=[InputRequired(_l("Enter the new password again."))],
    )


@bp.after_request
def _never_cached(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("users/login.html", form=form), 400 if form.is_submitted() else 200
    email, address = form.email.data.strip(), request.remote_addr
    keys = throttle.keys(email, address)
    if refused := _throttled(keys, email, "users/login.html", form):
        return refused
    attempt = throttle.attempt(keys)
    user = accounts.find(email)
    right = passwords.verify(user.password_hash if user else _NOBODY, form.password.data)
    if not (user and user.active and right):
        audit.record("login.failed", email, reason="disabled" if user and right else "wrong")
        db.session.commit()
        message = _l("The e-mail address or the password is wrong.")
        return render_template("users/login.html", form=form, refused=message), 401
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(form.password.data)
    if user.totp_enabled_at:  # the password was right: now the second factor
        throttle.cleared(attempt)
        session["pending"] = {"user": user.id, "at": utcnow().isoformat()}
        db.session.commit()
        return redirect(url_for("users.login_code", next=_safe_next()), 303)
    return _signed_in_now(user, "password", attempt)


def _signed_in_now(user, factor, attempt):
    throttle.succeeded(user.email, attempt)
    sessions.start(user)
    audit.record("login.succeeded", user.email, on=f"user:{user.id}", factor=factor)
    db.session.commit()
    if user.role == Role.ADMIN and not user.totp_enabled_at:
        return redirect(url_for("users.mfa_page"), 303)
    return redirect(_safe_next() or url_for("admin.index"), 303)


PENDING_FOR = timedelta(minutes=5)  # between the password and the code


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    pending = session.get("pending") or {}
    user = db.session.get(User, pending.get("user") or 0)
    started = datetime.fromisoformat(pending["at"]) if user else None
    if user is None or not user.active or utcnow() - started > PENDING_FOR:
        session.pop("pending", None)
        return redirect(url_for("users.login", next=_safe_next()), 303)
    form = CodeForm()
    if not form.validate_on_submit():
        return render_template("users/code.html", form=form), 400 if form.is_submitted() else 200
    keys = throttle.keys(user.email, request.remote_addr)
    if refused := _throttled(keys, user.email, "users/code.html", form, step="code"):
        return refused
    attempt = throttle.attempt(keys)
    code = form.code.data
    if mfa.verify(user, code):
        factor = "totp"
    elif mfa.use_recovery_code(user, code):
        factor = "recovery_code"
    else:
        audit.record("login.code_failed", user.email, on=f"user:{user.id}")
        db.session.commit()
        message = _l("That code is not right, or it was already used.")
        return render_template("users/code.html", form=form, refused=message), 401
    return _signed_in_now(user, factor, attempt)


def _throttled(keys, email, template, form, **details):
    """The 429 page, saying until when, while these keys must wait; else None."""
    until = throttle.retry_at(keys)
    if until is None:
        return None
    audit.record("login.throttled", email, **details)
    db.session.commit()
    message = _l("Too many failed attempts. Try again after %(when)s.", when=format_datetime(until))
    return render_template(template, form=form, refused=message), 429


def _safe_next():
    """Where the visitor was going, if it is a path on this site ("/vi/…", not "//evil")."""
    target = request.args.get("next", "")
    return target if target.startswith("/") and not target.startswith(("//", "/\\")) else None


@bp.before_app_request
def _who():
    # Read once a request, on every page: g.staff_session (this session) and g.user, which
    # portal/access.py checks and the layout shows.
    # Without the session's cookie there is none to read: leaving the session unread keeps
    # "Vary: Cookie" off a visitor's pages, which the page cache and proxies then keep.
    has_cookie = current_app.config["SESSION_COOKIE_NAME"] in request.cookies
    g.staff_session = sessions.current() if has_cookie else None
    g.user = g.staff_session.user if g.staff_session else None


@bp.route("/mfa", methods=["GET", "POST"])
def mfa_page():
    """Set up the second factor: scan the QR code (or type the key), confirm a code, then
    note the recovery codes, shown this once."""
    if refused := access.signed_in(enrolling=True):
        return refused
    if g.user.totp_enabled_at:
        return render_template("users/mfa.html", enabled=True)
    secret = session.get("totp_pending")
    if not isinstance(secret, str):  # kept until confirmed: a reload shows the same key
        secret = session["totp_pending"] = mfa.new_secret()
    form = CodeForm()
    if form.validate_on_submit():
        codes = mfa.enable(g.user, secret, form.code.data, actor=g.user.email)
        if codes:
            session.pop("totp_pending", None)
            db.session.commit()
            return render_template("users/mfa.html", enabled=True, recovery_codes=codes)
        form.code.errors = [
            _l("That code is not right. Check the time on your phone and try again.")
        ]
    uri = mfa.provisioning_uri(secret, g.user.email)
    return render_template(
        "users/mfa.html",
        form=form,
        secret=secret,
        qr=mfa.qr_svg(uri, str(_l("QR code to scan with an authenticator app"))),
    ), 400 if form.is_submitted() else 200


@bp.route("/logout", methods=["POST"])
def logout():
    if ActionForm().validate_on_submit():
        sessions.logout(g.staff_session)
    return redirect(url_for("users.login"), 303)


@bp.route("/sessions")
def sessions_page():
    if refused := access.signed_in():
        return refused
    return render_template(
        "users/sessions.html", live=sessions.live(g.user), this=g.staff_session, form=ActionForm()
    )


@bp.route("/password", methods=["GET", "POST"])
def password_page():
    """Change the password: every other session ends, this one stays."""
    if refused := access.signed_in():
        return refused
    form = PasswordForm()
    if form.validate_on_submit():
        if not passwords.verify(g.user.password_hash, form.current.data):
            form.current.errors = [_l("That is not your current password.")]
            audit.record("user.password_refused", g.user.email, on=f"user:{g.user.id}")
            db.session.commit()
        elif form.new.data != form.again.data:
            form.again.errors = [_l("The two new passwords differ.")]
        else:
            try:
                accounts.set_password(
                    g.user, form.new.data, actor=g.user.email, keep=g.staff_session
                )
            except accounts.AccountError as error:
                form.new.errors = [str(error)]
            else:
                db.session.commit()
                return render_template("users/password.html", changed=True)
    status = 400 if form.is_submitted() else 200
    return render_template("users/password.html", form=form), status


@bp.route("/sessions/<int:session_id>/end", methods=["POST"])
def end_session(session_id):
    if refused := access.signed_in():
        return refused
    row = db.session.get(UserSession, session_id)
    if row is None or row.user_id != g.user.id:
        abort(404)
    if ActionForm().validate_on_submit():
        sessions.end(row, "ended_by_user")
        audit.record("session.ended", g.user.email, on=f"user:{g.user.id}", session=row.id)
        db.session.commit()
    return redirect(url_for("users.sessions_page"), 303)


@bp.route("/sessions/end-others", methods=["POST"])
def end_other_sessions():
    if refused := access.signed_in():
        return refused
    if ActionForm().validate_on_submit():
        sessions.end_all(g.user, "ended_by_user", keep=g.staff_session)
        audit.record("session.ended_others", g.user.email, on=f"user:{g.user.id}")
        db.session.commit()
    return redirect(url_for("users.sessions_page"), 303)
