"""录入工单: a ticket entered by hand (walk-in or phone), with the platform's fields."""

import re

from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from app.engine.clock import LOCAL_TZ
from app.models.ticket import NATURES, SOURCES, TICKET_TYPES, URGENCIES

FMT = "%Y-%m-%dT%H:%M"
_PHONE = re.compile(r"^[0-9+\-\s]{5,20}$")


def _choices(values):
    return [(v, v) for v in values]


class TicketForm(FlaskForm):
    ticket_no = StringField("工单编号", validators=[InputRequired(message="请填写工单编号"),
                                                Length(max=40, message="工单编号不能超过 40 个字符")])
    ticket_type = SelectField("工单类型", choices=_choices(TICKET_TYPES), default="投诉")
    topic = StringField("问题分类", validators=[Length(max=120, message="问题分类不能超过 120 个字")],
                        render_kw={"placeholder": "如：文化->文化市场->网吧"})
    title = StringField("标题", validators=[InputRequired(message="请填写标题"),
                                          Length(max=200, message="标题不能超过 200 个字")])
    content = TextAreaField("主要内容", validators=[InputRequired(message="请填写主要内容"),
                                                 Length(max=5000, message="主要内容不能超过 5000 个字")])
    caller_name = StringField("来电人", validators=[Length(max=60, message="来电人不能超过 60 个字")])
    caller_phone = StringField("来电号码", validators=[Optional(), Length(max=30)])
    district = StringField("被反映区", validators=[Length(max=60)])
    street = StringField("街乡镇", validators=[Length(max=60)])
    community = StringField("社区", validators=[Length(max=60)])
    address = StringField("地址", validators=[Length(max=200, message="地址不能超过 200 个字")])
    enterprise = StringField("涉及企业", validators=[Length(max=120)])
    called_at = DateTimeLocalField("来电时间", format=FMT, validators=[Optional()])
    dispatched_at = DateTimeLocalField("派单时间", format=FMT, validators=[Optional()])
    platform_deadline = DateTimeLocalField("办理时限", format=FMT, validators=[Optional()],
                                           description="平台给定的办理时限；留空则按 7 个工作日计算")
    urgency = SelectField("紧急程度", choices=_choices(URGENCIES), default="一般")
    nature = SelectField("工单性质", choices=_choices(NATURES), default="主办")
    source = SelectField("来源", choices=_choices(SOURCES), default="其他")

    def validate_caller_phone(self, field):
        if field.data and not _PHONE.match(field.data.strip()):
            raise ValidationError("来电号码格式不正确（只能包含数字、+、-）")

    def validate_platform_deadline(self, field):
        if field.data and self.dispatched_at.data and field.data <= self.dispatched_at.data:
            raise ValidationError("办理时限应晚于派单时间")

    def ticket_fields(self) -> dict:
        fields = {}
        for name in ("ticket_no", "ticket_type", "topic", "title", "content", "caller_name", "caller_phone",
                     "district", "street", "community", "address", "enterprise", "urgency", "nature", "source"):
            value = getattr(self, name).data
            fields[name] = value.strip() if isinstance(value, str) else (value or "")
        for name in ("called_at", "dispatched_at", "platform_deadline"):
            value = getattr(self, name).data
            fields[name] = value.replace(tzinfo=LOCAL_TZ) if value else None
        return fields
