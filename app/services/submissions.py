"""Idempotent form submissions: a retried POST with the same token changes nothing.

Phones on a bad connection resend; a person double-clicks. The form carries a random token;
the first submission stores it (with what it created) in the same transaction as its
effects, and a repeat finds it and returns the first outcome instead of acting twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy.exc import IntegrityError

from app.engine.clock import clock
from app.extensions import db
from app.models import SubmitToken, User
from app.services import Conflict, ServiceError, _

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def check_token(token: str | None) -> str:
    token = (token or "").strip()
    if not _TOKEN.match(token):
        raise ServiceError(_("表单缺少提交标识，请刷新页面后重新提交。"))
    return token


def earlier(token: str | None, user: User) -> SubmitToken | None:
    """The earlier submission with this token by this user (a retried POST), if any."""
    if not token:
        return None
    row = db.session.get(SubmitToken, token.strip())
    return row if row is not None and row.user_id == user.id else None


def remember(token: str, user: User, kind: str, ref: str) -> None:
    """Store the token in the current transaction, with what the submission created."""
    db.session.add(SubmitToken(token=token, user_id=user.id, kind=kind, ref=ref, at=clock.now()))


def once(token: str, user: User, run: Callable):
    """Run ``run()``; a concurrent retry of the same submission that lost the race gets the winner's row."""
    try:
        return run()
    except IntegrityError as exc:
        db.session.rollback()
        first = earlier(token, user)
        if first is not None:
            return first
        raise Conflict(_("提交冲突，请刷新后查看最新状态。")) from exc
