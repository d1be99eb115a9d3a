"""Forms of the field inspection and the enterprise ledger (hand-written: they need real logic)."""

from __future__ import annotations

import uuid
from datetime import date

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from app.engine.clock import LOCAL_TZ, clock
from app.engine.expressions import to_iso
from app.forms.builder import WellFormed
from app.models import ENTERPRISE_KINDS, RISK_LEVELS
from app.services.catalogue import lazy_gettext as _l
from app.services.enterprises.ledger import LIMITS

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
DEFAULT_REQUIREMENTS = "立即对上述问题进行整改，并于整改期限届满前将整改情况书面报送我局。"


def new_token() -> str:
    return uuid.uuid4().hex


class TokenForm(FlaskForm):
    """A form whose submission is idempotent: the token travels with it (and with its saved draft)."""

    submit_token = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.submit_token.data:
            self.submit_token.data = new_token()


class AssignForm(FlaskForm):
    """指派检查员 (formKey jiesu:inspection-assign): two different active inspectors."""

    # the choices are the active inspectors: anyone else is refused by the choice check
    inspector_1 = SelectField(_l("检查员（主办）"), validators=[InputRequired(message=_l("请选择主办检查员"))],
                              invalid_choice_message=_l("所选人员不是在岗检查员"))
    inspector_2 = SelectField(_l("检查员（协办）"), validators=[InputRequired(message=_l("请选择协办检查员"))],
                              invalid_choice_message=_l("所选人员不是在岗检查员"))
    assign_note = TextAreaField(_l("指派说明"), validators=[Length(max=500, message=_l("指派说明不能超过 500 个字"))])

    def __init__(self, *args, inspectors=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _l("请选择"))] + [(u.username, u.name) for u in inspectors]
        self.inspector_1.choices = self.inspector_2.choices = choices
        self.names = {u.username: u.name for u in inspectors}

    def validate_inspector_2(self, field):
        if field.data and field.data == self.inspector_1.data:
            raise ValidationError(_l("两名检查员不能是同一人"))

    def task_data(self):
        data = {"inspector_1": self.inspector_1.data, "inspector_2": self.inspector_2.data,
                "assign_note": (self.assign_note.data or "").strip()}
        display = [["检查员", f"{self.names[data['inspector_1']]}、{self.names[data['inspector_2']]}"]]
        if data["assign_note"]:
            display.append(["指派说明", data["assign_note"]])
        return data, display


class CheckFormBase(TokenForm):
    checked_at = DateTimeLocalField(_l("检查时间"), format=DATETIME_FORMAT,
                                    validators=[InputRequired(message=_l("请填写检查时间"))],
                                    invalid_value_message=_l("检查时间不是有效的日期和时间（如 2026-11-25 09:30）"))
    latitude = HiddenField()
    longitude = HiddenField()
    accuracy = HiddenField()
    location_note = StringField(_l("检查地点（未取得定位时必填）"),
                                validators=[Length(max=200, message=_l("检查地点不能超过 200 个字"))])
    findings = TextAreaField(_l("检查情况"), validators=[Length(max=2000, message=_l("检查情况不能超过 2000 个字"))])
    requirements = TextAreaField(_l("整改要求"), default=DEFAULT_REQUIREMENTS,
                                 validators=[Length(max=1000, message=_l("整改要求不能超过 1000 个字"))])
    legal_basis = TextAreaField(_l("法律依据"), description=_l("留空时按不合格项的依据自动填写"),
                                validators=[Length(max=1000, message=_l("法律依据不能超过 1000 个字"))])
    rectify_days = IntegerField(_l("整改期限（工作日）"), default=10,
                                validators=[Optional(), WellFormed(),
                                            NumberRange(min=1, max=60, message=_l("整改期限应为 1 至 60 个工作日"))],
                                invalid_value_message=_l("整改期限应为整数（工作日）"))
    photos = MultipleFileField(_l("照片和文件（证据）"))

    items: list[dict] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.checked_at.data is None and not self.is_submitted():
            self.checked_at.data = clock.local_now().replace(second=0, microsecond=0, tzinfo=None)

    def _coordinate(self, field, low, high, label):
        text = (field.data or "").strip()
        if not text:
            return None
        try:
            value = float(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            self.location_note.errors = [*self.location_note.errors, _l("定位数据无效（%(label)s），请重新定位或手工填写地点",
                                                                        label=label)]
            return None
        return value

    def location(self):
        lat = self._coordinate(self.latitude, -90, 90, _l("纬度"))
        lng = self._coordinate(self.longitude, -180, 180, _l("经度"))
        acc = self._coordinate(self.accuracy, 0, 100000, _l("精度"))
        return lat, lng, acc

    def answers(self) -> dict[str, tuple[str, str]]:
        return {i["id"]: (self[f"item_{i['id']}"].data or "", (self[f"note_{i['id']}"].data or "").strip())
                for i in self.items}

    def checked_at_aware(self):
        value = self.checked_at.data
        return value.replace(tzinfo=LOCAL_TZ) if value is not None else None


_check_classes: dict[tuple, type] = {}


def check_form_class(items: list[dict]) -> type[CheckFormBase]:
    """The on-site form of a checklist: one 合格/不合格/不适用 choice and a note per item."""
    key = tuple((i["id"], i["text"]) for i in items)
    cls = _check_classes.get(key)
    if cls is None:
        attrs = {"items": items}
        for item in items:
            attrs[f"item_{item['id']}"] = RadioField(
                item["text"], choices=[("合格", _l("合格")), ("不合格", _l("不合格")), ("不适用", _l("不适用"))],
                validators=[InputRequired(message=_l("请选择本项的检查结果"))],
                invalid_choice_message=_l("本项的检查结果不在可选范围内"))
            attrs[f"note_{item['id']}"] = StringField(
                _l("说明"), validators=[Length(max=500, message=_l("说明不能超过 500 个字"))])
        cls = type("CheckForm", (CheckFormBase,), attrs)
        _check_classes[key] = cls
    return cls


class LicenceWarningForm(FlaskForm):
    """证照到期预警 (formKey jiesu:licence-warning)."""

    licence_action = RadioField(_l("处理结果"), choices=[("已换发新证", _l("已换发新证")),
                                                     ("已告知企业办理", _l("已告知企业办理")),
                                                     ("企业已停业注销", _l("企业已停业注销"))],
                                validators=[InputRequired(message=_l("请选择处理结果"))],
                                invalid_choice_message=_l("所选处理结果不在可选范围内"))
    new_licence_expiry = DateField(_l("新证有效期至"), validators=[Optional()],
                                   invalid_value_message=_l("新证有效期不是有效的日期（如 2026-11-25）"),
                                   description=_l("选择“已换发新证”时必填"))
    licence_note = TextAreaField(_l("处理说明"), validators=[Length(max=500, message=_l("处理说明不能超过 500 个字"))])

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        field = self.new_licence_expiry
        if self.licence_action.data == "已换发新证" and not field.errors:
            if field.data is None:
                field.errors = [_l("已换发新证时请填写新证有效期")]
            elif field.data <= clock.local_now().date():
                field.errors = [_l("新证有效期应晚于今天")]
            ok = ok and not field.errors
        return ok

    def task_data(self):
        from datetime import datetime, time

        expiry = self.new_licence_expiry.data if self.licence_action.data == "已换发新证" else None
        data = {"licence_action": self.licence_action.data,
                "new_licence_expiry": to_iso(datetime.combine(expiry, time(9, 0), tzinfo=LOCAL_TZ)) if expiry else None,
                "licence_note": (self.licence_note.data or "").strip()}
        display = [["处理结果", data["licence_action"]]]
        if expiry:
            display.append(["新证有效期至", expiry.isoformat()])
        if data["licence_note"]:
            display.append(["处理说明", data["licence_note"]])
        return data, display


class RequestForm(TokenForm):
    """申请现场核实, on the ticket page and the handler's 办理 page."""

    enterprise_id = SelectField(_l("被核实企业"), validators=[Optional()],
                                invalid_choice_message=_l("所选被核实企业不在可选范围内"))
    subject_name = StringField(_l("单位或地点名称（不在台账中时）"),
                               validators=[Length(max=120, message=_l("单位或地点名称不能超过 120 个字"))])
    subject_address = StringField(_l("地址"), validators=[Length(max=200, message=_l("地址不能超过 200 个字"))])
    kind = SelectField(_l("类型（决定检查清单）"), choices=[(k, v[0]) for k, v in ENTERPRISE_KINDS.items()],
                       default="other", invalid_choice_message=_l("所选类型不在可选范围内"))
    reason = TextAreaField(_l("核实事项"), validators=[InputRequired(message=_l("请填写核实事项")),
                                                   Length(max=1000, message=_l("核实事项不能超过 1000 个字"))])

    def __init__(self, *args, enterprises=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.enterprise_id.choices = [("", _l("不在台账中（填写下方名称）"))] + \
            [(str(e.id), f"{e.name}（{e.kind_label}）") for e in enterprises]


class AdhocForm(TokenForm):
    reason = TextAreaField(_l("检查事由"), validators=[InputRequired(message=_l("请填写检查事由")),
                                                   Length(max=1000, message=_l("检查事由不能超过 1000 个字"))])


class CampaignForm(FlaskForm):
    name = StringField(_l("抽查任务名称"), validators=[InputRequired(message=_l("请填写抽查任务名称")),
                                                   Length(max=120, message=_l("抽查任务名称不能超过 120 个字"))])
    count = IntegerField(_l("抽查企业数量"), default=3,
                         validators=[InputRequired(message=_l("请填写抽查企业数量")), WellFormed(),
                                     NumberRange(min=1, max=500, message=_l("抽查企业数量应为 1 至 500"))],
                         invalid_value_message=_l("抽查企业数量应为整数"))
    kinds = SelectMultipleField(_l("企业类型（不选为全部）"), choices=[(k, v[0]) for k, v in ENTERPRISE_KINDS.items()],
                                invalid_choice_message=_l("所选企业类型不在可选范围内"))
    risks = SelectMultipleField(_l("风险等级（不选为全部）"), choices=list(RISK_LEVELS.items()),
                                invalid_choice_message=_l("所选风险等级不在可选范围内"))
    seed = StringField(_l("随机种子（留空自动生成并记录）"),
                       validators=[Length(max=40, message=_l("随机种子不能超过 40 个字符"))])


class EnterpriseForm(FlaskForm):
    """企业台账's edit form. The service checks the lengths (LIMITS, shared with the import); the fields carry
    the same limits into the page."""
    name = StringField(_l("企业名称"), render_kw={"maxlength": LIMITS["name"]})
    credit_code = StringField(_l("统一社会信用代码"), render_kw={"autocapitalize": "characters", "maxlength": 24})
    kind = SelectField(_l("企业类型"), choices=[("", _l("请选择"))] + [(k, v[0]) for k, v in ENTERPRISE_KINDS.items()],
                       invalid_choice_message=_l("所选企业类型不在可选范围内"))
    licence_no = StringField(_l("许可证号"), render_kw={"maxlength": LIMITS["licence_no"]})
    licence_expiry = DateField(_l("许可证有效期至"), validators=[Optional()],
                               invalid_value_message=_l("许可证有效期不是有效的日期（如 2026-11-25）"))
    address = StringField(_l("地址"), render_kw={"maxlength": LIMITS["address"]})
    street = StringField(_l("街乡镇"), render_kw={"maxlength": LIMITS["street"]})
    contact_name = StringField(_l("联系人"), render_kw={"maxlength": LIMITS["contact_name"]})
    contact_phone = StringField(_l("联系电话"), render_kw={"maxlength": LIMITS["contact_phone"]})
    risk_level = SelectField(_l("风险等级"), choices=list(RISK_LEVELS.items()), default="medium",
                             invalid_choice_message=_l("所选风险等级不在可选范围内"))
    note = TextAreaField(_l("备注"), render_kw={"maxlength": LIMITS["note"]})

    def raw(self) -> dict:
        data = {name: self[name].data for name in ("name", "credit_code", "kind", "licence_no", "address", "street",
                                                   "contact_name", "contact_phone", "risk_level", "note")}
        data["licence_expiry"] = self.licence_expiry.data if isinstance(self.licence_expiry.data, date) else None
        return data
