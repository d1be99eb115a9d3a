"""分派 dispatch form: the section comes from the database, not from the diagram."""

from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import InputRequired, Length

from app.services import sections as section_list
from app.services.catalogue import lazy_gettext as _l


class DispatchForm(FlaskForm):
    # the choices are the listed sections: one that is not among them is refused by the choice check
    section = SelectField(_l("承办科室"), validators=[InputRequired(message=_l("请选择承办科室"))],
                          invalid_choice_message=_l("所选科室不存在"))
    dispatch_note = TextAreaField(_l("派单意见"),
                                  validators=[Length(max=500, message=_l("派单意见不能超过 500 个字"))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        sections = section_list.listed()
        self.section.choices = [("", _l("请选择"))] + [(s.code, s.name) for s in sections]
        self.section_duties = {s.code: s.duties for s in sections}

    def task_data(self):
        names = dict(self.section.choices)
        data = {"section": self.section.data, "dispatch_note": (self.dispatch_note.data or "").strip()}
        # the timeline's labels are stored with the ticket: kept in Chinese, like the diagrams' labels
        display = [["承办科室", names.get(self.section.data, self.section.data)]]
        if data["dispatch_note"]:
            display.append(["派单意见", data["dispatch_note"]])
        return data, display
