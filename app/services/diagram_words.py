"""The words of the diagrams (task names, form labels, options, ticket states) in the reader's language.

Chinese stays the default and the source. For an English reader a word is taken, in this order,
from the diagram itself (``camunda:properties``: ``name_en`` on a task, ``label_en`` on a form
field, ``<option id>_en`` on a field for one of its options), else from the translation catalogue
(the default diagrams' words are declared in app/diagrams/texts.py by scripts/diagram_texts.py),
else the Chinese word is shown as it is. A title a subscriber extended ("证照到期预警：极速网咖")
is translated by its first part.
"""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel.speaklater import LazyString
from markupsafe import escape

from app.services import per_request
from app.services.catalogue import gettext

SEPARATOR = "："


def english_wanted() -> bool:
    """Whether the reader reads English: decided once per request (a task page asks for every word)."""
    if per_request.request_context() is None:
        return False
    return per_request.remembered("jiesu.english", _locale_is_english)


def _locale_is_english() -> bool:
    locale = get_locale()
    return locale is not None and str(locale).startswith("en")


def word(text, english: str | None = None) -> str:
    """``text`` (a diagram's Chinese word) for the current reader."""
    if text is None:
        return ""
    text = str(text)
    if not text or not english_wanted():
        return text
    if english:
        return english
    translated = gettext(text)
    if translated != text:
        return translated
    head, sep, tail = text.partition(SEPARATOR)
    if sep and head:
        translated = gettext(head)
        if translated != head:
            return f"{translated}: {tail}"
    return text


class DiagramWord(LazyString):
    """A diagram's word, translated when shown. It is text, never markup: Flask-Babel's LazyString hands
    itself to Jinja and MarkupSafe unescaped (``__html__``), and a process owner's label is not HTML."""

    def __html__(self):
        return escape(str(self))


def lazy(text, english: str | None = None) -> LazyString:
    """``word`` when turned into a string (form labels built once, shown in the request's language)."""
    return DiagramWord(word, text, english)


def field_label(spec: dict):
    return lazy(spec.get("label") or spec.get("id", ""), (spec.get("properties") or {}).get("label_en"))


def option_label(spec: dict, option_id: str, name: str):
    return lazy(name, (spec.get("properties") or {}).get(f"{option_id}_en"))


def task_title(title: str, meta: dict | None = None) -> str:
    return word(title, (meta or {}).get("title_en") if meta and title == meta.get("title") else None)
