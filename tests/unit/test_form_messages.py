"""Every message a desk form can show is the desk's own: it names its field (and a limit its number).

WTForms' defaults (``Field must be between 1 and 80 characters long.``, ``Not a valid choice.``, ``Not a
valid integer value.``; in Chinese ``字段长度不能超过 30 个字符。``, ``不是有效的选择。``) name nothing: a person
sees the message under a field, or in a list of several, and cannot tell which field or what limit it is.
So every validator that carries a message (Length, NumberRange, InputRequired, DataRequired, Email, Regexp,
FileRequired ...) must be given one naming its field, every field that reads what was typed (a date, a
number) an ``invalid_value_message``, every choice an ``invalid_choice_message``. This walks every form class
of app/forms (every module, so a new one is walked too), a checklist's form and a generated task form with
every kind of field the diagrams may define; tests/web/test_form_messages.py submits what a person could
to each and reads the messages shown, in both languages.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

from flask_wtf import FlaskForm
from wtforms.fields import DateTimeField, DecimalField, FloatField, IntegerField
from wtforms.fields.choices import SelectFieldBase
from wtforms.fields.core import UnboundField
from wtforms.validators import Length, NumberRange

import app.forms
from app.forms.builder import WellFormed, build_form_class
from app.forms.inspection import CheckFormBase, check_form_class

PARSED = (DateTimeField, IntegerField, DecimalField, FloatField)  # (DateField, DateTimeLocalField are DateTimeFields)

# Every kind of field a diagram's camunda:formField may define, with every constraint (app/forms/builder.py).
DIAGRAM_FIELDS = [
    {"id": "note", "type": "string", "label": "处理说明", "validation": {"required": None, "maxlength": "500"}},
    {"id": "reply", "type": "string", "label": "答复口径", "validation": {"minlength": "40", "maxlength": "260"},
     "properties": {"multiline": "true"}},
    {"id": "summary", "type": "string", "label": "摘要", "validation": {"minlength": "5"}},
    {"id": "days", "type": "long", "label": "整改天数", "validation": {"required": None, "min": "1", "max": "60"}},
    {"id": "visits", "type": "long", "label": "走访次数", "validation": {"min": "0"}},
    {"id": "cost", "type": "long", "label": "费用", "validation": {"max": "10000"}},
    {"id": "seen_at", "type": "date", "label": "核实时间", "validation": {"required": None}},
    {"id": "ok", "type": "boolean", "label": "是否同意", "validation": {"required": None}},
    {"id": "result", "type": "enum", "label": "审核结果", "validation": {"required": None},
     "options": [["pass", "通过"], ["back", "退回"]]},
    {"id": "reason", "type": "enum", "label": "退回原因", "options": [[f"r{i}", f"原因{i}"] for i in range(6)],
     "properties": {"required_if": "result == 'back'"}},
    {"id": "recording", "type": "file", "label": "录音", "validation": {"required": None},
     "properties": {"accept": "audio/*"}},
]


def form_classes() -> list[type]:
    """Every FlaskForm subclass defined in a module of app/forms, a checklist's form and a generated one."""
    classes = set()
    for info in pkgutil.iter_modules(app.forms.__path__):
        module = importlib.import_module(f"app.forms.{info.name}")
        classes.update(cls for _name, cls in inspect.getmembers(module, inspect.isclass)
                       if issubclass(cls, FlaskForm) and cls.__module__ == module.__name__)
    classes.add(check_form_class([{"id": "c1", "text": "营业执照在有效期内并悬挂于醒目位置"}]))
    classes.add(build_form_class(("test", "every-kind"), DIAGRAM_FIELDS))
    return sorted(classes, key=lambda cls: (cls.__module__, cls.__qualname__))


def unbound_fields(cls) -> list[tuple[str, UnboundField]]:
    return [(name, value) for name in dir(cls) if isinstance(value := getattr(cls, name, None), UnboundField)]


def label_of(cls, name: str, field: UnboundField) -> str:
    """The field's label; a checklist item's is the item's text, which its messages call 本项."""
    if issubclass(cls, CheckFormBase) and name.startswith("item_"):
        return "本项"
    return str(field.kwargs.get("label", field.args[0] if field.args else name))


def names_its_field(message, label: str) -> bool:
    """The message says which field: it has a word of the label (two characters running, brackets aside)."""
    text = str(message)
    return any(label[i:i + 2] in text for i in range(len(label) - 1) if not re.search(r"[\s（）()]", label[i:i + 2]))


def _number(value) -> str:
    return str(int(value)) if float(value) == int(value) else str(value)


def problems() -> list[str]:
    found = []
    for cls in form_classes():
        for name, field in unbound_fields(cls):
            where = f"{cls.__module__}.{cls.__qualname__}.{name}"
            label = label_of(cls, name, field)
            for validator in field.kwargs.get("validators") or []:
                if not hasattr(validator, "message"):
                    continue  # Optional, WellFormed: they say nothing
                message = validator.message
                kind = type(validator).__name__
                if message is None:
                    found.append(f"{where}: {kind} without a message (WTForms' generic one is shown)")
                    continue
                if not names_its_field(message, label):
                    found.append(f"{where}: {kind}'s message “{message}” does not name “{label}”")
                if isinstance(validator, Length | NumberRange):
                    limits = [_number(v) for v in (validator.min, validator.max) if v not in (None, -1)]
                    if limits and not any(limit in str(message) for limit in limits):
                        found.append(f"{where}: {kind}'s message “{message}” does not say its limit {limits}")
            if issubclass(field.field_class, PARSED):
                message = field.kwargs.get("invalid_value_message")
                if message is None or not names_its_field(message, label):
                    found.append(f"{where}: {field.field_class.__name__} without an invalid_value_message naming "
                                 f"“{label}” (got {message!r})")
                validators = field.kwargs.get("validators") or []
                ranges = [i for i, v in enumerate(validators) if isinstance(v, NumberRange)]
                checks = [i for i, v in enumerate(validators) if isinstance(v, WellFormed)]
                if ranges and not (checks and checks[0] < ranges[0]):
                    found.append(f"{where}: a NumberRange without WellFormed() before it (an unreadable number "
                                 "would get the range's message besides its own)")
            if issubclass(field.field_class, SelectFieldBase) and field.kwargs.get("validate_choice", True):
                message = field.kwargs.get("invalid_choice_message")
                if message is None or not names_its_field(message, label):
                    found.append(f"{where}: {field.field_class.__name__} without an invalid_choice_message naming "
                                 f"“{label}” (got {message!r})")
    return found


def test_every_message_of_the_desks_forms_names_its_field():
    assert problems() == []


def test_the_walk_sees_the_forms_and_the_kinds_of_field():
    classes = form_classes()
    names = {cls.__name__ for cls in classes}
    assert {"TicketForm", "DispatchForm", "UserForm", "CampaignForm", "EnterpriseForm", "CheckForm",
            "GeneratedTaskForm", "SettingsForm", "LoginForm"} <= names, names
    kinds = {field.field_class.__name__ for cls in classes for _name, field in unbound_fields(cls)}
    assert {"StringField", "TextAreaField", "SelectField", "RadioField", "ChoiceField", "SelectMultipleField",
            "IntegerField", "DateField", "DateTimeLocalField", "FileField"} <= kinds, kinds
    lengths = [v for cls in classes for _n, f in unbound_fields(cls) for v in f.kwargs.get("validators") or []
               if isinstance(v, Length)]
    assert len(lengths) > 40


def test_a_field_without_its_own_message_is_found():
    """The walk catches what it is for: a Length without a message, one naming another field or no limit,
    a date without invalid_value_message, a choice without invalid_choice_message."""
    from wtforms import DateField, SelectField, StringField

    from app.services.catalogue import lazy_gettext as _l

    class Careless(FlaskForm):
        street = StringField(_l("街乡镇"), validators=[Length(max=60)])
        town = StringField(_l("社区"), validators=[Length(max=60, message="不能超过 60 个字")])
        road = StringField(_l("道路"), validators=[Length(max=60, message="道路太长")])
        day = DateField(_l("日期"))
        pick = SelectField(_l("科室"), choices=[("a", "甲")])

    import app.forms.ticket as module

    Careless.__module__ = module.__name__
    module.Careless = Careless
    try:
        found = [line for line in problems() if ".Careless." in line]
    finally:
        del module.Careless
    assert len(found) == 5, found
    assert any("street: Length without a message" in line for line in found)
    assert any("town: Length's message" in line and "does not name" in line for line in found)
    assert any("road: Length's message" in line and "limit" in line for line in found)
    assert any("day: DateField without an invalid_value_message" in line for line in found)
    assert any("pick: SelectField without an invalid_choice_message" in line for line in found)
