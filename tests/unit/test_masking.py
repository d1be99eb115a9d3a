"""Free-text masking of citizens' personal data (no app, no database)."""

import pytest

from app.services.masking import MASKED, is_id_number, looks_like_id_number, luhn_ok, mask_text

VALID_ID = "110101198001051234"  # check digit 4 holds
VALID_ID_X = "11010119900307002X"


@pytest.mark.parametrize(("text", "masked"), [
    ("来电人电话13912345678。", "来电人电话139****5678。"),
    ("手机 139-1234-5678 或 139 1234 5678", "手机 139****5678 或 139****5678"),
    ("+86 13912345678", "+86 139****5678"),  # the country code kept as written (it was dropped unseen)
    ("电话0086-138-1111-2222", "电话0086-138****2222"),
    ("微信号13811112222wx", "微信号138****2222wx"),  # glued to letters it is still a number
    # full-width digits (a Chinese input method's): the same digits hidden as in the half-width form
    ("手机１３８１１１１２２２２", "手机138****2222"),
    ("身份证１１０１０１１９８００１０５１２３４", "身份证110101********1234"),
    ("李先生（电话１３８１１１１２２２２）", "李先生（电话138****2222）"),  # its own punctuation kept
    ("座机（０１０）６５１２３４５６", "座机（010）****3456"),
    (f"身份证号{VALID_ID}，请核实", "身份证号110101********1234，请核实"),
    (f"证件 {VALID_ID_X}", "证件 110101********002X"),
    ("卡号4111111111111111已扣款", "卡号4111********1111已扣款"),
    ("卡号 4111 1111 1111 1111", "卡号 4111********1111"),
    ("邮箱 zhang.san@example.com 联系", "邮箱 z***@example.com 联系"),
    ("邮箱zhang.san@example.com，电话", "邮箱z***@example.com，电话"),  # glued to Chinese text
    ("座机010-65123456", "座机010-****3456"),
    ("联系电话：6512 3456", "联系电话：****3456"),
    # a mistyped ID number (its check digit does not hold) is still a person's number
    ("身份证110101198001051235", "身份证110101********1235"),
    # a check digit that holds needs no province: a foreigner's permanent residence card (2023) begins with 9
    ("永居证911156199003070017", "永居证911156********0017"),
    # as 6-8-4 groups, with spaces or dashes, as people read them out
    ("身份证 110101 19800105 1234 已核", "身份证 110101********1234 已核"),
    ("身份证110101-19800105-1235", "身份证110101********1235"),
    # a first-generation number (15 digits, before 1999): a province and a real birth date (800105)
    ("旧身份证号110101800105123。", "旧身份证号110101******123。"),
])
def test_personal_numbers_in_free_text_are_masked(text, masked):
    assert mask_text(text) == masked


@pytest.mark.parametrize("text", [
    "工单BJ20261125000123已转办",  # a ticket number inside a word
    "202611250001234567",  # an 18-digit order number: 20 is no province
    "110101198002301234",  # no birth date (30 February)
    "4111111111111112",  # fails Luhn
    "2026-11-25 14:30 来电，金额 12345 元",
    "统一社会信用代码 91110105MA01ABCD0X",
    "订单号202611250001234",  # 15 digits, 20 is no province
    "110101801305123",  # 15 digits, month 13 is no birth date
    "110101 19800230 1234",  # grouped, 30 February is no birth date
    "营业执照注册号：110108000123456",  # an enterprise's 15-digit registration number (before 2015)
    "注册号110108000123456",
])
def test_numbers_that_are_not_personal_data_are_left_alone(text):
    assert mask_text(text) == text


def test_check_digits():
    assert is_id_number(VALID_ID) and is_id_number(VALID_ID_X.lower())
    assert not is_id_number("110101198013051234"), "month 13 is no birth date"
    assert looks_like_id_number("110101198001051235") and not is_id_number("110101198001051235")
    assert not looks_like_id_number("991101198001051234"), "99 is no province"
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")


def test_a_masked_reader_sees_fields_by_kind():
    assert MASKED.field("caller_phone", "13811112222") == "138****2222"
    assert MASKED.field("caller_name", "李建国") == "李**"
    assert MASKED.field("address", "东华路18号") == "（已隐藏）"
    assert MASKED.field("title", "来电13811112222") == "来电138****2222"
    assert MASKED.field("ticket_no", "4111111111111111") == "4111111111111111", "numbers, ids: never masked"


def test_the_callers_name_is_masked_in_free_text_but_not_a_single_character():

    from app.services.masking import MASKED, Mask, caller_names

    mask = Mask(False, caller_names("李先生"))
    assert mask.text("联系人 李先生，电话13912345678") == "联系人 李**，电话139****5678"
    assert mask.text("李先生您好") == "李**您好"
    assert caller_names("李") == () and caller_names(None) == ()
    assert MASKED.text("李先生") == "李先生", "without a ticket there is no name to look for"


def test_the_name_is_masked_in_the_tickets_free_text_fields_but_placeholders_are_words():

    from app.services.masking import Mask, caller_names

    mask = Mask(False, caller_names("李先生"))
    assert mask.field("content", "市民李先生来电反映") == "市民李**来电反映"
    assert mask.field("reply_text", "李先生您好") == "李**您好"
    for placeholder in ("市民", "先生", "匿名"):
        assert caller_names(placeholder) == (), placeholder
