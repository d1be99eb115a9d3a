"""考核与办理设置: the rates' weights, targets and month boundary, the reply check dictionaries,
exclusion grounds and the extension limit — checked, explained in Chinese, kept as typed on errors."""

from app.extensions import db
from app.services import casework_settings, rates, reply_check
from app.services import settings as store
from tests.conftest import shanghai

URL = "/casework/settings"


def good_form():
    values = dict(casework_settings.form_values())
    values.update({
        "rate_weight_basic_resolved": "0.9", "rate_weight_basic_satisfied": "0.85", "rate_target_response": "99.5",
        "assessment_start_day": "19", "reply_length_min": "50", "reply_length_max": "300",
        "reply_typos": values["reply_typos"] + "\n回覆=回复",
        "reply_risky_words": values["reply_risky_words"] + "\n爱咋咋地",
        "exclusion_grounds": "不合理诉求\n非本单位职责\n诉讼或仲裁中\n重复恶意来电\n已在信访程序中\n其他",
        "extension_max_workdays": "20", "exclusion_appeal_workdays": "5", "supervision_interval_workdays": "2",
    })
    return values


def test_only_supervisors_and_admins(app, browser):
    assert browser("zhuguan").get(URL).status_code == 200
    assert browser("liucheng").get(URL).status_code == 200
    assert browser("wenhua").get(URL).status_code == 403
    page = browser("zhuguan").get(URL).get_data(as_text=True)
    assert 'value="0.8"' in page and "联系时间：" in page and "按排=安排" in page and "瞎投诉" in page
    assert "诉讼或仲裁中" in page and 'value="15"' in page


def test_bad_values_are_named_and_kept(app, browser):
    zhuguan = browser("zhuguan")
    values = good_form()
    values.update({
        "rate_weight_basic_resolved": "1.5", "rate_target_resolution": "九十", "assessment_start_day": "30",
        "reply_length_min": "300", "reply_length_max": "100",
        "reply_elements": "联系时间：当日、次日\n处理措施 责令、整改\n核查情况：经查",
        "reply_typos": "按排 安排",
        "exclusion_grounds": "",
        "extension_max_workdays": "7.5",
    })
    response = zhuguan.post(URL, values)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for message in ("“基本解决”权重应在 0 到 1 之间", "解决率目标（%）必须是数字", "考核期起始日应在 1 到 28 之间",
                    "答复最多字数应大于最少字数", "第 2 行“处理措施 责令、整改”应写成“要素名：词语1、词语2”",
                    "第 1 行“按排 安排”应写成“错词=正确写法”", "剔除理由至少要有 1 个",
                    "延期上限（收件后工作日）必须是整数"):
        assert message in page, message
    assert 'value="1.5"' in page and 'value="九十"' in page and "处理措施 责令、整改" in page, "kept as typed"
    assert rates.setting("rate_weight_basic_resolved") == 0.8, "nothing was saved"
    values["reply_elements"] = "联系时间：当日\n核查情况：经查、[核实"
    page = zhuguan.post(URL, values).get_data(as_text=True)
    assert "不是有效的正则表达式" in page


def test_saved_values_take_effect(app, browser):
    zhuguan = browser("zhuguan")
    response = zhuguan.post(URL, good_form())
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    db.session.expire_all()
    assert rates.setting("rate_weight_basic_resolved") == 0.9 and rates.setting("assessment_start_day") == 19
    assert rates.period_bounds("2026-12")[0] == shanghai(2026, 11, 19)
    result = reply_check.check_reply("已回覆来电人，爱咋咋地。")
    assert ("回覆", "回复") in result.typos and "爱咋咋地" in result.risky_words
    assert result.length_range == (50, 300)
    assert "已在信访程序中" in casework_settings.exclusion_grounds()
    assert casework_settings.extension_max_workdays() == 20
    assert store.get("supervision_interval_workdays") == 2
    page = zhuguan.get(URL).get_data(as_text=True)
    assert 'value="0.9"' in page and 'value="19"' in page and "已在信访程序中" in page
