"""Phones, ID numbers, VINs and plates: normalizing, validating, and the keyed hashes personal values are found by.

A phone is found by ``phone_hash`` and an ID number by ``id_number_hash`` (keyed HMACs under the data key
ring, portal.crm.crypto), a phone's last four digits by the search index's keyed terms (portal.crm.search),
never by the stored values: those are sealed. The ``*_hashes`` functions give the hash under every key of the
ring, for look-ups during a key rotation.
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from . import crypto

_NON_DIGITS = re.compile(r"\D")
VIN_ALPHABET = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"  # no I, O, Q
_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]
VIN_CHECK_DIGIT_CODE = "vin_check_digit"


def phone_normalize(raw: str, *, field: str = "phone") -> str:
    """Digits only, without the +86 / 0086 country prefix; 7 to 15 digits."""
    digits = _NON_DIGITS.sub("", raw or "")
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not 7 <= len(digits) <= 15:
        raise ValidationError(
            {field: _("“%(value)s” is not a phone number (7 to 15 digits expected).") % {"value": raw}}
        )
    return digits


def phone_hash(normalized: str) -> str:
    return crypto.keyed_hash("phone", normalized)


def phone_hashes(normalized: str) -> list[str]:
    return crypto.keyed_hashes("phone", normalized)


def id_number_normalize(raw: str) -> str:
    """Without spaces, upper case (an 18-character resident ID may end in x or X)."""
    return re.sub(r"\s", "", raw or "").upper()


def id_number_hash(raw: str) -> str:
    return crypto.keyed_hash("id_number", id_number_normalize(raw))


def id_number_hashes(raw: str) -> list[str]:
    return crypto.keyed_hashes("id_number", id_number_normalize(raw))


def birthday_hash(day: datetime.date) -> str:
    """The birthday's month and day (the reminders look for today's), not its year."""
    return crypto.keyed_hash("birthday", day.strftime("%m-%d"))


def birthday_hashes(day: datetime.date) -> list[str]:
    return crypto.keyed_hashes("birthday", day.strftime("%m-%d"))


def phone_mask(number: str) -> str:
    return f"{number[:3]}****{number[-4:]}" if len(number) >= 8 else "****" + number[-2:]


def vin_normalize(raw: str) -> str:
    return re.sub(r"\s", "", raw or "").upper()


def vin_check_digit(vin: str) -> str:
    total = sum(_VIN_VALUES[ch] * weight for ch, weight in zip(vin, _VIN_WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def vin_validate(raw: str, *, confirmed: bool = False, field: str = "vin") -> str:
    """The normalized VIN, or a ValidationError naming the problem.

    A wrong check digit (position 9) is refused with code ``vin_check_digit``
    unless ``confirmed``: some older and imported cars carry VINs that fail it.
    """
    vin = vin_normalize(raw)
    if len(vin) != 17:
        raise ValidationError(
            {field: _("A VIN has 17 characters; “%(vin)s” has %(length)s.") % {"vin": vin, "length": len(vin)}}
        )
    bad = sorted({ch for ch in vin if ch not in VIN_ALPHABET})
    if bad:
        raise ValidationError(
            {
                field: _("A VIN cannot contain %(letters)s (letters I, O and Q are never used).")
                % {"letters": ", ".join(bad)}
            }
        )
    expected = vin_check_digit(vin)
    if vin[8] != expected and not confirmed:
        raise ValidationError(
            {
                field: ValidationError(
                    _(
                        "The check digit of %(vin)s (9th character “%(actual)s”) should be “%(expected)s”. "
                        "Check the VIN, or confirm it if it is copied exactly from the car."
                    )
                    % {"vin": vin, "actual": vin[8], "expected": expected},
                    code=VIN_CHECK_DIGIT_CODE,
                )
            }
        )
    return vin


def plate_normalize(raw: str) -> str:
    return re.sub(r"[\s\-·.]", "", raw or "").upper()
