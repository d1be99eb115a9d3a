"""The field rules of a ticket, whichever way it arrives: the platform API, the file import, the form.

``problems(fields)`` returns {field: message} for what no channel may store: a 工单编号 of other
characters than letters, digits, - _ /, a phone number that is not one, dates outside sane bounds (before 2000, a call or dispatch in the future, a
deadline more than a year ahead), a deadline not after the dispatch, a call after its
dispatch. ``tickets.create_ticket`` enforces them for every channel; the API, the import preview
and the form call them first to answer with the field named.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta

from app.engine.clock import LOCAL_TZ, clock
from app.services import InvalidInput, _

# Digits, + - ( ) spaces, and * (the platforms may send 138****2222); JSON-Schema-compatible (ECMA-262).
PHONE_PATTERN = r"^[0-9+*() -]{5,30}$"
# PHONE_PATTERN's characters once the caller's edges are stripped: the schema counts " 9*63" as 5 characters, its
# stored "9*63" is 4 (the API judged the value as sent; every channel refuses what is no number at all)
_PHONE_STRIPPED = re.compile(r"^[0-9+*() -]{1,30}$")
# A 工单编号 typed at the desk or read from a file: letters, digits, - _ / (a bureau's own numbering, 京-2026/015),
# starting with a letter or digit, at most 40 (the column). The platform API's path parameter (TICKET_NO_PATTERN in
# app/web/api/schemas.py) is a subset of it: no "/" in a URL segment.
TICKET_NO_MAX = 40
_TICKET_NO = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_/-]*$")
_TICKET_NO_CHAR = re.compile(r"[0-9A-Za-z_/-]")
EARLIEST = datetime(2000, 1, 1, tzinfo=LOCAL_TZ)
FUTURE_TOLERANCE = timedelta(days=1)  # clocks of the platforms and of the desk disagree a little


def one_year_after(start):
    """The same date and time a calendar year later (29 February: 28 February); the deadline's horizon."""
    try:
        return start.replace(year=start.year + 1)
    except ValueError:
        return start.replace(year=start.year + 1, day=28)


def half_width(value):
    """``（010）１２３４５６７８`` as ``(010)12345678``: what a Chinese IME types in full width folded as every
    rule and search expects (NFKC, as the fingerprints and the search index fold text)."""
    return unicodedata.normalize("NFKC", value) if isinstance(value, str) else value


def _local(value: datetime) -> str:
    return value.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


_SEPARATORS = re.compile(r"[ ()-]")
_ALLOWED = set("0123456789+*() -")
MIN_DIGITS, MAX_DIGITS, MOBILE_DIGITS = 7, 20, 11


def phone_problem(phone: str) -> str | None:
    """What is wrong with a caller's number, said precisely (its characters, then its length), or None.

    Separators (spaces, -, brackets) and a leading +86 are ignored; ``*`` counts as a digit, as in
    the masked numbers the platforms send (138****2222). A number starting with 1 is a mobile
    number: 11 digits; any other needs at least 7 (a landline without its area code)."""
    bad = [c for c in dict.fromkeys(phone) if c not in _ALLOWED]
    if bad:
        return _("来电号码含有不允许的字符“%(chars)s”：只能填写数字、+、-、空格和括号",
                 chars="".join(bad[:5]))
    number = _SEPARATORS.sub("", phone)
    if "+" in number[1:]:
        return _("来电号码的“+”只能在国际区号前，如 +86 13812345678")
    foreign = number.startswith("+") and not number.startswith("+86")
    number = number[3:] if number.startswith("+86") else number.lstrip("+")
    digits = len(number)
    if digits < MIN_DIGITS:
        if number.startswith("1") and not foreign:
            return _("来电号码太短：只有 %(n)s 位，手机号码应为 11 位", n=digits)
        return _("来电号码太短：只有 %(n)s 位，座机号码至少 7 位（可带区号），手机号码 11 位", n=digits)
    if number.startswith("1") and digits != MOBILE_DIGITS and not foreign:
        return _("手机号码应为 11 位，现为 %(n)s 位", n=digits)
    if digits > MAX_DIGITS or len(phone) > 30:
        return _("来电号码太长：%(n)s 位，最多 20 位数字", n=digits)
    return None


def ticket_no_problem(number: str) -> str | None:
    """What is wrong with the characters of a 工单编号 (None: nothing; an empty one is numbered when stored). Its
    length (TICKET_NO_MAX) each channel checks where it reads it: the form's field, the import's column, the API."""
    if not number:
        return None
    wrong = list(dict.fromkeys(c for c in number if not _TICKET_NO_CHAR.match(c)))
    if wrong:
        shown = "、".join(_("空格") if c.isspace() else c for c in wrong)
        return _("工单编号只能包含字母、数字和 - _ /，不能有“%(chars)s”", chars=shown)
    if not _TICKET_NO.match(number):
        return _("工单编号应以字母或数字开头")
    return None


def problems(fields: dict, now: datetime | None = None) -> dict[str, str]:
    """{field: message} for every rule ``fields`` (ticket field names, aware datetimes) breaks."""
    now = now or clock.now()
    errors: dict[str, str] = {}
    number_problem = ticket_no_problem((fields.get("ticket_no") or "").strip())
    if number_problem:
        errors["ticket_no"] = number_problem
    phone = (fields.get("caller_phone") or "").strip()
    if phone and not _PHONE_STRIPPED.match(phone):
        # every channel refuses what the API's published schema refuses (and nothing more: a platform's
        # schema-valid push is taken); the desk's own form is stricter (phone_problem), a person typed it
        errors["caller_phone"] = phone_problem(phone) or _("来电号码格式不正确（只能包含数字、+、-、空格、括号，5–30 位）")
    called, dispatched, deadline = (fields.get(n) for n in ("called_at", "dispatched_at", "platform_deadline"))
    latest = now + FUTURE_TOLERANCE
    for name, value in (("called_at", called), ("dispatched_at", dispatched)):
        if value is None:
            continue
        if value < EARLIEST:
            errors[name] = _("日期 %(value)s 早于 2000 年，不是合理的日期", value=_local(value))
        elif value > latest:
            errors[name] = _("%(value)s 晚于当前时间，不能是将来的时间", value=_local(value))
    if called and dispatched and "called_at" not in errors and called > dispatched:
        errors["called_at"] = _("来电时间应早于派单时间")
    if deadline is not None:
        start = dispatched or now
        if dispatched is not None and deadline <= dispatched:
            errors["platform_deadline"] = _("办理时限应晚于派单时间")
        elif deadline < EARLIEST:
            errors["platform_deadline"] = _("日期 %(value)s 早于 2000 年，不是合理的日期", value=_local(deadline))
        elif deadline > one_year_after(start.astimezone(LOCAL_TZ)):
            errors["platform_deadline"] = _("办理时限 %(value)s 距派单超过一年，不是合理的时限", value=_local(deadline))
    return errors


def require_valid(fields: dict) -> None:
    errors = problems(fields)
    if errors:
        raise InvalidInput(errors)
