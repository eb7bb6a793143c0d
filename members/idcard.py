"""Resident ID-card numbers (居民身份证号码, GB 11643-1999): check, mask, hash, encrypt.

The number is personal data: it is stored encrypted (Fernet, keys from
FIELD_ENCRYPTION_KEYS, newest first, so keys can be rotated), looked up and
de-duplicated by a keyed hash (HMAC-SHA256 with ID_HASH_KEY), and shown masked.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from datetime import date
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"


def check_char(first17: str) -> str:
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def normalize(value: str) -> str:
    """Validate an 18-character number and return it with an upper-case X.

    Raises ValidationError saying what is wrong (length, characters, date,
    check character).
    """
    # NFKC: full-width digits typed with a Chinese input method become ASCII.
    number = unicodedata.normalize("NFKC", value or "").strip().replace(" ", "").upper()
    if len(number) != 18:
        raise ValidationError(
            _("An ID-card number has 18 characters; this one has %(n)d.") % {"n": len(number)}
        )
    if not re.fullmatch(r"[0-9]{17}[0-9X]", number):
        raise ValidationError(_("An ID-card number is 17 digits and a digit or X."))
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("The date of birth in the ID-card number is not a date.")) from None
    if born.year < 1880 or born > date.today():
        raise ValidationError(_("The date of birth in the ID-card number is not possible."))
    if check_char(number[:17]) != number[17]:
        raise ValidationError(_("The check character of the ID-card number is wrong."))
    return number


def birth_date(number: str) -> date:
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def gender(number: str) -> str:
    return "male" if int(number[16]) % 2 else "female"


def mask(number: str) -> str:
    """`110101199003071234` → `1101**********1234`."""
    return f"{number[:4]}{'*' * (len(number) - 8)}{number[-4:]}" if number else ""


def keyed_hash(number: str) -> str:
    key = settings.ID_HASH_KEY.encode()
    return hmac.new(key, number.encode(), hashlib.sha256).hexdigest()


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in keys])


def encrypt(number: str) -> str:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS)).encrypt(number.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS)).decrypt(token.encode()).decode()
    except InvalidToken:
        raise ValueError(
            "the ID-card number cannot be decrypted with the configured keys"
        ) from None
