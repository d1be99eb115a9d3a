"""Password rules, ticket field rules and formula neutralisation in exports (pure functions)."""

import csv
import io
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook

from app.engine.clock import LOCAL_TZ
from app.services import passwords, spreadsheets, ticket_rules

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=LOCAL_TZ)


@pytest.mark.parametrize(("password", "why"), [
    ("short1!", "至少 10 位"),
    ("wangwei-2026x", "不能包含用户名"),
    ("jiesu2026", "至少"),  # the demo's password: too short, and common
    ("Password2026!", "常见密码"),
    ("qwertyuiop", "常见密码"),
    ("aaaaaaaaaaaa", "过于简单"),
    ("1234567890", "常见密码"),
    ("abcdefghijk", "过于简单"),
    ("jiesu2026jiesu2026", "常见密码"),  # the published demo password written twice
    ("Password123Password123", "常见密码"),
])
def test_weak_passwords_are_refused_with_the_reason(password, why):
    assert why in (passwords.problem(password, "wangwei", "王伟") or "")


def test_a_good_password_passes():
    assert passwords.problem("长城-Bamboo-47-tea", "wangwei", "王伟") is None
    assert "jiesu2026" in passwords.common_passwords(), "the published demo password can never be a real one"


def test_ticket_rules_name_each_broken_field():
    errors = ticket_rules.problems({
        "caller_phone": "abc<>", "called_at": NOW, "dispatched_at": datetime(2099, 1, 1, tzinfo=LOCAL_TZ),
        "platform_deadline": NOW - timedelta(days=1)}, now=NOW)
    assert set(errors) == {"caller_phone", "dispatched_at", "platform_deadline"}
    assert "不允许的字符“abc<>”" in errors["caller_phone"]
    assert "不能是将来的时间" in errors["dispatched_at"]
    assert errors["platform_deadline"] == "办理时限应晚于派单时间"


@pytest.mark.parametrize(("number", "message"), [
    ("BJ12345-2026-000101", None), ("JX-2026/015", None), ("lf_2026_1", None), ("", None),
    ("BJ 001", "工单编号只能包含字母、数字和 - _ /，不能有“空格”"),
    ("编号<script>", "工单编号只能包含字母、数字和 - _ /，不能有“编、号、<、>”"),
    ("-001", "工单编号应以字母或数字开头"),
])
def test_a_ticket_number_is_letters_digits_and_dash_underscore_slash(number, message):
    assert ticket_rules.problems({"ticket_no": number}, now=NOW).get("ticket_no") == message


def test_every_number_the_platform_api_takes_passes_the_shared_rule():
    """The API's path parameter (schemas.TICKET_NO_PATTERN) is a subset: a platform's push is never refused by it."""
    from hypothesis import given
    from hypothesis import strategies as st

    from app.web.api.schemas import TICKET_NO_PATTERN

    @given(st.from_regex(TICKET_NO_PATTERN, fullmatch=True))
    def check(number):
        assert ticket_rules.ticket_no_problem(number) is None

    check()


def test_ticket_rules_accept_what_platforms_really_send():
    assert ticket_rules.problems({"caller_phone": "138****2222", "called_at": NOW - timedelta(hours=1),
                                  "dispatched_at": NOW, "platform_deadline": NOW + timedelta(days=10)},
                                 now=NOW) == {}
    assert "距派单超过一年" in ticket_rules.problems(
        {"dispatched_at": NOW, "platform_deadline": NOW + timedelta(days=400)}, now=NOW)["platform_deadline"]
    # within a year: the same date a year later at the latest (2026-12-02 -> 2027-12-02, not 12-03)
    from datetime import datetime

    from app.engine.clock import LOCAL_TZ

    sent = datetime(2026, 12, 2, 10, 0, tzinfo=LOCAL_TZ)
    assert ticket_rules.problems({"dispatched_at": sent, "platform_deadline": sent.replace(year=2027)}, now=sent) == {}
    assert "距派单超过一年" in ticket_rules.problems(
        {"dispatched_at": sent, "platform_deadline": sent + timedelta(days=366)}, now=sent)["platform_deadline"]
    assert ticket_rules.problems({"called_at": NOW, "dispatched_at": NOW - timedelta(hours=1)}, now=NOW) == {
        "called_at": "来电时间应早于派单时间"}


@pytest.mark.parametrize("value", ['=HYPERLINK("http://evil.example","点我")', "+1+1", "-2+3", "@SUM(A1)",
                                   "\t=1", "\r=1"])
def test_formula_like_text_is_written_as_text(value):
    content = spreadsheets.workbook(spreadsheets.Sheet("t", ["a", "b", "c", "d"], [[value, "普通文本", 5, -5]]))
    a, b, c, d = load_workbook(io.BytesIO(content)).active[2]
    assert (a.data_type, a.quotePrefix, a.value) == ("s", True, value)
    assert (b.data_type, b.quotePrefix) == ("s", False)
    assert (c.value, d.value, d.data_type) == (5, -5, "n"), "numbers stay numbers"
    rows = list(csv.reader(io.StringIO(spreadsheets.csv_text(["a"], [[value], ["文本"]]).lstrip("\ufeff"))))
    assert rows[1:] == [["'" + value], ["文本"]]
