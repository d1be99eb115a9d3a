"""What a script may leave in process data (no app, no database)."""

from datetime import datetime, timedelta

import pytest

from app.engine.evaluator import ExpressionError, RestrictedEnvironment
from app.engine.storable import problem


def test_text_numbers_dates_lists_and_dicts_are_storable():
    value = {"a": [1, 2.5, "三", True, None, (1, 2)], 3: {"b": datetime(2026, 12, 3, 9, 0)}, "c": timedelta(hours=4)}
    assert problem("x", value) is None


@pytest.mark.parametrize(("script", "told"), [
    ("x = {1, 2}", "变量 x 的值是集合（set）"),
    ("x = range(3)", "变量 x 的值是范围（range）"),
    ("x = ValueError('a')", "变量 x 的值是异常对象（ValueError）"),
    ("x = [1, {'k': {2}}]", "变量 x[1]['k'] 的值是集合（set）"),
    ("x = {(1, 2): 3}", "变量 x 的键 (1, 2) 不是文字或数字"),
    ("x = []\nfor i in range(150):\n    x = [x]", "变量 x 嵌套超过 100 层"),
])
def test_a_script_leaving_what_cannot_be_stored_is_refused_naming_the_variable(script, told):
    context = {"amount": 1}
    with pytest.raises(ExpressionError) as err:
        RestrictedEnvironment().execute(script, context)
    assert told in str(err.value)


def test_variables_the_script_did_not_touch_are_not_judged_and_storable_results_pass():
    context = {"given": {1, 2}}  # (not the script's doing: it came from elsewhere)
    RestrictedEnvironment().execute("total = sum(given)\nnames = sorted(['b', 'a'])", context)
    assert context["total"] == 3 and context["names"] == ["a", "b"]


@pytest.mark.parametrize("script", ["x = map(str, [1, 2])", "x = zip([1], [2])", "x = {'a': 1}.keys()",
                                    "x = reversed([1, 2])", "x = filter(None, [0, 1])"])
def test_an_iterator_left_in_a_variable_is_told_to_become_a_list(script):
    with pytest.raises(ExpressionError) as err:
        RestrictedEnvironment().execute(script, {})
    assert "请改用列表（如 list(…)）" in str(err.value)
