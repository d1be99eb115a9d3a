"""THE masking of citizens' personal data, for every reader who does not need it: pages, exports,
the API, reports.

Fields are masked by kind (phone, name, address); free text (titles, contents, notes, replies,
timeline entries) has every phone number, mainland ID number (its check digit holds; or, mistyped, a province and
a real birth date; written in one piece or as 6-8-4 groups with spaces or dashes; and the 15-digit numbers issued
before 1999, with a province and a real birth date), bank card number (its Luhn digit must hold) and e-mail address masked where it stands:

    来电人139-1234-5678，身份证110101199003071234  ->  来电人139****5678，身份证110101********1234

``for_viewer(user, ticket)`` decides once (app/services/access.may_see_personal_data) and
returns a :class:`Mask` that either passes everything through or masks it. Numbers inside
words (ticket numbers such as BJ20261125000123) are left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from app.services import access

# ---- single values ------------------------------------------------------------------------------


def mask_phone(value: str) -> str:
    """13812345678 -> 138****5678"""
    value = (value or "").strip()
    if len(value) > 7:
        return value[:3] + "*" * (len(value) - 7) + value[-4:]
    return value[:1] + "*" * (len(value) - 1)


def mask_name(value: str) -> str:
    """李先生 -> 李**"""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1) if len(value) > 1 else "*"


def mask_id_number(value: str) -> str:
    """110101199003071234 -> 110101********1234 (region kept, birth date hidden)"""
    return value[:6] + "*" * 8 + value[-4:]


def mask_card(digits: str) -> str:
    """6222021234567890123 -> 6222***********0123"""
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


def mask_email(value: str) -> str:
    """zhang.san@example.com -> z***@example.com"""
    local, _sep, domain = value.partition("@")
    return (local[:1] or "*") + "***@" + domain


# ---- check digits ---------------------------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def is_id_number(value: str) -> bool:
    """A mainland resident ID number (GB 11643-1999): 17 digits, a check character, a real birth date."""
    value = value.upper()
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return False
    year, month, day = int(value[6:10]), int(value[10:12]), int(value[12:14])
    if not (1900 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31):
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == value[17]


# The first two digits of a mainland ID number: a province (GB/T 2260), or 81-83 for the residence
# permits of Hong Kong, Macao and Taiwan residents.
_PROVINCES = frozenset({11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
                        50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83})


def looks_like_id_number(value: str) -> bool:
    """An ID number as a clerk may have typed it: a province, a real birth date, 17 digits and a check
    character, whether or not the check character holds (a mistyped ID number is still a person's)."""
    value = value.upper()
    if not re.fullmatch(r"\d{17}[\dX]", value) or int(value[:2]) not in _PROVINCES:
        return False
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return 1900 <= born.year <= 2100


def looks_like_old_id_number(value: str) -> bool:
    """A first-generation ID number (15 digits, issued until 1999 and still written on old records): a
    province, a real birth date in the 1900s (YYMMDD), three digits."""
    if not re.fullmatch(r"\d{15}", value) or int(value[:2]) not in _PROVINCES:
        return False
    try:
        date(1900 + int(value[6:8]), int(value[8:10]), int(value[10:12]))
    except ValueError:
        return False
    return True


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


# ---- free text ------------------------------------------------------------------------------------

# Not glued to letters or digits on either side (Chinese characters and punctuation are fine).
_B, _E = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"
# (not \w before it: a Chinese character is \w, and 邮箱zsf@example.com was left as it was)
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# 18 characters in one piece or as 6-8-4 groups (110101 19800105 1234); the 15-digit form of before 1999
_ID = re.compile(_B + r"(?:\d{6}([ -]?)\d{8}\1\d{3}[\dXx]|\d{15})" + _E)
_CARD = re.compile(_B + r"\d{4}(?:[ -]?\d{4}){2,3}(?:[ -]?\d{1,3})?" + _E)
# a mobile number glued to letters is still one (微信号13811112222wx): only digits around it make it part of
# something longer (a ticket number's digits); its country code is kept as written (0086-138****2222)
_MOBILE = re.compile(r"(?<!\d)((?:\+|00)?86[ -]?)?(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?!\d)")
_LANDLINE = re.compile(_B + r"([(（]?0\d{2,3}[)）]?[ -]?)(\d{3,4})[ -]?(\d{4})" + _E)
# A local number written after a word that says it is one: 电话 6512 3456, 联系方式：65123456
_LOCAL = re.compile(r"((?:电话|手机|座机|号码|联系方式|联系电话|tel|Tel|TEL)[：: ]*)(\d{3,4})[ -]?(\d{4})" + _E)


# full-width digits (a Chinese input method's) as ASCII ones; the text's own punctuation（，）stays as written
_HALF_WIDTH = {0xFF10 + i: 0x30 + i for i in range(10)}

_REGISTRATION = re.compile(r"(?:注册号|执照号|营业执照|执照|工商号|注册码)[^0-9]{0,4}$")


def _id(match: re.Match) -> str:
    written = match.group(0)
    value = re.sub(r"[ -]", "", written)
    if len(value) == 15:
        if _REGISTRATION.search(match.string, max(0, match.start() - 12), match.start()):
            return written  # an enterprise's 15-digit 注册号 (营业执照, before 2015) is no person's number
        return value[:6] + "*" * 6 + value[-3:] if looks_like_old_id_number(value) else _card(match)
    # a check digit that holds is an ID number whatever its first digits (91… on a foreigner's permanent
    # residence card); one that does not, if it has a province and a birth date (a clerk's typo)
    if is_id_number(value) or looks_like_id_number(value):
        return mask_id_number(value)
    return _card(match) if value.isdigit() else written


def _card(match: re.Match) -> str:
    digits = re.sub(r"[ -]", "", match.group(0))
    if 13 <= len(digits) <= 19 and luhn_ok(digits):
        return mask_card(digits)
    return match.group(0)


def mask_text(text: str | None) -> str:
    """Every phone number, ID number, bank card and e-mail address in ``text``, masked."""
    if not text:
        return text or ""
    text = text.translate(_HALF_WIDTH)  # １３８１１１１２２２２ is the same number: masked the same way
    text = _EMAIL.sub(lambda m: mask_email(m.group(0)), text)
    text = _ID.sub(_id, text)
    text = _CARD.sub(_card, text)
    text = _MOBILE.sub(lambda m: f"{m.group(1) or ''}{m.group(2)}****{m.group(4)}", text)
    text = _LANDLINE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    return _LOCAL.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


# ---- per reader ---------------------------------------------------------------------------------

HIDDEN_ADDRESS = "（已隐藏）"
# a form value recorded under one of these labels (or field ids) is a person's name, whoever it is: masked
# as 来电人 is (联系人 张三 -> 张*), not only where it repeats the caller's name
NAME_LABELS = frozenset({"联系人", "联系人姓名", "来电人", "来电人姓名", "被回访人", "当事人", "contact_person",
                         "姓名", "投诉人", "举报人"})
FIELD_KINDS = {"caller_phone": "phone", "caller_name": "name", "address": "address"}
# The ticket's fields citizens and staff write freely (numbers, ids, codes are never masked).
FREE_TEXT_FIELDS = {"title", "content", "reply_text", "carry_plan", "enterprise"}


@dataclass(frozen=True)
class Mask:
    """How one reader sees one ticket's personal data: ``full`` passes everything through. ``names`` are
    the ticket's caller's name as written (李先生): masked wherever free text repeats it (联系人 李先生 in
    the 办理记录, 李先生您好 in a reply), as the 来电人 field is."""

    full: bool
    names: tuple[str, ...] = ()

    def text(self, value):
        if self.full or not isinstance(value, str):
            return value
        return mask_names(mask_text(value), self.names)

    def entry(self, label: str, value):
        """A value of the 办理记录 recorded under ``label``: a name by kind, anything else as free text."""
        if label in NAME_LABELS and not self.full and isinstance(value, str) and value:
            return mask_name(value.strip())
        return self.text(value)

    def field(self, name: str, value):
        """A ticket field by name: phone, name and address by kind, free-text fields as free text."""
        if self.full or not isinstance(value, str) or not value:
            return value
        kind = FIELD_KINDS.get(name)
        if kind == "phone":
            return mask_phone(value)
        if kind == "name":
            return mask_name(value)
        if kind == "address":
            return HIDDEN_ADDRESS
        return self.text(value) if name in FREE_TEXT_FIELDS else value


FULL = Mask(True)
MASKED = Mask(False)


# what platforms and imports write where no name was given: words of ordinary text, not a person
PLACEHOLDER_NAMES = frozenset({"市民", "群众", "来电人", "来电者", "匿名", "匿名市民", "匿名来电", "先生", "女士",
                               "小姐", "用户", "未知", "不详", "无", "未提供", "保密", "热心市民"})


def caller_names(name: str | None) -> tuple[str, ...]:
    """The caller's name as free text may repeat it: not one character alone, nor a placeholder (市民, 先生)."""
    name = (name or "").strip()
    return (name,) if len(name) >= 2 and name not in PLACEHOLDER_NAMES else ()


def mask_names(text: str, names: tuple[str, ...]) -> str:
    """Each of ``names`` masked where ``text`` repeats it (李先生您好 -> 李**您好)."""
    for name in names:
        if name in text:
            text = text.replace(name, mask_name(name))
    return text


def for_viewer(user, ticket) -> Mask:
    """The mask for ``user`` reading ``ticket`` (no ticket: masked unless the role sees all callers)."""
    if ticket is None:
        return FULL if user is not None and access.reaches_callers(user) else MASKED
    if access.may_see_personal_data(user, ticket):
        return FULL
    names = caller_names(getattr(ticket, "caller_name", None))  # (an export's row may not carry it)
    return Mask(False, names) if names else MASKED
