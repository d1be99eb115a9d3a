"""Forms: generated from BPMN form fields, or hand-written where a task needs logic."""

from app.forms.builder import build_form_class
from app.forms.dispatch import DispatchForm

# Hand-written forms by camunda:formKey.
HANDWRITTEN = {"jiesu:dispatch": DispatchForm}


def form_for_task(version_id: int, spec_name: str, meta: dict, formdata=None, data=None):
    """The form of a user task: the hand-written one named by formKey, else one built from formData."""
    cls = HANDWRITTEN.get(meta.get("form_key", ""))
    if cls is None:
        cls = build_form_class((version_id, spec_name), meta.get("fields", []))
    return cls(formdata=formdata, data=data)
