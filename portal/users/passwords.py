"""Passwords: argon2id hashes, and the policy of ASVS 5.0 level 2 (NIST SP 800-63B).

8 to 128 characters, any characters, no composition rules; refused when it is one of the
30,000 most common passwords of zxcvbn's list, or the account's own e-mail address.
"""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_LENGTH, MAX_LENGTH = 8, 128
COMMON = frozenset(FREQUENCY_LISTS["passwords"])
HASHER = PasswordHasher()  # argon2id with the library's (RFC 9106 low-memory) parameters


def problem(password, email=""):
    """Why `password` is refused, in the visitor's language, or None when it is accepted."""
    if len(password) < MIN_LENGTH:
        return _l("The password must have at least %(n)s characters.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _l("The password must have at most %(n)s characters.", n=MAX_LENGTH)
    folded = password.casefold()
    if folded in COMMON or folded == email.casefold() or folded == email.split("@")[0].casefold():
        return _l("This password is too common or too easy to guess: choose another.")
    return None


def hash_password(password):
    return HASHER.hash(password)


def verify(password_hash, password):
    """True when `password` matches; a hash that is not argon2 never matches."""
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash):
    return HASHER.check_needs_rehash(password_hash)
