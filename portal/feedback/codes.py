"""Tracking codes: 130 random bits (a CSPRNG) in 26 characters of Crockford's base 32, and
a check character, read aloud in groups of four: `7KQM-2XVD-…`.

The alphabet has no I, L, O or U: what a reader hears or types as O is 0, as I or L is 1.
The check character (Luhn mod 32) catches a mistyped character or two swapped ones before
the database is asked. Only a code's SHA-256 is stored."""

import hashlib
import hmac
import secrets

from flask_babel import lazy_gettext as _l

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BODY = 26  # 26 × 5 = 130 bits
LENGTH = BODY + 1
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


class BadCode(ValueError):
    """A code that cannot be one; the message says why, in the visitor's language."""


def new():
    """A fresh code, formatted to be read aloud."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY))
    return formatted(body + _check(body))


def formatted(code):
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalised(typed):
    """The code as stored (27 characters, no dashes) from what someone typed, or BadCode."""
    code = "".join((typed or "").split()).replace("-", "").upper().translate(_READ_AS)
    if not code:
        raise BadCode(_l("Enter the tracking code from your receipt."))
    if len(code) != LENGTH:
        raise BadCode(
            _l(
                "A tracking code has %(length)s letters and digits; this one has %(count)s.",
                length=LENGTH,
                count=len(code),
            )
        )
    wrong = sorted({c for c in code if c not in ALPHABET})
    if wrong:
        raise BadCode(
            _l("A tracking code has no %(characters)s: check it.", characters=", ".join(wrong))
        )
    if _check(code[:-1]) != code[-1]:
        raise BadCode(_l("This code has a typing mistake: check it against your receipt."))
    return code


def digest(code):
    """What is stored for a normalised code."""
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def same(stored_digest, code):
    """Constant-time comparison of a stored digest and a normalised code."""
    return hmac.compare_digest(stored_digest, digest(code))


def _check(body):
    """Luhn mod 32 over the body: the character that makes the whole sum divisible."""
    total, factor = 0, 2
    for char in reversed(body):
        addend = factor * ALPHABET.index(char)
        total += addend // 32 + addend % 32
        factor = 3 - factor
    return ALPHABET[(32 - total % 32) % 32]
