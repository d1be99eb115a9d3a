"""Process versions, instances and the user-task projection the inbox reads."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import JSONText, SharedJSONText, UTCDateTime
from app.models.user import User


class ProcessVersion(db.Model):
    """A deployed BPMN diagram. The parsed spec is stored once here, not in every instance."""

    id: Mapped[int] = mapped_column(primary_key=True)
    process_key: Mapped[str] = mapped_column(String(80), index=True)  # the BPMN process id
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))
    # The three large columns are read only when used (deferred): an engine operation finds the parsed
    # spec in the process's cache (app/engine/specs.py) and needs none of them.
    bpmn_xml: Mapped[str] = mapped_column(Text, deferred=True)  # the converted form the engine runs (internal)
    checksum: Mapped[str] = mapped_column(String(64))
    source_xml: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # the file exactly as uploaded
    source_checksum: Mapped[str] = mapped_column(String(64), default="")
    spec_json: Mapped[str] = mapped_column(Text, deferred=True)  # serialized spec and subprocess specs
    # per user task: groups, due date, form ... (a version never changes: parsed once per process, shared)
    task_meta: Mapped[dict] = mapped_column(SharedJSONText())
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    is_current: Mapped[bool] = mapped_column(default=True)
    comment: Mapped[str] = mapped_column(String(300), default="")

    deployed_by: Mapped[User | None] = relationship()

    __table_args__ = (Index("uq_process_version", "process_key", "version", unique=True),)


class ProcessInstance(db.Model):
    """A running (or finished) process: instance state only, with its next timer instant.

    ``lock_version`` gives optimistic locking: an UPDATE from a stale copy matches no row
    and SQLAlchemy raises StaleDataError, which the services turn into a clear conflict.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    business_key: Mapped[str | None] = mapped_column(String(80), index=True)  # e.g. inspection:12
    status: Mapped[str] = mapped_column(String(20), default="running")  # running, completed, error
    end_event: Mapped[str] = mapped_column(String(120), default="")
    state_json: Mapped[str] = mapped_column(Text)
    next_timer_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    version: Mapped[ProcessVersion] = relationship()

    # the sweep's query: running instances by next timer (errored ones stay out of its way)
    __table_args__ = (Index("ix_instance_due", "status", "next_timer_at"),)
    __mapper_args__ = {"version_id_col": lock_version}


class WorkItem(db.Model):
    """A user task as the inbox sees it (kept in step with the engine on every save)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    business_key: Mapped[str | None] = mapped_column(String(80), index=True)
    task_guid: Mapped[str] = mapped_column(String(36), unique=True)
    spec_name: Mapped[str] = mapped_column(String(80))  # the BPMN element id
    title: Mapped[str] = mapped_column(String(120))
    lane: Mapped[str] = mapped_column(String(80), default="")
    candidate_groups: Mapped[str] = mapped_column(String(400), default="")  # ",g1,g2,"
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    follow_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # 跟进时间 (camunda:followUpDate)
    state: Mapped[str] = mapped_column(String(12), default="ready")  # ready, completed, cancelled
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # the ready task's process variables (JSON as the engine converts them), kept at every save so a
    # form GET never loads the workflow; None once the task is done
    variables: Mapped[dict | None] = mapped_column(JSONText())

    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])
    instance: Mapped[ProcessInstance] = relationship()
    ticket = relationship("Ticket")

    __table_args__ = (
        Index("ix_work_item_open", "state", "due_at"),
        # 待认领: the unclaimed ready items in due order, paginated
        Index("ix_work_item_unclaimed", "due_at", "id",
              postgresql_where=text("state = 'ready' AND assignee_id IS NULL"),
              sqlite_where=text("state = 'ready' AND assignee_id IS NULL")),
    )

    @property
    def groups(self) -> set[str]:
        return {g for g in self.candidate_groups.split(",") if g}
