"""The HTML attributes of every rendered form field, written without ``Markup.format``.

WTForms builds each attribute with ``Markup('{k}="{v}"').format(...)``, which runs Python's
``string.Formatter``: a task form's fields and radio options make about fifty attributes, and that
was a tenth of the page's CPU. ``html_params`` here gives the same markup, byte for byte
(tests/unit/test_form_attributes.py compares the two), about four times faster; ``install`` puts it
where WTForms' widgets and labels look it up.
"""

from __future__ import annotations

from markupsafe import Markup, escape
from wtforms import widgets
from wtforms.widgets import core

_QUOTE = Markup("&quot;")
wtforms_html_params = core.html_params  # the original (before install): what the tests compare with


def html_params(**kwargs) -> Markup:
    """WTForms' ``html_params``: keys sorted and cleaned (``class_`` -> ``class``, ``data_x_y`` ->
    ``data-x-y``), ``True`` a bare attribute, ``False`` none, every key and value escaped."""
    parts = []
    for key, value in sorted(kwargs.items()):
        key = escape(core.clean_key(key))
        if value is True:
            parts.append(key)
        elif value is not False:
            value = escape(value)
            if '"' in value:  # a Markup value is not escaped again; its quotes are
                value = value.replace(Markup('"'), _QUOTE)  # (Markup's replace escapes a plain str argument)
            parts.append(f'{key}="{value}"')
    return Markup(" ".join(parts))


def install() -> None:
    core.html_params = html_params  # Select, TextArea, RadioInput's options, ListWidget ...
    widgets.html_params = html_params  # Label
    core.Input.html_params = staticmethod(html_params)  # Input and its subclasses, by class attribute
    core.Button.html_params = staticmethod(html_params)
