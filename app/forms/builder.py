"""Turns the form fields of a BPMN user task (camunda:formData) into a WTForms form.

Supported field types: string (property ``multiline`` for a text area), long, boolean,
date (a date and time), enum. Validation constraints: required, minlength, maxlength,
min, max, readonly (shown, never written back: the variable keeps its value). Property ``required_if`` holds a Python condition over the other
fields (``sign_decision == '退回'``); ``placeholder`` and ``help`` are shown as such. A string
field the person types into gets a maxlength at deploy when its diagram sets none (app/engine/specs.py).
"""

from __future__ import annotations

from datetime import datetime

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FileField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, StopValidation

from app.engine import dialect, evaluator
from app.engine.clock import LOCAL_TZ
from app.engine.expressions import to_iso
from app.services import diagram_words
from app.services.catalogue import lazy_gettext as _l

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class RequiredIf:
    """Required when a condition over the submitted form holds (e.g. a return needs a reason)."""

    field_flags = {}

    def __init__(self, condition: str, message: str):
        self.condition = dialect.juel_to_python(condition)
        self.message = message

    def __call__(self, form, field):
        values = {name: f.data for name, f in form._fields.items() if not name.startswith("_")}
        try:  # the diagram's condition, in the same restricted evaluator as every other expression
            needed = bool(evaluator.evaluate(self.condition, values))
        except Exception:
            needed = False
        empty = field.data is None or (isinstance(field.data, str) and not field.data.strip())
        if needed and empty:
            raise StopValidation(self.message)  # stop: Optional after us would clear the error


class UploadRequired:
    """A file must be chosen (FileRequired of Flask-WTF, with our message)."""

    field_flags = {"required": True}

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field):
        if not getattr(field.data, "filename", ""):
            raise StopValidation(self.message)


class WellFormed:
    """After InputRequired / Optional on a field that reads what was typed (a number, a date): when it could not
    read it, its own message (``invalid_value_message``, naming the field) is the one shown, not a range's
    besides it (``1.5`` in 整改期限 said both 应为整数 and 应为 1 至 60)."""

    field_flags = {}

    def __call__(self, form, field):
        if field.process_errors:
            raise StopValidation()  # (no message: the field's own stays, the rest of the chain is skipped)


class ChoiceField(RadioField):
    """Radio buttons with one message per problem: an empty choice is the validators' to name
    (请选择…), a value that is no option gets a Chinese message naming the field."""

    def pre_validate(self, form):
        if self.data in (None, ""):
            return  # required or not: InputRequired / RequiredIf / Optional decide, with one message
        super().pre_validate(form)


class TaskForm(FlaskForm):
    """Base class of generated forms; ``field_specs`` keeps the BPMN definitions."""

    field_specs: list[dict] = []

    def task_data(self) -> tuple[dict, list]:
        """The values for the process, and [label, shown value] pairs for the timeline."""
        data, display = {}, []
        for spec in self.field_specs:
            if spec["type"] == "file":
                continue  # stored by the service, see uploads()
            if "readonly" in (spec.get("validation") or {}):
                continue  # shown, not written: a changed page's value for it is not the variable's (as Camunda, Flowable)
            value = self[spec["id"]].data
            if isinstance(value, datetime):
                value = to_iso(value.replace(tzinfo=LOCAL_TZ) if value.tzinfo is None else value)
            if isinstance(value, str):
                value = value.strip()
            if value in ("", None) and spec["type"] == "enum":
                value = None
            data[spec["id"]] = value
            if value not in (None, ""):
                display.append([spec["label"], _shown(spec, value)])
        return data, display

    def uploads(self) -> list[tuple[dict, object]]:
        """(field spec, uploaded file) for each file field the user filled."""
        return [(spec, self[spec["id"]].data) for spec in self.field_specs
                if spec["type"] == "file" and getattr(self[spec["id"]].data, "filename", "")]


def _shown(spec: dict, value) -> str:
    if spec["type"] == "enum":
        return dict(spec["options"]).get(value, str(value))
    if spec["type"] == "boolean":
        return "是" if value else "否"
    if spec["type"] == "date":
        return value.replace("T", " ")[:16]
    return str(value)


def _field(spec: dict):
    label = diagram_words.field_label(spec)  # the diagram's word, in the reader's language
    validation = spec.get("validation", {})
    props = spec.get("properties", {})
    required = "required" in validation
    is_choice = spec["type"] in ("enum", "boolean")
    message = _l("请选择%(label)s", label=label) if is_choice else _l("请填写%(label)s", label=label)
    validators = [InputRequired(message=message)] if required else [Optional()]
    if "required_if" in props:
        validators = [RequiredIf(props["required_if"], message), Optional()]
    if spec["type"] == "long":
        validators.append(WellFormed())
    if "minlength" in validation or "maxlength" in validation:
        lo = int(validation.get("minlength") or -1)
        hi = int(validation.get("maxlength") or -1)
        validators.append(Length(min=lo, max=hi, message=_length_message(label, lo, hi)))
    if "min" in validation or "max" in validation:
        lo = float(validation["min"]) if "min" in validation else None
        hi = float(validation["max"]) if "max" in validation else None
        validators.append(NumberRange(min=lo, max=hi, message=_range_message(label, lo, hi)))
    render_kw = {}
    if "readonly" in validation:
        render_kw["readonly"] = True
    if props.get("placeholder"):
        render_kw["placeholder"] = props["placeholder"]
    kwargs = {"label": label, "validators": validators,
              "description": diagram_words.lazy(props["help"], props.get("help_en")) if props.get("help") else "",
              "render_kw": render_kw}
    default = spec.get("default")
    if isinstance(default, str) and dialect.is_juel(default):
        default = None  # an expression: computed per task by form_defaults()
    kind = spec["type"]
    if kind == "enum":
        choices = [(o[0], diagram_words.option_label(spec, o[0], o[1])) for o in spec["options"]]
        if len(choices) <= 4:
            return ChoiceField(choices=choices, default=default, validate_choice=True,
                               invalid_choice_message=_l("%(label)s：所选项不在可选范围内", label=label), **kwargs)
        return SelectField(choices=[("", _l("请选择"))] + choices, default=default or "",
                           invalid_choice_message=_l("%(label)s：所选项不在可选范围内", label=label), **kwargs)
    if kind == "long":
        return IntegerField(default=int(default) if default not in (None, "") else None,
                            invalid_value_message=_l("%(label)s应为整数", label=label), **kwargs)
    if kind == "boolean":
        return BooleanField(default=str(default).lower() == "true", **kwargs)
    if kind == "date":
        return DateTimeLocalField(format=DATETIME_FORMAT, default=None, **kwargs,
                                  invalid_value_message=_l("%(label)s不是有效的日期和时间（如 2026-11-25 09:30）",
                                                           label=label))
    if kind == "file":  # a custom Camunda type: property accept="audio/*", kind="audio"
        kwargs["validators"] = [UploadRequired(message)] if required else [Optional()]
        render_kw["accept"] = props.get("accept", "")
        return FileField(**kwargs)
    if props.get("multiline") == "true":
        return TextAreaField(default=default, **kwargs)
    return StringField(default=default, **kwargs)


def _length_message(label: str, lo: int, hi: int):
    if lo > 0 and hi > 0:
        return _l("%(label)s应为 %(lo)s 至 %(hi)s 个字", label=label, lo=lo, hi=hi)
    if lo > 0:
        return _l("%(label)s至少 %(lo)s 个字", label=label, lo=lo)
    return _l("%(label)s不能超过 %(hi)s 个字", label=label, hi=hi)


def _range_message(label: str, lo: float | None, hi: float | None):
    def shown(value: float) -> str:
        return str(int(value)) if value == int(value) else str(value)

    if lo is not None and hi is not None:
        return _l("%(label)s应为 %(lo)s 至 %(hi)s", label=label, lo=shown(lo), hi=shown(hi))
    if lo is not None:
        return _l("%(label)s不能小于 %(lo)s", label=label, lo=shown(lo))
    return _l("%(label)s不能大于 %(hi)s", label=label, hi=shown(hi))


def form_defaults(field_specs: list[dict], variables: dict, functions: dict) -> dict:
    """Values of defaults written as expressions (``${add_workdays(now(), 3)}``), per task."""
    values = {}
    for spec in field_specs:
        default = spec.get("default")
        if not (isinstance(default, str) and dialect.is_juel(default)):
            continue
        try:
            value = evaluator.evaluate(dialect.juel_to_python(default), variables, functions)
        except Exception:
            continue  # the deploy check and the dry run report it; the field starts empty
        if spec["type"] == "date" and value:
            try:
                value = datetime.fromisoformat(str(value)).astimezone(LOCAL_TZ).replace(tzinfo=None)
            except ValueError:
                continue
        values[spec["id"]] = value
    return values


_cache: dict[tuple, type] = {}


def build_form_class(key: tuple, field_specs: list[dict]) -> type[TaskForm]:
    """A TaskForm subclass for these field specs; ``key`` (version, task) caches it."""
    cls = _cache.get(key)
    if cls is None:
        attrs = {spec["id"]: _field(spec) for spec in field_specs}
        attrs["field_specs"] = field_specs
        cls = type("GeneratedTaskForm", (TaskForm,), attrs)
        _cache[key] = cls
    return cls
