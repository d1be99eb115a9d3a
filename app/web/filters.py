"""Template filters and globals: dates in Asia/Shanghai, masking, inbox colours."""

from flask import current_app
from flask_login import current_user

from app.engine.clock import LOCAL_TZ, clock
from app.engine.expressions import to_datetime
from app.extensions import db
from app.forms.rendering import field_html
from app.models import ROLES, Section
from app.services import N_, diagram_words, inbox, masking, navbar, per_request, timeline
from app.web import translations

WEEKDAYS = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
WEEKDAYS_EN = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


# The labels of app.models.user.ROLES (keep in step), for role_names().
ROLE_LABELS = (N_("派单员"), N_("承办人"), N_("审核员"), N_("回访员"), N_("值班员"), N_("统计员"),
               N_("检查员"), N_("主管"), N_("分管领导"), N_("流程管理员"), N_("系统管理员"))


def role_names(user) -> list[str]:
    """A user's role labels in the user's language."""
    return [translations.gettext(label) for label in user.role_labels]


def group_names(groups) -> list[str]:
    """Candidate groups as people read them: role labels and section names."""
    from flask import g

    if "section_names" not in g:
        g.section_names = dict(db.session.execute(db.select(Section.code, Section.name)).all())
    names = []
    for code in sorted(groups):
        if code in ROLES:
            names.append(translations.gettext(ROLES[code]))
        elif code.startswith("user:"):
            names.append(code.removeprefix("user:"))
        else:
            names.append(g.section_names.get(code, code))
    return names


def format_dt(value, with_weekday: bool = True) -> str:
    """2026-11-25 (周三) 14:30, in Asia/Shanghai."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = to_datetime(value)
    local = value.astimezone(LOCAL_TZ)
    from flask import g

    names = WEEKDAYS_EN if str(getattr(g, "locale", "zh")).startswith("en") else WEEKDAYS
    day = local.strftime("%Y-%m-%d")
    if with_weekday:
        day += f" ({names[local.weekday()]})"
    return f"{day} {local.strftime('%H:%M')}"


def viewer_mask(ticket) -> masking.Mask:
    """The masking service's decision for the signed-in reader and ``ticket``, once per request."""
    cache = per_request.remembered("jiesu.masks", dict)
    key = getattr(ticket, "id", None)
    if key not in cache:
        user = current_user._get_current_object()  # (not the proxy: the masking service asks it many times)
        user = user if getattr(user, "is_authenticated", False) else None
        cache[key] = masking.for_viewer(user, ticket) if user is not None else masking.MASKED
    return cache[key]


def may_see_personal_data(ticket) -> bool:
    return viewer_mask(ticket).full


def masked(value, ticket, field: str | None = None):
    """``{{ t.title|masked(t) }}``, ``{{ value|masked(t, 'caller_phone') }}``: as this reader may see it."""
    mask = viewer_mask(ticket)
    return mask.field(field, value) if field else mask.text(value)


def masked_entry(value, ticket, label: str):
    """``{{ value|masked_entry(ticket, label) }}``: one recorded form value as this reader may see it."""
    return viewer_mask(ticket).entry(label, value)


def entry_text(event) -> str:
    """A timeline or history entry in the reader's language (old rows: their stored Chinese title)."""
    if not getattr(event, "message", None):
        return event.title
    return timeline.render(event.message, event.params, translations.gettext)


def register(app):
    app.jinja_env.filters["dt"] = format_dt
    app.jinja_env.filters["masked"] = masked
    app.jinja_env.filters["masked_entry"] = masked_entry
    app.jinja_env.filters["group_names"] = group_names
    app.jinja_env.filters["entry_text"] = entry_text
    app.jinja_env.filters["dword"] = diagram_words.word  # a diagram's word (task, state, option) for the reader
    app.jinja_env.globals["task_title"] = diagram_words.task_title
    app.jinja_env.globals["render_field"] = field_html  # one form field's label, input, errors and help

    @app.context_processor
    def _globals():
        ctx = {
            "now": clock.now(),
            "urgency_class": inbox.urgency_classifier(),  # (one instant and horizon per page)
            "may_see_personal_data": may_see_personal_data,
            "simulation": current_app.config.get("JIESU_SIMULATION"),
            "languages": current_app.config["LANGUAGES"],
            "role_names": role_names,
        }
        user = current_user._get_current_object()  # None outside a request (a report rendered by a job)
        ctx["nav"] = navbar.NavCounts(user if getattr(user, "is_authenticated", False) else None)  # read when shown
        return ctx

