"""Signing in and out, and "your sessions": /<lang>/account/…

A wrong address and a wrong password get the same answer; attempts are throttled per
account and per address (throttle.py); every outcome is in the audit trail.
"""

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import InputRequired, Length

from portal import audit
from portal.i18n import format_datetime
from portal.models import UserSession, db
from portal.users import accounts, passwords, sessions, throttle

bp = Blueprint("users", __name__, url_prefix="/<lang>/account")

# Checked when the address is unknown, so that a wrong address takes as long as a wrong
# password (no way to learn which addresses have accounts).
_NOBODY = passwords.hash_password("no account has this password")


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[InputRequired(_l("Enter your e-mail address.")), Length(max=254)],
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_l("Enter your password.")), Length(max=passwords.MAX_LENGTH)],
    )


class ActionForm(FlaskForm):
    """A button that changes something: only its CSRF token."""


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
    if until := throttle.retry_at(keys):
        audit.record("login.throttled", email)
        db.session.commit()
        message = _l(
            "Too many failed attempts. Try again after %(when)s.", when=format_datetime(until)
        )
        return render_template("users/login.html", form=form, refused=message), 429
    user = accounts.find(email)
    right = passwords.verify(user.password_hash if user else _NOBODY, form.password.data)
    if not (user and user.active and right):
        throttle.failed(keys)
        audit.record("login.failed", email, reason="disabled" if user and right else "wrong")
        db.session.commit()
        message = _l("The e-mail address or the password is wrong.")
        return render_template("users/login.html", form=form, refused=message), 401
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(form.password.data)
    throttle.succeeded(email)
    sessions.start(user)
    audit.record("login.succeeded", user.email, on=f"user:{user.id}")
    db.session.commit()
    return redirect(_safe_next() or url_for("users.sessions_page"), 303)


def _safe_next():
    """Where the visitor was going, if it is a path on this site ("/vi/…", not "//evil")."""
    target = request.args.get("next", "")
    return target if target.startswith("/") and not target.startswith(("//", "/\\")) else None


@bp.before_request
def _who():
    g.user = sessions.signed_in_user()


def _signed_in():
    if g.user is None:
        return redirect(url_for("users.login", next=request.full_path.rstrip("?")), 303)
    return None


@bp.route("/logout", methods=["POST"])
def logout():
    if ActionForm().validate_on_submit():
        sessions.logout()
    return redirect(url_for("users.login"), 303)


@bp.route("/sessions")
def sessions_page():
    if refused := _signed_in():
        return refused
    this = sessions.current()
    return render_template(
        "users/sessions.html", live=sessions.live(g.user), this=this, form=ActionForm()
    )


@bp.route("/sessions/<int:session_id>/end", methods=["POST"])
def end_session(session_id):
    if refused := _signed_in():
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
    if refused := _signed_in():
        return refused
    if ActionForm().validate_on_submit():
        sessions.end_all(g.user, "ended_by_user", keep=sessions.current())
        audit.record("session.ended_others", g.user.email, on=f"user:{g.user.id}")
        db.session.commit()
    return redirect(url_for("users.sessions_page"), 303)
