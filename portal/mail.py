"""E-mail over SMTP: the MAIL_SERVER setting ("host" or "host:port", STARTTLS when the
server offers it). Without it the portal works and says no e-mail was sent. A failure is
logged without the address or the text (they are the sender's personal data) and never
fails the request."""

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app

log = logging.getLogger(__name__)


def configured():
    return bool(current_app.config.get("MAIL_SERVER"))


def send(to, subject, body):
    """True when the server took the message; False when there is none or it refused."""
    if not configured() or not to:
        return False
    host, _sep, port = current_app.config["MAIL_SERVER"].partition(":")
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        with smtplib.SMTP(host, int(port or 25), timeout=10) as smtp:
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls()
                smtp.ehlo()
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        log.warning("an e-mail could not be sent: %s", type(error).__name__)
        return False
    return True
