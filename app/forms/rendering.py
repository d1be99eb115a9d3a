"""One form field as Bootstrap markup: its label, its input, its errors and its help text.

What ``_macros.html``'s ``render_field`` writes for every form of the desk, written in Python: a task
page renders a handful of fields, and the macro's calls (a Jinja macro per field, WTForms' widget call
per input and per radio button with its label) were a fifth of the page. The inputs themselves are
still WTForms' widgets, so their attributes (``required``, ``maxlength``, ``value``, ``checked``,
``selected``, the field's ``render_kw``) are exactly WTForms'. ``tests/unit/test_field_rendering.py``
compares the markup with the macro it replaced on every field the desk's forms have.
"""

from __future__ import annotations

from markupsafe import Markup, escape
from wtforms.widgets.core import clean_key

from app.services import _

CHOICES = ("RadioField", "ChoiceField")


def _input(field, css: str, **extra) -> Markup:
    """The field's widget, as ``field(class_=css)`` calls it (render_kw first, the call's own words win).

    A length limit is written as ``data-maxlength``, not ``maxlength``: the browser cuts pasted text at
    ``maxlength`` without a word, so the end of what was typed was lost; the server refuses it instead,
    naming the field and keeping all of it."""
    kwargs = {"class": css, **extra}
    if field.render_kw:
        kwargs = {**{clean_key(key): value for key, value in field.render_kw.items()}, **kwargs}
    limit = kwargs.get("maxlength") or getattr(field.flags, "maxlength", None)
    if limit:
        kwargs["maxlength"] = False  # (WTForms' widgets then write none from the field's flags)
        kwargs["data-maxlength"] = limit
    return field.widget(field, **kwargs)


def _text(value) -> Markup:
    """A label, help text or message as text: a diagram's words arrive as lazy strings, whose ``__html__``
    would let their markup through unescaped."""
    return escape(str(value))


def _required_mark(field) -> str:
    return ' <span class="text-danger">*</span>' if field.flags.required else ""


def field_html(field) -> Markup:
    """The markup of one field (a radio group, a check box, or a labelled input, select or text area)."""
    invalid = " is-invalid" if field.errors else ""
    parts = ['<div class="mb-3">']
    if field.type in CHOICES:
        parts.append(f'<label class="form-label fw-semibold">{_text(field.label.text)}{_required_mark(field)}</label>'
                     f'<div class="{invalid}">')
        for option in field:
            label = option.label
            parts.append(f'<div class="form-check form-check-inline">{_input(option, "form-check-input" + invalid)} '
                         f'<label class="form-check-label" for="{escape(label.field_id)}">{_text(label.text)}'
                         f'</label></div>')
        if not field.flags.required:
            clear = _("清除选择")  # (outside the f-string, where Babel's extractor finds it)
            parts.append(f'<button type="button" class="btn btn-link btn-sm p-0 align-baseline" '
                         f'data-clear-choice="{escape(field.name)}">{_text(clear)}</button>')
        parts.append("</div>")
    elif field.type == "BooleanField":
        parts.append(f'<div class="form-check">{_input(field, "form-check-input" + invalid)} '
                     f'<label class="form-check-label" for="{escape(field.label.field_id)}">'
                     f'{_text(field.label.text)}</label></div>')
    else:
        parts.append(f'<label class="form-label fw-semibold" for="{escape(field.id)}">{_text(field.label.text)}'
                     f'{_required_mark(field)}</label>')
        if field.type == "TextAreaField":
            parts.append(_input(field, "form-control" + invalid, rows=3))
        elif field.type == "SelectField":
            parts.append(_input(field, "form-select" + invalid))
        else:
            parts.append(_input(field, "form-control" + invalid))
    parts.extend(f'<div class="invalid-feedback d-block">{_text(error)}</div>' for error in field.errors)
    if field.description:
        parts.append(f'<div class="form-text">{_text(field.description)}</div>')
    parts.append("</div>")
    return Markup("".join(parts))
