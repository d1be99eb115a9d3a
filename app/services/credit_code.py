"""统一社会信用代码 (unified social credit code, GB 32100-2015): structure and check digit.

The check digit is computed by python-stdnum (``stdnum.cn.uscc``, weights 3^i mod 31 over
the 31-character alphabet without I, O, Z, S, V). The structure checks are ours, so each
refusal says in Chinese which position is wrong. stdnum's own ``validate`` is not used: it
only accepts digits in the first two positions, while the standard also has letter codes
for the registering authority (A, N, Y ...).
"""

from __future__ import annotations

import unicodedata

from stdnum.cn.uscc import calc_check_digit

from app.services import ServiceError, _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


class InvalidCreditCode(ServiceError):
    pass


def normalise(code: str | None) -> str:
    """Full-width to half-width, upper case, without spaces and hyphens."""
    text = unicodedata.normalize("NFKC", code or "")
    return "".join(ch for ch in text if not ch.isspace() and ch != "-").upper()


def validate(code: str | None) -> str:
    """The normalised code, or InvalidCreditCode with a message naming what is wrong."""
    code = normalise(code)
    if not code:
        raise InvalidCreditCode(_("请填写统一社会信用代码。"))
    if len(code) != 18:
        raise InvalidCreditCode(_("统一社会信用代码应为 18 位，现为 %(n)s 位。", n=len(code)))
    for pos, ch in enumerate(code, start=1):
        if ch not in ALPHABET:
            raise InvalidCreditCode(_(
                "统一社会信用代码第 %(pos)s 位“%(ch)s”不是有效字符（只能是数字和除 I、O、Z、S、V 以外的大写字母）。",
                pos=pos, ch=ch))
    if code[0] == "0":
        raise InvalidCreditCode(_("统一社会信用代码第 1 位（登记管理部门代码）不能为 0。"))
    if not code[2:8].isdigit():
        raise InvalidCreditCode(_("统一社会信用代码第 3-8 位应为 6 位数字的行政区划代码。"))
    if calc_check_digit(code[:17]) != code[17]:
        raise InvalidCreditCode(_("统一社会信用代码校验位不正确：请逐位核对，可能有字符输错。"))
    return code


def is_valid(code: str | None) -> bool:
    try:
        validate(code)
    except InvalidCreditCode:
        return False
    return True


def complete(first17: str) -> str:
    """The full code for 17 characters (appends the check digit); for demo data and tests."""
    first17 = normalise(first17)
    if len(first17) != 17:
        raise ValueError("17 characters expected")
    return first17 + calc_check_digit(first17)
