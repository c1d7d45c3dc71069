"""Tracking codes: 130 random bits (a CSPRNG) in 26 characters of Crockford's base 32, and
two check characters, read aloud in seven groups of four: `7KQM-2XVD-…`.

The alphabet has no I, L, O or U: what a reader hears or types as O is 0, as I or L is 1.
The check is a weighted sum modulo the prime 1021 (two base-32 characters): any one
mistyped character and any two neighbours swapped change it, so such a code is refused
before the database is asked. Only a code's SHA-256 is stored."""

import hashlib
import hmac
import secrets

from flask_babel import lazy_gettext as _l

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BODY = 26  # 26 × 5 = 130 bits
LENGTH = BODY + 2
PRIME = 1021  # the largest prime below 32 × 32
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
    """The code as stored (28 characters, no dashes) from what someone typed, or BadCode."""
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
    if _check(code[:BODY]) != code[BODY:]:
        raise BadCode(_l("This code has a typing mistake: check it against your receipt."))
    return code


def digest(code):
    """What is stored for a normalised code."""
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def same(stored_digest, code):
    """Constant-time comparison of a stored digest and a normalised code."""
    return hmac.compare_digest(stored_digest, digest(code))


def _check(body):
    """Σ position × value mod 1021, as two characters. With distinct weights below a prime
    and values below it, one changed character or two swapped neighbours always change
    the sum."""
    total = sum((i + 1) * ALPHABET.index(char) for i, char in enumerate(body)) % PRIME
    return ALPHABET[total // 32] + ALPHABET[total % 32]
