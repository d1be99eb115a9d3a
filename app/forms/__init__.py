"""Forms: generated from BPMN form fields, or hand-written where a task needs logic."""

from app.engine import calendar_store, expressions, instances
from app.forms.builder import build_form_class, form_defaults
from app.forms.dispatch import DispatchForm

# Hand-written forms by camunda:formKey.
HANDWRITTEN = {"jiesu:dispatch": DispatchForm}


def form_for_task(version_id: int, spec_name: str, meta: dict, formdata=None, data=None, variables=None):
    """The form of a user task: the hand-written one named by formKey, else one built from formData.

    ``variables`` (the task's process data) compute defaults written as expressions."""
    cls = HANDWRITTEN.get(meta.get("form_key", ""))
    if cls is None:
        cls = build_form_class((version_id, spec_name), meta.get("fields", []))
        if formdata is None and variables is not None:
            functions = expressions.make_environment(calendar_store.get_calendar(), [], None,
                                                     instances.bpmn_functions())
            data = {**form_defaults(meta.get("fields", []), variables, functions), **(data or {})} or None
    return cls(formdata=formdata, data=data)
