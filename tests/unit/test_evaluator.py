"""The restricted evaluator: what a diagram's expressions and scripts may and may not do."""

import pytest

from app.engine import dialect, evaluator
from app.engine.evaluator import EvaluationLimit, ExpressionError, RestrictedEnvironment
from app.engine.sizes import TooLarge


def env(**functions):
    return RestrictedEnvironment(functions)


@pytest.mark.parametrize("source", [
    "import os",
    "from os import system",
    "__import__('os').system('id')",
    "x = ().__class__.__bases__[0].__subclasses__()",
    "open('/etc/passwd').read()",
    "eval('1')",
    "exec('x = 1')",
    "getattr(x, 'y')",
    "class A: pass",
    "print('hi')",
])
def test_what_reaches_outside_is_refused_before_it_runs(source):
    found = evaluator.problems(source, "exec")
    assert found and all("不允许" in p or "不能" in p for p in found), found
    with pytest.raises(ExpressionError):
        env().execute(source, {})


def test_refusals_are_chinese_and_name_the_reason():
    assert evaluator.problems("import os", "exec") == ["不允许导入模块（import）"]
    assert evaluator.problems("a.__class__") == ["不允许访问以下划线开头的属性 __class__"]
    assert evaluator.problems("approved ==")[0].startswith("无法解析")


def test_an_endless_loop_is_stopped_with_a_clear_error():
    with pytest.raises(EvaluationLimit, match="死循环"):
        env().execute("n = 0\nwhile True:\n    n = n + 1", {})
    with pytest.raises(EvaluationLimit, match="死循环"):
        env().evaluate("len([1 for a in range(999) for b in range(999) for c in range(999)])", {})
    with pytest.raises(EvaluationLimit, match="递归"):
        env().evaluate("(lambda f: f(f))(lambda f: f(f))", {})


def test_huge_ranges_and_str_format_are_not_available():
    with pytest.raises(TooLarge, match="range\\(\\) 的数超过 100000 个"):
        env().evaluate("sum(range(10 ** 9))", {})
    with pytest.raises(TooLarge):
        env().evaluate("len(range(10 ** 30))", {})
    assert env().evaluate("sum(range(1000))", {}) == 499500  # (RestrictedPython's own range stopped at 999)
    with pytest.raises(NotImplementedError):
        env().evaluate("'{0.__class__}'.format(x)", {"x": 1})


@pytest.mark.parametrize("script", [
    "x = 10 ** (10 ** 7)",
    "x = pow(10, 10 ** 7)",
    "x = 2\nx **= 10 ** 8",
    "x = 'a' * (3 * 10 ** 9)",
    "x = [0] * 10 ** 8",
    "x = 3 ** 4000\nfor i in range(30):\n    x = x * x",
    "x = 1 << 10 ** 9",
    "x = 'a'.ljust(10 ** 9)",
    "x = f'{1:>3000000000}'",
    "n = 3000000000\nx = f'{1:>{n}}'",
    "x = '%3000000000s' % 'a'",
    # methods whose result outgrows what they are given, called on a value or on the type
    "x = (1).to_bytes(2 * 10 ** 9, 'big')",
    "x = int.to_bytes(1, 10 ** 9, 'big')",
    "x = ('a' * 20000).replace('a', 'b' * 20000)",
    "x = ('a' * 100000).replace('', 'b' * 100000)",
    "x = ('a' * 100000).translate({97: 'b' * 100000})",
    "x = ('x' * 1000000).join([''] * 1000)",
    "x = ''.join(['ab' * 500000] * 1000)",
    "x = str.join('x' * 1000000, [''] * 1000)",
    "x = ('\\t' * 100000).expandtabs(1000)",
    # doubling by addition: a dozen lines reach gigabytes
    "x = 'a' * 1000000\nfor i in range(12):\n    x = x + x",
    "x = [0] * 600000\nx += x",
    # what a review found past those: widths given as arguments, bool's to_bytes, f-strings, * displays,
    # a list written in place, sum of lists
    "x = '%*s' % (10 ** 9, '')",
    "x = '%.*f' % (10 ** 8, 1.5)",
    "x = '%(a)1000000000s' % {'a': ''}",
    "x = True.to_bytes(10 ** 9, 'big')",
    "x = bool.to_bytes(True, 10 ** 9, 'big')",
    "x = 'a' * 10 ** 6\nfor i in range(9):\n    x = f'{x}{x}'",
    "x = [0] * 10 ** 6\nfor i in range(10):\n    x = [*x, *x]",
    "x = (0,) * 10 ** 6\nfor i in range(10):\n    x = (*x, *x)",
    "x = [0] * 10 ** 6\nfor i in range(10):\n    x.extend(x)",
    "x = [0] * 10 ** 6\nfor i in range(10):\n    x[:0] = x",
    "x = sum([[0] * 10 ** 6] * 400, [])",
    # a list that shares itself: small, but written out as text 2 ** 30 items
    "x = [0]\nfor i in range(30):\n    x = [x, x]\ny = str(x)",
    "x = [0]\nfor i in range(30):\n    x = [x, x]\ny = f'{x}'",
    "x = [0]\nfor i in range(30):\n    x = [x, x]\ny = '%s' % (x,)",
])
def test_one_operation_cannot_take_the_memory_or_the_thread(script):
    """The step bound counts lines: each of these is one line that would take seconds or gigabytes."""
    with pytest.raises(TooLarge, match="结果过大"):
        env().execute(script, {})


def test_ordinary_text_methods_and_additions_still_work():
    data = {"items": [1]}
    env().execute("alias = items\nitems += [2]\nt = (1,)\nt += (2,)\ns = 'a-b'.replace('-', '+') + str.join('/', ['c', 'd'])\n"
                  "u = '\\t'.expandtabs(4) + 'ab'.translate({97: 'AA'})\nb = len((5).to_bytes(2, 'big'))\nn = 1\nn += 2.5", data)
    assert data["alias"] == [1, 2] and data["t"] == (1, 2) and data["s"] == "a+bc/d"  # += on a list stays in place
    assert data["u"] == "    AAb" and data["b"] == 2 and data["n"] == 3.5


def test_displays_f_strings_list_writes_and_sum_still_work():
    data = {}
    env().execute("a, *b = [1, 2, 3]\nc = [1, *b]\nt = (*b, 9)\ns = f'{1}-{\"a\"}-{2.5:.1f}-{[1]}'\n"
                  "x = [1]\nx[0] = 5\nx[1:1] = [6]\ndel x[0]\nx.extend(i for i in range(2))\nx.insert(0, 9)\n"
                  "n = sum([1, 2, 3]) + len(sum([[1], [2]], []))\nw = '%-*s|%(k)s' % (3, 'a', ) if False else '%-*s|' % (3, 'a')",
                  data)
    assert data["b"] == [2, 3] and data["c"] == [1, 2, 3] and data["t"] == (2, 3, 9)
    assert data["s"] == "1-a-2.5-[1]" and data["x"] == [9, 6, 0, 1] and data["n"] == 8 and data["w"] == "a  |"


def test_a_list_that_shares_itself_is_not_stored():
    with pytest.raises(ExpressionError, match="变量 x 的数据超过 1000000 项"):
        env().execute("x = [0]\nfor i in range(30):\n    x = [x, x]", {})


def test_restricted_pythons_refusals_are_said_in_chinese():
    from app.engine.evaluator import problems

    assert problems("x = [1]\nx[0] += 4", "exec") == [
        "写法不被允许：不能对列表或字典的元素用 +=、-= 等，请写成 x[0] = x[0] + 1（第 2 行）"]


def test_a_number_too_long_to_write_is_explained_in_chinese():
    from app.engine.errors import explain

    with pytest.raises(ValueError) as raised:
        env().evaluate("str(10 ** 5000)", {})
    assert explain(raised.value) == "整数位数过多（超过 4300 位），无法转换为文字"


def test_ordinary_arithmetic_and_formatting_still_work():
    data = {}
    env().execute("a = 3 * 4 ** 2\nb = 'ab' * 3\nc = f'{2.5:.2f}-{3:03d}-{7!r:>3}'\nd = '%.1f%%' % 12.34\n"
                  "e = 17 % 5\nf = 2 ** 64\ng = 'x'.center(5)\nh = [1] * 3", data)
    assert (data["a"], data["b"], data["c"], data["d"]) == (48, "ababab", "2.50-003-  7", "12.3%")
    assert (data["e"], data["f"], data["g"], data["h"]) == (2, 18446744073709551616, "  x  ", [1, 1, 1])


def test_product_functions_and_plain_data_work():
    data = {"rework_count": 1, "message": {"summary": "噪音"}, "cases": [1, 2]}
    environment = env(add_workdays=lambda start, days: f"{start}+{days}")
    script = ("rework_count += 1\nlabel = '催办：' + message['summary']\n"
              "due = add_workdays('2026-11-25', 3)\ntotal = sum(c * 2 for c in cases)\nfirst, second = cases")
    environment.execute(script, data)
    assert data["rework_count"] == 2 and data["label"] == "催办：噪音" and data["due"] == "2026-11-25+3"
    assert data["total"] == 6 and (data["first"], data["second"]) == (1, 2)
    assert "add_workdays" not in data and "__builtins__" not in data and not any(k.startswith("_") for k in data)
    assert environment.evaluate("len(cases) > 0 and message.get('summary') == '噪音'", data) is True


def test_a_variable_named_like_a_function_is_refused_in_chinese():
    with pytest.raises(ExpressionError, match="流程变量与函数同名：now"):
        env(now=lambda: "x").execute("y = 1", {"now": "2026"})


# JUEL as Camunda Modeler users write it: converted outside string literals only
@pytest.mark.parametrize(("juel", "python", "data", "expected"), [
    ("${decision == 'true'}", "decision == 'true'", {"decision": "true"}, True),
    ("${decision != 'false'}", "decision != 'false'", {"decision": "false"}, False),
    ("${a eq 'gt'}", "a == 'gt'", {"a": "gt"}, True),
    ("${n ne 3}", "n != 3", {"n": 3}, False),
    ("${amount gt 1000 and ok}", "amount > 1000 and ok", {"amount": 1001, "ok": True}, True),
    ("${amount lt 10 or vip}", "amount < 10 or vip", {"amount": 50, "vip": False}, False),
    ("${n ge 1 && n le 3}", "n >= 1 and n <= 3", {"n": 3}, True),
    ("${not approved}", "not approved", {"approved": False}, True),
    ("${!approved || urgent}", "not approved or urgent", {"approved": True, "urgent": False}, False),
    ("${empty note}", "not note", {"note": ""}, True),
    ("${note == 'empty box'}", "note == 'empty box'", {"note": "empty box"}, True),
    ("${x == null}", "x == None", {"x": None}, True),
    ("${x == 'null'}", "x == 'null'", {"x": None}, False),
    ("${flag == true}", "flag == True", {"flag": True}, True),
    ("${name == '!&& ||'}", "name == '!&& ||'", {"name": "!&& ||"}, True),
    ("${a  ==  'two  spaces'}", "a == 'two  spaces'", {"a": "two  spaces"}, True),
    ("${total div 2 == 3}", "total / 2 == 3", {"total": 6}, True),
    ("工单 ${no} 超期", "'工单 ' + str(no) + ' 超期'", {"no": "T-1"}, "工单 T-1 超期"),
])
def test_juel_forms(juel, python, data, expected):
    assert dialect.juel_to_python(juel) == python
    assert env().evaluate(python, data) == expected


@pytest.mark.parametrize("juel", ["${execution.getVariable('x')}", "${dateTime().plusWeeks(1)}",
                                  "${bean.method(x)}"])
def test_juel_method_calls_are_found(juel):
    assert evaluator.method_calls(dialect.juel_to_python(juel))


def test_juel_without_a_python_counterpart_is_named():
    assert "b if a else c" in dialect.juel_problems("${a ? 1 : 2}")[0]
    assert dialect.juel_problems("${a == '?'}") == []


def test_form_required_if_runs_in_the_evaluator():
    from app.forms.builder import RequiredIf

    check = RequiredIf("__import__('os').system('echo hacked')", "x")

    class Field:
        data = ""

    class Form:
        _fields = {}

    check(Form(), Field())  # refused condition: treated as not required, nothing ran
    needed = RequiredIf("${decision eq '退回'}", "请填写退回原因")

    class Decision:
        data = "退回"

    Form._fields = {"decision": Decision()}
    with pytest.raises(Exception, match="请填写退回原因"):
        needed(Form(), Field())


def test_a_misspelt_attribute_is_an_error_not_none():
    with pytest.raises(AttributeError):
        env().evaluate("reply.strp()", {"reply": " 好 "})
    assert env().evaluate("reply.strip()", {"reply": " 好 "}) == "好"
