"""重复反映与预警设置: the admin form (values are checked by app.services.rules_settings)."""

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired

from app.services.catalogue import lazy_gettext as _l


def _required(label):
    return [InputRequired(message=_l("请填写%(label)s", label=label))]


class RulesForm(FlaskForm):
    window_days = StringField(_l("重复反映时间窗口（天）"), validators=_required(_l("时间窗口")),
                              description=_l("同一来电号码或同一地址/企业的相似诉求，在此天数内视为重复反映（默认 30 天）。"))
    event_threshold = StringField(_l("内容相似度阈值（%）"), validators=_required(_l("相似度阈值")),
                                  description=_l("同一地址或企业的两件工单，内容分词后的相似度达到此值即提示为重复反映事件（默认 60）。"))
    sensitive_words = TextAreaField(_l("敏感词"), render_kw={"rows": 6},
                                    description=_l("每行一个，或用逗号、顿号分隔。标题或主要内容含任一敏感词即发出预警。"))
    cluster_count = StringField(_l("集中反映件数 N"), validators=_required(_l("集中反映件数")),
                                description=_l("同一企业或地址在 H 小时内收到 N 件工单（含本件）即发出预警。"))
    cluster_hours = StringField(_l("集中反映时段 H（小时）"), validators=_required(_l("集中反映时段")))
    escalate_hours = StringField(_l("预警升级时限（小时）"), validators=_required(_l("升级时限")),
                                 description=_l("预警发出后在此时间内无人确认，即升级给主管和分管领导（可为小数，如 0.5）。"))
    max_age_hours = StringField(_l("只对多少小时内的来电预警"), validators=_required(_l("预警时效")),
                                description=_l("导入的历史工单（来电时间早于此时限）不发预警。"))
