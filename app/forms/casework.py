"""Forms of 延期申请, 剔除申请, 挂账申请, 督办 and the settings page.

The forms check what a form can (filled in, a real date); the services check the rest
(deadlines, limits, permissions) and name the field that is wrong.
"""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.services.catalogue import lazy_gettext as _l

LIFT_NOTE_LIMIT = 200  # 解除说明 of 解除督办 (characters)


class ExtensionForm(FlaskForm):
    reason = TextAreaField(_l("延期理由"), validators=[InputRequired(message=_l("请填写延期理由")),
                                                   Length(max=500, message=_l("延期理由不能超过 500 个字"))],
                           description=_l("写明为什么在现办理时限内无法办结，例如需要多部门协调、等待检测结果。"))
    new_date = DateField(_l("申请延至（日期）"), validators=[InputRequired(message=_l("请选择延期后的日期"))],
                         invalid_value_message=_l("延期后的日期不是有效的日期（如 2026-11-25）"),
                         description=_l("时刻与现办理时限相同；须为工作日。"))


class ExclusionForm(FlaskForm):
    ground = SelectField(_l("剔除理由"), validators=[InputRequired(message=_l("请选择剔除理由"))],
                         invalid_choice_message=_l("所选剔除理由不在可选范围内"))
    evidence = TextAreaField(_l("证据说明"), validators=[InputRequired(message=_l("请填写证据说明")),
                                                     Length(max=2000, message=_l("证据说明不能超过 2000 个字"))],
                             description=_l("写明依据：来电记录、判决或仲裁受理文书、职责划分文件等。"))
    evidence_file = FileField(_l("证据文件"), description=_l("可选：PDF、JPG、PNG 或 DOCX，不超过 20 MB。"),
                              render_kw={"accept": ".pdf,.jpg,.jpeg,.png,.docx"})

    def __init__(self, *args, grounds: list[str], **kwargs):
        """``grounds``: the exclusion grounds the settings allow (casework_settings.exclusion_grounds())."""
        super().__init__(*args, **kwargs)
        self.ground.choices = [("", _l("请选择"))] + [(g, g) for g in grounds]


class CarryForm(FlaskForm):
    reason = TextAreaField(_l("暂时无法解决的原因"), validators=[
        InputRequired(message=_l("请填写暂时无法解决的原因")), Length(max=500, message=_l("原因不能超过 500 个字"))],
        description=_l("如：需出台政策、需财政资金、需长期施工。"))
    plan = TextAreaField(_l("解决计划"), validators=[InputRequired(message=_l("请填写解决计划")),
                                                 Length(max=2000, message=_l("解决计划不能超过 2000 个字"))])
    review_date = DateField(_l("计划复核日期"), validators=[InputRequired(message=_l("请选择计划复核日期"))],
                            invalid_value_message=_l("计划复核日期不是有效的日期（如 2026-11-25）"))


class SuperviseForm(FlaskForm):
    interval_days = StringField(_l("进展报告间隔（工作日）"),
                                validators=[InputRequired(message=_l("请填写进展报告间隔"))])
    note = TextAreaField(_l("督办要求"), validators=[Optional(), Length(max=500, message=_l("督办要求不能超过 500 个字"))])


class LiftForm(FlaskForm):
    note = StringField(_l("解除说明"), validators=[Optional(), Length(max=LIFT_NOTE_LIMIT,
                                                                    message=_l("解除说明不能超过 200 个字"))])


class CarriedReviewForm(FlaskForm):
    review_note = TextAreaField(_l("复核意见"), validators=[
        Optional(), Length(max=2000, message=_l("复核意见不能超过 2000 个字"))])


def _number(label):
    return StringField(label, validators=[InputRequired(message=_l("请填写%(label)s", label=label))])


class SettingsForm(FlaskForm):
    rate_weight_basic_resolved = _number(_l("“基本解决”权重"))
    rate_weight_basic_satisfied = _number(_l("“基本满意”权重"))
    rate_target_response = _number(_l("响应率目标（%）"))
    rate_target_resolution = _number(_l("解决率目标（%）"))
    rate_target_satisfaction = _number(_l("满意率目标（%）"))
    assessment_start_day = _number(_l("考核期起始日"))
    reply_length_min = _number(_l("答复最少字数"))
    reply_length_max = _number(_l("答复最多字数"))
    reply_elements = TextAreaField(_l("六要素及其识别词"), render_kw={"rows": 8},
                                   description=_l("每行一个要素：“要素名：词语1、词语2”，词语用顿号分隔；含 \\ [ ] { } ( ) 的按正则表达式匹配。"))
    reply_typos = TextAreaField(_l("常见错别字"), render_kw={"rows": 6},
                                description=_l("每行一条：“错词=正确写法”。"))
    reply_risky_words = TextAreaField(_l("舆情风险用语"), render_kw={"rows": 4},
                                      description=_l("每行一个，或用逗号、顿号分隔。"))
    exclusion_grounds = TextAreaField(_l("剔除理由"), render_kw={"rows": 5},
                                      description=_l("每行一个，承办人申请剔除时从中选择。"))
    extension_max_workdays = _number(_l("延期上限（收件后工作日）"))
    exclusion_appeal_workdays = _number(_l("剔除申诉期限（工作日）"))
    supervision_interval_workdays = _number(_l("督办进展报告间隔（工作日）"))
