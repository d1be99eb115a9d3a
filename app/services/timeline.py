"""办理记录: the ticket's timeline, each entry a message of the catalogue with its parameters.

An entry is stored as its message (the Chinese source text, a msgid such as
``完成：%(task)s``) and the parameters, and is rendered in the reader's language
(``TicketEvent.text``); ``title`` keeps the Chinese text for exports and old rows. Labels of
the ``data`` pairs are msgids too. Messages are declared here, so the catalogue has them.
"""

from __future__ import annotations

import functools

from sqlalchemy import insert

from app.engine.clock import clock
from app.extensions import db
from app.models import TicketEvent, User
from app.services import N_

TICKET_CREATED = {"api": N_("平台推送"), "import": N_("文件导入"), "manual": N_("录入工单")}
TASK_DONE = N_("完成：%(task)s")
CLAIMED = N_("认领任务：%(task)s")
UNCLAIMED = N_("取消认领：%(task)s")
TIMER_FIRED = N_("定时器触发：%(timer)s")
ALERT = N_("%(alert)s：%(text)s")
CLOSED = N_("流程结束：%(state)s")


def add(ticket, kind: str, message: str, actor: User | None = None, data: list | None = None,
        at=None, **params) -> None:
    """Add one entry to ``ticket``'s timeline in the current transaction.

    A Core insert on the transaction's connection, at once and in the order of the calls: no object for
    the unit of work to track, and no autoflush of what the caller has not finished changing."""
    db.session.connection().execute(_insert_event(), {
        "ticket_id": ticket.id if hasattr(ticket, "id") else int(ticket), "at": at or clock.now(),
        "actor_id": actor.id if actor is not None else None, "kind": kind, "title": render(message, params)[:200],
        "message": message, "params": params or None, "data": data})


@functools.cache
def _insert_event():
    return insert(TicketEvent.__table__)


def render(message: str, params: dict | None, translate=None) -> str:
    """``message`` with its parameters, translated by ``translate`` (gettext) when given."""
    text = translate(message) if translate else message
    if not params:
        return text
    try:
        return text % {k: (translate(v) if translate and isinstance(v, str) else v) for k, v in params.items()}
    except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder: the source still reads
        return message % params
