"""The request's message catalogue, looked up once per request, and the gettext that reads it.

Flask-Babel's ``gettext`` finds the context, the domain, the locale and the catalogue again on every
call; a page translates dozens of messages in Python (form labels, flashes, services' messages) and a
few hundred in its templates. Here the catalogue is found once per request (app/services/per_request.py)
and each message is one dictionary lookup. Outside a request (CLI, worker) Flask-Babel answers as before.
"""

from __future__ import annotations

import flask_babel
from flask_babel.speaklater import LazyString

from app.services import per_request


def translations():
    """The catalogue of the request's locale (Flask-Babel's ``get_translations``, once per request)."""
    return per_request.remembered("jiesu.translations", flask_babel.get_translations)


def gettext(string: str, **variables) -> str:
    """Flask-Babel's ``gettext``: the message in the request's language, formatted with ``variables``."""
    if per_request.request_context() is None:
        return flask_babel.gettext(string, **variables)
    translated = translations().ugettext(string)
    return translated % variables if variables else translated


def lazy_gettext(string: str, **variables) -> LazyString:
    """Flask-Babel's ``lazy_gettext`` (form labels and messages defined at import), translated by ``gettext``."""
    return LazyString(gettext, string, **variables)
