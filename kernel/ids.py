"""Check characters of resident ID numbers (GB 11643) and unified social credit codes (GB 32100)."""

import logging
import re
import unicodedata
from datetime import date
from functools import lru_cache

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_CC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CC_VALUE = {c: i for i, c in enumerate(_CC_ALPHABET)}
_CC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CC_RE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}")
_ID_RE = re.compile(r"[0-9]{17}[0-9X]")
# Anything shaped like either, check character right or not, standing alone in a text.
_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(?:[0-9]{17}[0-9Xx]|[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}"
                      r"[0-9A-HJ-NPQRTUWXY]{10})(?![0-9A-Za-z])")


def _ascii(value: str) -> str:
    """Fullwidth forms (an IME's １２３Ａ) become ASCII; other scripts' digits stay and fail.

    One spelling per identifier in the store: a look-alike must never slip past a list."""
    return unicodedata.normalize("NFKC", value).strip().upper()


def id_check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of a resident ID number's first 17 digits."""
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


@lru_cache(maxsize=65536)  # a hall sees its applicants again and again
def validate_id_number(value: str) -> str:
    """Return the normalised 18-character ID number, or raise ValueError saying why."""
    value = _ascii(value)
    if not _ID_RE.fullmatch(value):
        raise ValueError("a resident ID number is 17 digits and a check digit or X")
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValueError(f"birth date {value[6:14]} in the ID number is not a date") from None
    if id_check_char(value[:17]) != value[17]:
        raise ValueError("the ID number's check character does not match")
    return value


def credit_check_char(first17: str) -> str:
    """Check character of a unified social credit code's first 17 characters."""
    total = sum(_CC_VALUE[c] * w for c, w in zip(first17, _CC_WEIGHTS, strict=True))
    return _CC_ALPHABET[(31 - total % 31) % 31]


@lru_cache(maxsize=65536)
def validate_credit_code(value: str) -> str:
    """Return the normalised unified social credit code, or raise ValueError saying why."""
    value = _ascii(value)
    if not _CC_RE.fullmatch(value):
        raise ValueError(
            "a unified social credit code is 18 characters from 0-9 and A-Y without I, O, Z, S, V"
        )
    if credit_check_char(value[:17]) != value[17]:
        raise ValueError("the credit code's check character does not match")
    return value


def mask(value: str) -> str:
    """Mask an identifier for logs: keep the first 4 and last 2 characters."""
    return value[:4] + "*" * max(len(value) - 6, 0) + value[-2:] if len(value) > 6 else "***"


def mask_text(text: str) -> str:
    """``text`` with every ID number or credit code in it masked."""
    return _IN_TEXT.sub(lambda found: mask(found.group()), text)


def mask_logs() -> None:
    """From now on every log record of this process, whoever makes it, carries identifiers
    masked in its message, exception and stack: a database error quoting a row, say."""
    make = logging.getLogRecordFactory()
    if getattr(make, "masks_identifiers", False):
        return

    def masked(*args: object, **kwargs: object) -> logging.LogRecord:
        record = make(*args, **kwargs)
        _mask_record(record)
        return record

    masked.masks_identifiers = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(masked)


def _mask_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # arguments that do not fit: logging reports that itself
        return
    if _IN_TEXT.search(message):
        record.msg, record.args = mask_text(message), None
    if record.exc_info and record.exc_info[1] is not None:
        record.exc_text = mask_text(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = mask_text(record.stack_info)
