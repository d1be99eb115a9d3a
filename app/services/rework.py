"""Rework keeps the work: 退回修改 and 二次办理 reopen 办理 with the last submission and say why.

When 办理 is ready again in an instance where it was already done once — the reviewer sent the
reply back (退回修改), the callback found the case unresolved (二次办理), or an on-site check came
back — the handler's form opens with what was submitted last (the process data still holds it)
and the reason stands at the top of the form: the reviewer's comment, or the callback's answers.
The reviewer in turn sees how the new draft differs from the one reviewed before.

Read-only helpers for the task page; the task handlers (``app/tasks/handle.py``, ``review.py``)
call them. Nothing here changes state.
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, select

from app.diagrams import ticket_lifecycle as lifecycle
from app.extensions import db
from app.models import User, WorkItem
from app.services import _, per_request

# what the review keeps of the draft it judged (written by the review task's handler)
REVIEWED_DRAFT = "reviewed_reply_draft"
REVIEWED_COMMENT = "reviewed_comment"

HANDLE_FIELDS = (lifecycle.PARTY_CONTACT, lifecycle.ACTIONS_TAKEN, lifecycle.HANDLING_RESULT, lifecycle.REPLY_DRAFT)


@dataclass
class Notice:
    """Why a task is back, shown at the top of its form."""

    kind: str  # 'review' (退回修改), 'callback' (二次办理), 'verification' (核实结果已回), 'resubmitted'
    title: str
    comment: str = ""
    by: str = ""
    at: datetime | None = None
    details: list[tuple[str, str]] = field(default_factory=list)  # (label, value)


@dataclass(frozen=True)
class Earlier:
    """What 办理's form needs of the tasks completed in its instance before it appeared."""

    spec_name: str  # the last one's step
    at: datetime | None
    by: str  # who completed it ("" when unknown)
    handled: bool  # 办理 itself was completed before (so this is a rework)


@functools.cache
def _earlier_statement():
    """The last completion before the item, and whether 办理 is among the earlier ones: one statement,
    columns only (the work items' process data is never read), built once and bound per item."""
    earlier = (WorkItem.instance_id == bindparam("instance_id"), WorkItem.id != bindparam("item_id"),
               WorkItem.state == "completed", WorkItem.completed_at <= bindparam("created_at"))
    handled = select(WorkItem.id).where(*earlier, WorkItem.spec_name == lifecycle.HANDLE).exists()
    return (select(WorkItem.spec_name, WorkItem.completed_at, User.name, handled)
            .outerjoin(User, User.id == WorkItem.completed_by_id).where(*earlier)
            .order_by(WorkItem.completed_at.desc(), WorkItem.id.desc()).limit(1))


def earlier_completions(item: WorkItem) -> Earlier | None:
    """The last task completed in ``item``'s instance before it appeared, or None; once per request
    (the form's prefill and its notice both ask)."""
    def read():
        row = db.session.execute(_earlier_statement(), {"instance_id": item.instance_id, "item_id": item.id,
                                                       "created_at": item.created_at}).one_or_none()
        return None if row is None else Earlier(row[0], row[1], row[2] or "", bool(row[3]))

    return per_request.remembered(f"jiesu.rework.{item.id}", read)


def handle_prefill(item: WorkItem, variables: dict) -> dict:
    """The 办理 form's values from its last submission in this instance ({} the first time)."""
    earlier = earlier_completions(item)
    if earlier is None or not earlier.handled:
        return {}
    values = {name: variables[name] for name in HANDLE_FIELDS if variables.get(name) not in (None, "")}
    decision = variables.get(lifecycle.HANDLE_DECISION)
    if decision and decision != lifecycle.WAIT_FOR_VERIFICATION:  # back from the check: submit now
        values[lifecycle.HANDLE_DECISION] = decision
    return values


def handle_notice(item: WorkItem, variables: dict) -> Notice | None:
    """Why 办理 is open again: the reviewer's comment, the callback's answers, the check's result."""
    last = earlier_completions(item)
    if last is None or not last.handled:
        return None
    by = last.by
    if last.spec_name == lifecycle.REVIEW and \
            variables.get(lifecycle.REVIEW_DECISION) == lifecycle.REVIEW_RETURNED:
        return Notice("review", _("审核退回修改：请按审核意见修改后重新提交"),
                      comment=str(variables.get(lifecycle.REVIEW_COMMENT) or ""), by=by, at=last.at)
    if last.spec_name == lifecycle.CALLBACK and int(variables.get(lifecycle.REWORK_COUNT) or 0) > 0:
        details = [(_("是否解决"), str(variables.get(lifecycle.CALLBACK_RESOLVED) or "")),
                   (_("是否满意"), str(variables.get(lifecycle.CALLBACK_SATISFIED) or ""))]
        return Notice("callback", _("二次办理：回访结果为未解决，请再次办理并重新答复"),
                      comment=str(variables.get(lifecycle.CALLBACK_NOTE) or ""), by=by,
                      at=last.at, details=[d for d in details if d[1]])
    if last.spec_name == lifecycle.HANDLE:
        return Notice("verification", _("现场核实已有结果（或等待已超时）：请补充办理情况后提交审核"),
                      by=by, at=last.at)
    return Notice("resubmitted", _("该任务已办理过，表单已填入上次提交的内容"), by=by, at=last.at)


def review_notice(item: WorkItem, variables: dict) -> Notice | None:
    """On 回复审核 after a return or a second handling: the earlier review's comment."""
    if not variables.get(REVIEWED_DRAFT):
        return None
    if variables.get(lifecycle.REVIEW_DECISION) == lifecycle.REVIEW_RETURNED:
        title = _("退回修改后重新提交审核")
    else:
        title = _("二次办理后重新提交审核（回访未解决）")
    return Notice("resubmitted", title, comment=str(variables.get(REVIEWED_COMMENT) or ""))


def reviewed_before(variables: dict) -> tuple[str, str] | None:
    """(the draft reviewed last time, the new draft), when this review is not the first."""
    old = str(variables.get(REVIEWED_DRAFT) or "")
    new = str(variables.get(lifecycle.REPLY_DRAFT) or "")
    return (old, new) if old else None


def text_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Character-level differences as (op, text): op is 'equal', 'delete' (only in old) or 'insert'."""
    segments: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            segments.append(("equal", old[i1:i2]))
            continue
        if op in ("delete", "replace"):
            segments.append(("delete", old[i1:i2]))
        if op in ("insert", "replace"):
            segments.append(("insert", new[j1:j2]))
    return segments


def draft_changes(variables: dict, shown=str) -> list[tuple[str, str]] | None:
    """The review page's diff: the draft reviewed last time against the new one, as ``shown`` to the
    reader (masked for those who may not see the caller's data); None on a first review."""
    pair = reviewed_before(variables)
    if pair is None:
        return None
    return text_diff(shown(pair[0]), shown(pair[1]))


def draft_label(spec_name: str) -> str:
    """What the reply shown beside a task is: awaiting review, approved, or the latest draft."""
    if spec_name == lifecycle.REVIEW:
        return _("待审核的答复口径")
    if spec_name == lifecycle.CALLBACK:
        return _("审核通过的答复口径（已上报平台）")
    return _("答复口径（最近一次提交）")
