"""录入工单: a ticket entered by hand (walk-in or phone), with the platform's fields.

The rules every channel shares (phone format, dates, deadline after dispatch) are
app/services/ticket_rules.py; the view puts their messages on these fields."""

from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from app.engine.clock import LOCAL_TZ
from app.forms.builder import ChoiceField
from app.models.ticket import CHANNELS, NATURES, SOURCES, TICKET_TYPES, URGENCIES
from app.services import ticket_rules
from app.services.catalogue import lazy_gettext as _l

FMT = "%Y-%m-%dT%H:%M"
PLATFORM_SOURCES = ("市级直派", "区级转派")  # they always carry the platform's number


def _choices(values):
    return [(v, v) for v in values]


class TicketForm(FlaskForm):
    channel = ChoiceField(_l("反映渠道"), choices=_choices(CHANNELS), default="电话", validators=[Optional()],
                          invalid_choice_message=_l("所选反映渠道不在可选范围内"))
    ticket_no = StringField(_l("工单编号"), filters=[ticket_rules.half_width], validators=[Length(max=ticket_rules.TICKET_NO_MAX, message=_l("工单编号不能超过 40 个字符"))],
                            description=_l("平台工单填平台编号；来访、信件等没有编号的留空，保存时自动编号（如 LF202612010001）"))
    ticket_type = SelectField(_l("工单类型"), choices=_choices(TICKET_TYPES), default="投诉",
                              invalid_choice_message=_l("所选工单类型不在可选范围内"))
    topic = StringField(_l("问题分类"), validators=[Length(max=120, message=_l("问题分类不能超过 120 个字"))],
                        render_kw={"placeholder": _l("如：文化->文化市场->网吧")})
    title = StringField(_l("标题"), validators=[InputRequired(message=_l("请填写标题")),
                                              Length(max=200, message=_l("标题不能超过 200 个字"))])
    content = TextAreaField(_l("主要内容"), validators=[InputRequired(message=_l("请填写主要内容")),
                                                     Length(max=5000, message=_l("主要内容不能超过 5000 个字"))])
    caller_name = StringField(_l("来电人"), validators=[Length(max=60, message=_l("来电人不能超过 60 个字"))])
    caller_phone = StringField(_l("来电号码"), filters=[ticket_rules.half_width],  # typed with a Chinese IME
                               validators=[Optional(), Length(max=30, message=_l("来电号码不能超过 30 个字符"))])
    district = StringField(_l("被反映区"), validators=[Length(max=60, message=_l("被反映区不能超过 60 个字"))])
    street = StringField(_l("街乡镇"), validators=[Length(max=60, message=_l("街乡镇不能超过 60 个字"))])
    community = StringField(_l("社区"), validators=[Length(max=60, message=_l("社区不能超过 60 个字"))])
    address = StringField(_l("地址"), validators=[Length(max=200, message=_l("地址不能超过 200 个字"))])
    enterprise = StringField(_l("涉及企业"), validators=[Length(max=120, message=_l("涉及企业不能超过 120 个字"))])
    called_at = DateTimeLocalField(_l("来电时间"), format=FMT, validators=[Optional()],
                                   invalid_value_message=_l("来电时间不是有效的日期和时间（如 2026-11-25 09:30）"))
    dispatched_at = DateTimeLocalField(_l("派单时间"), format=FMT, validators=[Optional()],
                                       invalid_value_message=_l("派单时间不是有效的日期和时间（如 2026-11-25 09:30）"))
    platform_deadline = DateTimeLocalField(_l("办理时限"), format=FMT, validators=[Optional()],
                                           invalid_value_message=_l("办理时限不是有效的日期和时间（如 2026-11-25 09:30）"),
                                           description=_l("平台给定的办理时限；留空则按 7 个工作日计算"))
    urgency = SelectField(_l("紧急程度"), choices=_choices(URGENCIES), default="一般",
                          invalid_choice_message=_l("所选紧急程度不在可选范围内"))
    nature = SelectField(_l("工单性质"), choices=_choices(NATURES), default="主办",
                         invalid_choice_message=_l("所选工单性质不在可选范围内"))
    source = SelectField(_l("来源"), choices=_choices(SOURCES), default="其他",
                         invalid_choice_message=_l("所选来源不在可选范围内"))

    def validate_caller_phone(self, field):
        """A number typed at the desk: its real fault said precisely (too short, a mobile without 11 digits)."""
        message = ticket_rules.phone_problem((field.data or "").strip()) if (field.data or "").strip() else None
        if message:
            raise ValidationError(message)

    def validate_ticket_no(self, field):
        if not (field.data or "").strip() and self.source.data in PLATFORM_SOURCES:
            raise ValidationError(_l("%(source)s的工单请填写平台的工单编号", source=self.source.data))

    def ticket_fields(self) -> dict:
        fields = {}
        for name in ("channel", "ticket_no", "ticket_type", "topic", "title", "content", "caller_name", "caller_phone",
                     "district", "street", "community", "address", "enterprise", "urgency", "nature", "source"):
            value = getattr(self, name).data
            fields[name] = value.strip() if isinstance(value, str) else (value or "")
        for name in ("called_at", "dispatched_at", "platform_deadline"):
            value = getattr(self, name).data
            fields[name] = value.replace(tzinfo=LOCAL_TZ) if value else None
        return fields
