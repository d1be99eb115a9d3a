"""The layout's costly part rendered once: the navbar's menus of a user, kept per process.

The menus depend only on who the user is (id, roles, section), the language, the counts they show
and whether a process may be started; that combination is the key. An entry lives a minute and is
dropped at once when this process changes users or deploys a diagram (app/services/page_cache.py).
Nothing per request (CSRF tokens, the clock, the duty banner) is in the cached part.
"""

from __future__ import annotations

from flask import g, request
from jinja2 import pass_context
from markupsafe import Markup

from app.models import ProcessVersion, User
from app.services import page_cache

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


def register(app) -> None:
    app.jinja_env.globals["cached_nav_menu"] = cached_nav_menu
