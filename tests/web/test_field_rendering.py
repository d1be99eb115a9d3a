"""Form fields are written by ``app/forms/rendering.py``: the same markup as the Jinja macro it replaced.

The macro is kept here as the reference. Every field of every task form the deployed diagrams define,
and of the desk's hand-written forms, is rendered by both: empty, filled with values that need
escaping, and after a refused submission (with its messages); the markup must be the same element for
element (whitespace between tags aside).
"""

from __future__ import annotations

import inspect
import re

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, RadioField, StringField
from wtforms.validators import InputRequired

from app.extensions import db
from app.forms import auth, casework, dispatch, form_for_task, inspection, rules, ticket, upload, users
from app.forms.rendering import field_html
from app.models import ProcessVersion

REFERENCE_MACRO = """\
{% macro render_field(field) -%}
  {% set invalid = ' is-invalid' if field.errors else '' %}
  <div class="mb-3">
  {% if field.type in ('RadioField', 'ChoiceField') %}
    <label class="form-label fw-semibold">{{ field.label.text }}{% if field.flags.required %} <span class="text-danger">*</span>{% endif %}</label>
    <div class="{{ invalid }}">
    {% for subfield in field %}
      <div class="form-check form-check-inline">{{ subfield(class_='form-check-input' + invalid) }} {{ subfield.label(class_='form-check-label') }}</div>
    {% endfor %}
    {% if not field.flags.required %}<button type="button" class="btn btn-link btn-sm p-0 align-baseline" data-clear-choice="{{ field.name }}">{{ _('清除选择') }}</button>{% endif %}
    </div>
  {% elif field.type == 'BooleanField' %}
    <div class="form-check">{{ field(class_='form-check-input' + invalid) }} {{ field.label(class_='form-check-label') }}</div>
  {% else %}
    <label class="form-label fw-semibold" for="{{ field.id }}">{{ field.label.text }}{% if field.flags.required %} <span class="text-danger">*</span>{% endif %}</label>
    {% if field.type == 'TextAreaField' %}{{ field(class_='form-control' + invalid, rows=3) }}
    {% elif field.type == 'SelectField' %}{{ field(class_='form-select' + invalid) }}
    {% else %}{{ field(class_='form-control' + invalid) }}{% endif %}
  {% endif %}
  {% for error in field.errors %}<div class="invalid-feedback d-block">{{ error }}</div>{% endfor %}
  {% if field.description %}<div class="form-text">{{ field.description }}</div>{% endif %}
  </div>
{%- endmacro %}
"""

HANDWRITTEN_MODULES = (auth, casework, dispatch, inspection, rules, ticket, upload, users)
AWKWARD = 'A & B <b>"引号"</b> \'单\''


def _markup(html) -> str:
    """Whitespace between tags aside, and the length limit (written as data-maxlength, see below) aside."""
    return re.sub(r' (data-)?maxlength="\d+"', "", re.sub(r">\s+<", "><", str(html))).strip()


def _limits(html) -> list[str]:
    return re.findall(r' (?:data-)?maxlength="(\d+)"', str(html))


class _Extras(FlaskForm):
    """What no form of the desk has today, but a diagram or a new page may: a check box, a radio group
    that is not required, attributes from render_kw (data_/aria_ keys)."""

    agreed = BooleanField("同意", validators=[InputRequired("请勾选同意")])
    optional_choice = RadioField("可选", choices=[("a", "甲"), ("b", "乙 <b>")], validate_choice=False)
    tagged = StringField("带属性", render_kw={"data_role": "x", "aria_label": "说明", "placeholder": AWKWARD},
                         description="帮助 <i>文字</i>")


def _forms_of_the_desk() -> list[type]:
    classes = {_Extras}
    for module in HANDWRITTEN_MODULES:
        classes.update(cls for _name, cls in inspect.getmembers(module, inspect.isclass)
                       if issubclass(cls, FlaskForm) and cls.__module__ == module.__name__)
    return sorted(classes, key=lambda cls: cls.__qualname__)


def _instances(cls):
    try:
        yield cls()
    except TypeError:  # a form that needs arguments of its page
        return
    filled = MultiDict()
    for field in cls():
        if field.type in ("CSRFTokenField", "FileField", "MultipleFileField"):
            continue
        choices = getattr(field, "choices", None)
        if choices:
            first = choices[0][0] if isinstance(choices, list | tuple) else None
            filled.add(field.name, "" if first is None else str(first))
        elif field.type != "BooleanField":
            filled.add(field.name, AWKWARD)
    yield cls(formdata=filled)
    refused = cls(formdata=MultiDict({"_": "x"}))
    refused.validate()
    yield refused


def _rendered_fields(app):
    reference = app.jinja_env.from_string(REFERENCE_MACRO).make_module({}).render_field
    found = []
    for version in db.session.query(ProcessVersion).all():
        for spec_name, meta in (version.task_meta or {}).items():
            if isinstance(meta, dict) and (meta.get("fields") or meta.get("form_key")):
                for formdata in (None, MultiDict(), MultiDict({"x": AWKWARD})):
                    form = form_for_task(version.id, spec_name, meta, formdata=formdata)
                    if formdata is not None:
                        form.validate()
                    found.append(form)
    for cls in _forms_of_the_desk():
        found.extend(_instances(cls))
    return reference, [f for form in found for f in form if f.type not in ("CSRFTokenField", "HiddenField")]


def test_every_field_of_the_desk_is_written_as_the_macro_wrote_it(app):
    with app.test_request_context("/"):
        reference, fields = _rendered_fields(app)
        kinds = {field.type for field in fields}
        assert {"ChoiceField", "SelectField", "TextAreaField", "StringField", "BooleanField", "RadioField",
                "FileField", "DateTimeLocalField", "IntegerField"} <= kinds, kinds
        assert any(field.errors for field in fields), "refused submissions are among them"
        assert any(_limits(reference(field)) for field in fields), "fields with a length limit are among them"
        for field in fields:
            ours, theirs = field_html(field), reference(field)
            assert _markup(ours) == _markup(theirs), (field.name, field.type)
            assert _limits(ours) == _limits(theirs) and ' maxlength="' not in str(ours), (field.name, field.type)


@pytest.mark.parametrize("value, shown", [(AWKWARD, "A &amp; B &lt;b&gt;&#34;引号&#34;&lt;/b&gt; &#39;单&#39;")])
def test_what_a_user_typed_comes_back_escaped_and_the_error_under_its_field(app, value, shown):
    with app.test_request_context("/"):
        form = _Extras(formdata=MultiDict({"tagged": value}))
        form.validate()
        html = str(field_html(form.tagged)) + str(field_html(form.agreed))
    assert f'value="{shown}"' in html and "<b>" not in html.replace("&lt;b&gt;", "")
    assert 'data-role="x"' in html and 'aria-label="说明"' in html
    assert '<div class="invalid-feedback d-block">请勾选同意</div>' in html
    assert 'class="form-check-input is-invalid"' in html


def test_the_clear_button_speaks_the_readers_language(app):
    from flask import session

    with app.test_request_context("/"):
        session["lang"] = "en"
        html = str(field_html(_Extras().optional_choice))
    assert ">Clear</button>" in html


def test_a_diagrams_words_are_text_not_markup(app):
    """A label, an option and a help text a process owner typed with HTML in them are shown as text."""
    from app.forms.builder import build_form_class

    spec = {"id": "kind", "type": "enum", "label": "<img src=x onerror=alert(1)>类别", "default": None,
            "options": [[f"o{i}", f"<b>选项{i}</b>"] for i in range(6)], "validation": {},
            "properties": {"help": "<script>alert(2)</script>说明"}}
    radio = dict(spec, id="pick", options=spec["options"][:2])
    with app.test_request_context("/"):
        form = build_form_class(("test", "words"), [spec, radio])()
        html = str(field_html(form.kind)) + str(field_html(form.pick))
    assert "<img" not in html and "<b>" not in html and "<script>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;类别" in html and "&lt;b&gt;选项0&lt;/b&gt;" in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;说明" in html


def _server_limit(form, field) -> int | None:
    """The length the server allows for a field: its Length validators, or for 企业台账's form the service's
    limits (the service checks them, for the form and the import alike)."""
    from wtforms.validators import Length

    from app.forms.inspection import EnterpriseForm
    from app.services.enterprises.ledger import LIMITS

    maxima = [v.max for v in field.validators if isinstance(v, Length) and v.max not in (None, -1)]
    if isinstance(form, EnterpriseForm) and field.name in LIMITS:
        maxima.append(LIMITS[field.name])
    return min(maxima) if maxima else None


def test_every_length_limit_of_the_desks_forms_is_in_the_page(app):
    """A text field the server limits carries the same limit in the page (data-maxlength, which app.js turns into
    a line under the field while typing past it), every task form of the diagrams and every hand-written form."""
    from app.forms.inspection import EnterpriseForm

    with app.test_request_context("/"):
        forms = []
        for version in db.session.query(ProcessVersion).all():
            for spec_name, meta in (version.task_meta or {}).items():
                if isinstance(meta, dict) and (meta.get("fields") or meta.get("form_key")):
                    forms.append(form_for_task(version.id, spec_name, meta))
        forms.extend(form for cls in _forms_of_the_desk() for form in list(_instances(cls))[:1])
        checked, wrong = 0, []
        for form in forms:
            for field in form:
                if field.type not in ("StringField", "TextAreaField"):
                    continue
                limit, shown = _server_limit(form, field), _limits(field_html(field))
                checked += limit is not None
                if shown != ([str(limit)] if limit is not None else shown) or (shown and limit is None
                                                                               and field.name != "credit_code"):
                    wrong.append((type(form).__name__, field.name, limit, shown))
        assert checked > 40 and not wrong, wrong
        assert _limits(field_html(EnterpriseForm().note)) == ["500"], "a limit the service checks"


def test_hand_written_fields_carry_the_servers_limit(app, browser):
    from app.services.reports import archive, topic_report
    from tests.helpers import new_ticket

    new_ticket(topic="文化->文化市场->网吧")
    page = browser("tongji").get("/reports/topic?topic=文化->文化市场->网吧").get_data(as_text=True)
    assert re.search(rf'<textarea[^>]*name="text"[^>]*data-maxlength="{topic_report.MAX_TEXT}"', page)
    template = app.jinja_env.loader.get_source(app.jinja_env, "reports/saved.html")[0]
    assert re.search(rf'name="note" data-maxlength="{archive.NOTE_LIMIT}"', template)


def _limit_of(page: str, pattern: str) -> str:
    tag = re.search(pattern, page).group(0)
    assert not re.search(r"\smaxlength=", tag), tag
    return re.search(r'data-maxlength="(\d+)"', tag).group(1)


def test_hand_written_notes_carry_the_servers_limit_not_the_browsers(app, browser):
    """The hand-written fields (预警 确认意见, 解除说明, 排班备注, 重复反映 说明 and 撤销原因, 工单备注, 修改说明,
    工作日历's 名称, 部署说明 in the modeler and on the upload page):
    data-maxlength as the service checks it, and no template writes the browser's maxlength (it cut pasted text
    without a word)."""
    from datetime import timedelta
    from pathlib import Path

    from app.engine.clock import clock
    from app.forms.casework import LIFT_NOTE_LIMIT
    from app.services import early_warning, ledger, repeats, roster, time_rules
    from tests.helpers import new_ticket
    from tests.web.test_early_warning import GATHERING, warnings_of

    templates = Path(app.root_path) / "templates"
    cutting = [str(p.relative_to(templates)) for p in templates.rglob("*.html")
               if re.search(r"<(input|textarea)[^>]*\smaxlength=", p.read_text(encoding="utf-8"))]
    assert cutting == [], cutting

    first = new_ticket(no="HW-1", caller_phone="13811112222", enterprise="", address="一号院")
    clock.advance(timedelta(days=1))
    second = new_ticket(no="HW-2", caller_phone="13811112222", enterprise="", address="二号院")
    [link] = repeats.links_for(second)
    paidan, zhuguan = browser("paidan"), browser("zhuguan")
    page = paidan.get(f"/repeats/{link.id}").get_data(as_text=True)
    assert _limit_of(page, r'<input[^>]*id="note"[^>]*>') == str(repeats.NOTE_LIMIT)
    repeats.decide(link.id, _user("paidan"), True)
    page = paidan.get(f"/repeats/{link.id}").get_data(as_text=True)
    assert _limit_of(page, r'<input[^>]*id="reason"[^>]*>') == str(repeats.NOTE_LIMIT)

    page = paidan.get(f"/tickets/{first.id}").get_data(as_text=True)
    assert _limit_of(page, r'<textarea name="text"[^>]*>') == str(ledger.NOTE_LIMIT)
    [warning] = warnings_of(new_ticket(no="HW-3", **GATHERING))
    page = paidan.get("/warnings/").get_data(as_text=True)
    assert _limit_of(page, rf'<input name="note" id="ack-note-{warning.id}"[^>]*>') == str(early_warning.ACK_NOTE_LIMIT)
    page = zhuguan.get("/roster/assign?day=2026-11-25&shift=night").get_data(as_text=True)
    assert _limit_of(page, r'<input[^>]*id="note"[^>]*>') == str(roster.NOTE_LIMIT)
    page = zhuguan.get("/rules/").get_data(as_text=True)
    assert _limit_of(page, r'<input[^>]*id="rule-comment"[^>]*>') == str(time_rules.COMMENT_LIMIT)
    from app.services import calendar_admin, deployment

    owner = browser("liucheng")
    page = owner.get("/admin/calendar").get_data(as_text=True)
    assert _limit_of(page, r'<input name="name" id="day-name"[^>]*>') == str(calendar_admin.NAME_LIMIT)
    page = owner.get("/modeler/edit?process=ticket_lifecycle").get_data(as_text=True)
    assert _limit_of(page, r'<input[^>]*id="deploy-comment"[^>]*>') == str(deployment.COMMENT_LIMIT)
    page = owner.get("/admin/processes").get_data(as_text=True)
    assert _limit_of(page, r'<input name="comment"[^>]*>') == str(deployment.COMMENT_LIMIT)
    source = app.jinja_env.loader.get_source(app.jinja_env, "casework/_actions.html")[0]
    assert _limit_of(source, r'<input name="note" id="lift-note"[^>]*>') == str(LIFT_NOTE_LIMIT)
    assert casework.LiftForm.note.kwargs["validators"][1].max == LIFT_NOTE_LIMIT


def _user(username):
    from tests.helpers import user

    return user(username)
