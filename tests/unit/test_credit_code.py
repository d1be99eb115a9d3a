"""统一社会信用代码: checked by the check digit (GB 32100-2015), normalised as people type them."""

from __future__ import annotations

import pytest

from app.services import credit_code
from tests.field_helpers import code


@pytest.mark.parametrize("value", [
    "91110000600037341L",             # a published example (GB 32100-2015 check digit L)
    code(1), code(2), code(7),        # computed here: 91110105MA001QK013 ...
    "91110105MA001QK013",
    " 9111 0105-MA001QK013 ",         # spaces and hyphens as people type them
    "91110105ma001qk013",             # lower case
    "９１１１０１０５ＭＡ００１ＱＫ０１３",  # full-width, as a Chinese input method gives it
    credit_code.complete("Y1110105MA01XK012"),  # registering authority code Y (其他)
])
def test_valid_credit_codes_are_accepted_and_normalised(value):
    assert credit_code.validate(value) == credit_code.normalise(value)
    assert len(credit_code.validate(value)) == 18


def test_the_computed_examples_are_what_the_standard_gives():
    assert code(1) == "91110105MA001QK013"
    assert code(2) == "91110105MA002QK02X"


@pytest.mark.parametrize(("value", "message"), [
    ("", "请填写统一社会信用代码"),
    ("91110105MA001QK01", "应为 18 位，现为 17 位"),
    ("91110105MA001QK0133", "应为 18 位，现为 19 位"),
    ("91110105MA001QKO13", "第 16 位“O”不是有效字符"),
    ("91110105MA001QI013", "第 15 位“I”不是有效字符"),
    ("91110105MA001QK014", "校验位不正确"),
    ("91110105MA001QK103", "校验位不正确"),  # two characters swapped
    ("9111A105MA001QK013", "第 3-8 位应为 6 位数字的行政区划代码"),
    ("01110105MA001QK013", "第 1 位（登记管理部门代码）不能为 0"),
])
def test_invalid_credit_codes_are_refused_with_a_clear_message(value, message):
    with pytest.raises(credit_code.InvalidCreditCode) as exc:
        credit_code.validate(value)
    assert message in str(exc.value)
