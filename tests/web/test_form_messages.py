"""What a person can submit to every desk form gets messages that name the field, in Chinese and in English.

tests/unit/test_form_messages.py checks the forms' declarations; here every form of app/forms is submitted
with what a person could type or a changed page could send (a text one character past its limit, a choice
that is no option, ``1.5`` for a number, a date that is none) and the messages it shows are read: each
names its field, in the reader's language, a number that could not be read gets one message (not a
range's besides), and no WTForms default (``不是有效的选择。``, ``Field cannot be longer than 60
characters.``) is among them.
"""

from __future__ import annotations

import inspect
import re

import pytest
from werkzeug.datastructures import MultiDict
from wtforms.fields import DateTimeField, IntegerField
from wtforms.fields.choices import SelectFieldBase
from wtforms.validators import Length

from app.extensions import db
from app.models import Ticket
from tests.unit.test_form_messages import form_classes, label_of, names_its_field, unbound_fields

CJK = re.compile(r"[\u4e00-\u9fff]")
WTFORMS_DEFAULTS = re.compile(r"Not a valid|not a valid choice|Field must|Field cannot|This field|字段长度|"
                              r"不是有效的(选择|整数|日期值|日期与时间值)|该字段")


def _formdata(cls) -> MultiDict:
    data = MultiDict()
    for name, field in unbound_fields(cls):
        kind = field.field_class
        if issubclass(kind, SelectFieldBase):  # (a multiple choice too)
            data.add(name, "zz-no-option")
        elif issubclass(kind, IntegerField):
            data.add(name, "1.5")
        elif issubclass(kind, DateTimeField):
            data.add(name, "2026-13-45")
        else:
            limits = [v.max for v in field.kwargs.get("validators") or [] if isinstance(v, Length) and v.max > 0]
            data.add(name, "x" * (min(limits) + 1) if limits else "x")
    return data


def _make(cls, formdata):
    kwargs = {"grounds": ["不合理诉求"]} if "grounds" in inspect.signature(cls.__init__).parameters else {}
    return cls(formdata=formdata, meta={"csrf": False}, **kwargs)


def _messages(app, lang: str) -> list[tuple[type, str, str, str]]:
    from flask import session

    shown = []
    with app.test_request_context("/"):
        session["lang"] = lang
        for cls in form_classes():
            form = _make(cls, _formdata(cls))
            form.validate()
            for name, field in unbound_fields(cls):
                errors = [str(e) for e in form[name].errors]
                if issubclass(field.field_class, IntegerField):
                    assert len(errors) == 1, (cls.__name__, name, errors)
                shown.extend((cls, name, str(form[name].label.text), e) for e in errors)
    return shown


def test_every_message_a_person_can_meet_names_its_field(app):
    shown = _messages(app, "zh")
    fields = {(cls, name) for cls, name, _label, _message in shown}
    assert len(fields) > 60, "a refusal from nearly every field"
    wrong = [(cls.__name__, name, message) for cls, name, _label, message in shown
             if WTFORMS_DEFAULTS.search(message) or not names_its_field(
                 message, label_of(cls, name, dict(unbound_fields(cls))[name]))]
    assert wrong == [], wrong


def test_and_in_english_too(app):
    shown = _messages(app, "en")
    assert shown and all(not WTFORMS_DEFAULTS.search(message) for *_rest, message in shown), shown
    # (a generated form's diagram labels have no English here: the message carries the Chinese label)
    untranslated = [(cls.__name__, name, message) for cls, name, label, message in shown
                    if CJK.search(message.replace(label, ""))]
    assert untranslated == [], untranslated


TYPED = {"ticket_type": "投诉", "title": "标" * 300, "content": "来电人反映某网吧接纳未成年人。", "caller_phone": "13912345678",
         "district": "区" * 61, "street": "街" * 61, "community": "社" * 61, "enterprise": "企" * 121,
         "urgency": "一般", "nature": "主办", "source": "其他", "channel": "来访"}


def _field_block(page: str, name: str) -> str:
    start = page.index(f'name="{name}"')
    start = page.rindex('<div class="mb-3">', 0, start)
    return page[start:page.index('<div class="mb-3">', start + 1)]


@pytest.mark.parametrize("lang, messages", [
    ("zh", {"title": "标题不能超过 200 个字", "district": "被反映区不能超过 60 个字", "street": "街乡镇不能超过 60 个字",
            "community": "社区不能超过 60 个字", "enterprise": "涉及企业不能超过 120 个字"}),
    ("en", {"title": "The title must not exceed 200 characters",
            "district": "The district concerned must not exceed 60 characters",
            "enterprise": "The business concerned must not exceed 120 characters"}),
])
def test_ticket_entry_refuses_too_long_fields_naming_each_and_keeps_what_was_typed(app, browser, lang, messages):
    """录入工单: 被反映区, 街乡镇, 社区, 涉及企业 said WTForms' 字段长度不能超过 60 个字符。 (which field?)."""
    paidan = browser("paidan")
    if lang == "en":
        paidan.get("/lang/en")
    response = paidan.post("/tickets/new", TYPED)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for name, message in messages.items():
        block = _field_block(page, name)
        assert f'<div class="invalid-feedback d-block">{message}</div>' in block, block
        assert f'value="{TYPED[name]}"' in block and "is-invalid" in block
    assert 'data-maxlength="60"' in _field_block(page, "district") and " maxlength=" not in page
    assert db.session.query(Ticket).count() == 0
