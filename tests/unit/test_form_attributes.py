"""The form fields' attributes (app/forms/attributes.py) are WTForms' own markup, byte for byte."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import Markup
from wtforms import Form, RadioField, SelectField, StringField, TextAreaField

from app.forms import attributes

KEYS = st.sampled_from(["id", "name", "class_", "for_", "data_draft_key", "aria_describedby", "maxlength",
                        "title", "placeholder", "checked", "required", "a<b", "data-x", "value"])
VALUES = st.one_of(st.booleans(), st.none(), st.integers(), st.text(max_size=12),
                   st.text(max_size=12).map(Markup))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])  # (a loaded machine)
@given(st.dictionaries(KEYS, VALUES, max_size=8))
def test_any_attributes_give_the_same_markup_as_wtforms(kwargs):
    ours = attributes.html_params(**kwargs)
    assert isinstance(ours, Markup)
    assert ours == attributes.wtforms_html_params(**kwargs)


def test_quotes_and_markup_values_are_escaped_as_wtforms_does():
    kwargs = {"value": Markup('x"y'), "title": '"<script>', "data_note": "a&b", "checked": True, "disabled": False}
    assert attributes.html_params(**kwargs) == 'checked data-note="a&amp;b" title="&#34;&lt;script&gt;" value="x&quot;y"'
    assert attributes.html_params(**kwargs) == attributes.wtforms_html_params(**kwargs)


class _Sample(Form):
    note = StringField("意见", render_kw={"maxlength": 200})
    reason = TextAreaField("理由")
    section = SelectField("科室", choices=[("a", "文化市场管理科"), ("b", '"引号"科')])
    approve = RadioField("审核", choices=[("yes", "通过"), ("no", "退回")])


def _rendered(form) -> list[str]:
    return [str(form.note(class_="form-control")), str(form.note.label(class_="form-label")),
            str(form.reason(rows=3)), str(form.section(class_="form-select")),
            *[str(sub(class_="form-check-input")) + str(sub.label()) for sub in form.approve]]


def test_rendered_fields_are_unchanged_by_the_install():
    from wtforms import widgets
    from wtforms.widgets import core

    form = _Sample(data={"note": 'a "quoted" <b>', "section": "b", "approve": "no"})
    installed = (core.html_params, widgets.html_params, core.Input.html_params, core.Button.html_params)
    try:
        attributes.install()
        ours = _rendered(form)
        core.html_params = widgets.html_params = attributes.wtforms_html_params
        core.Input.html_params = core.Button.html_params = staticmethod(attributes.wtforms_html_params)
        theirs = _rendered(form)
    finally:
        core.html_params, widgets.html_params = installed[0], installed[1]
        core.Input.html_params, core.Button.html_params = staticmethod(installed[2]), staticmethod(installed[3])
    assert ours == theirs
    assert 'value="a &#34;quoted&#34; &lt;b&gt;"' in ours[0] and 'maxlength="200"' in ours[0]
    assert 'checked' in ours[-1]
