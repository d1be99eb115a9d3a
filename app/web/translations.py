"""The templates' gettext: the request's catalogue is looked up once, not again for every string.

Flask-Babel's own callables find the domain, the locale and the catalogue on each call; a task page
translates a few hundred labels. The catalogue is looked up once per request (app/services/per_request.py)."""

from __future__ import annotations

from flask import Flask

from app.services.catalogue import gettext, translations


def _bound(catalogue):
    """``gettext`` on one catalogue: what a template's ``_`` is while it renders."""
    lookup = catalogue.ugettext

    def gettext_bound(string: str, **variables) -> str:
        translated = lookup(string)
        return translated % variables if variables else translated

    return gettext_bound


def install(app: Flask) -> None:
    """The i18n extension's callables (``{% trans %}``, ``pgettext``), and ``_`` as Flask-Babel's
    ``gettext`` (a plain string the template escapes, not the extension's markup-safe one)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n))
    app.jinja_env.globals["_"] = gettext  # (macros imported without the context)

    @app.context_processor
    def _catalogue_of_this_render():
        return {"_": _bound(translations())}
