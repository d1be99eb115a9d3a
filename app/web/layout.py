"""The layout's costly parts done once: the navbar's menus of a user, kept per process, and the
templates' links (``url_for``), remembered per endpoint, arguments and script root; a static file's link
carries a digest of its content (``?v=``).

The menus depend only on who the user is (id, roles, section), the language, the counts they show
and whether a process may be started; that combination is the key. An entry lives a minute and is
dropped at once when this process changes users or deploys a diagram (app/services/page_cache.py).
Nothing per request (CSRF tokens, the clock, the duty banner) is in the cached part.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import g, request, url_for
from jinja2 import pass_context
from markupsafe import Markup

from app.models import ProcessVersion, User
from app.services import page_cache, per_request

_menus = page_cache.LayoutCache((User, ProcessVersion), ttl=60.0)


@pass_context
def cached_nav_menu(context) -> Markup:
    user = context["current_user"]
    nav = context["nav"]
    may_start = context["may_start_any"]()
    key = (user.id, user.roles, user.section_id, str(getattr(g, "locale", "") or ""), request.script_root,
           nav.mine, nav.claimable, nav.warnings, nav.incidents, bool(may_start))
    template = context.environment.get_template("_nav_menu.html")
    return Markup(_menus.get(key, lambda: template.render(context.get_all())))


_URLS_KEPT = 4096
_urls: dict = {}


def remembered_url_for(endpoint: str, **values) -> str:
    """``url_for`` for templates. A page builds the same links on every request (the navbar's, the
    static files'); with no URL defaults or host rules in this app a link depends only on the endpoint,
    its arguments (in their order) and the script root. Only arguments that are text, whole numbers or
    None are remembered, with their type (``1`` and ``True`` are equal in Python, not in a URL); a
    blueprint-relative endpoint or an ``_external`` / ``_anchor`` / ``_method`` / ``_scheme`` link is
    built each time."""
    ctx = per_request.request_context()
    if ctx is None or endpoint[:1] == ".":
        return url_for(endpoint, **values)
    key = [id(ctx.app), ctx.request.script_root, endpoint]
    for name, value in values.items():
        kind = type(value)
        if name[:1] == "_" or kind not in _REMEMBERED_TYPES:
            return url_for(endpoint, **values)
        key += (name, kind, value)
    key = tuple(key)
    found = _urls.get(key)
    if found is None:
        if endpoint == "static" and "v" not in values:
            values["v"] = static_version(ctx.app, values.get("filename") or "")
        found = url_for(endpoint, **values)
        if len(_urls) >= _URLS_KEPT:  # many tickets' links: start again rather than grow
            _urls.clear()
        _urls[key] = found
    return found


_REMEMBERED_TYPES = frozenset({str, int, type(None)})
_versions: dict = {}


def static_version(app, filename: str) -> str | None:
    """A digest of a static file's content, added to its links as ``?v=``: a browser (or the proxy, which
    keeps /static/ for days: deploy/nginx/jiesu.conf) fetches a file again as soon as an upgrade changes it.
    Read once per file and process (processes restart on an upgrade); None for a file that is not there."""
    key = (app.static_folder, filename)
    if key not in _versions:
        path = Path(app.static_folder, filename)
        try:
            _versions[key] = hashlib.sha256(path.read_bytes()).hexdigest()[:10] if path.is_file() else None
        except OSError:
            _versions[key] = None
    return _versions[key]


def register(app) -> None:
    app.jinja_env.globals["cached_nav_menu"] = cached_nav_menu


def remember_urls(app) -> None:
    """Templates' ``url_for`` is ``remembered_url_for``, unless a URL default (app or blueprint) could
    make a link depend on the request."""
    if not any(app.url_default_functions.values()):
        app.jinja_env.globals["url_for"] = remembered_url_for
