"""Process versions and instances in the database: the engine's persistence boundary.

Each function changes rows in the current session and leaves the commit to the
caller (the service layer's unit of work), so domain rows and workflow state are
saved in one transaction.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app import wiring
from app.engine import cache, calendar_store, deadlines, errors, expressions, pruning, specs
from app.engine import runtime as runtime_module
from app.engine.checks import CheckContext
from app.engine.clock import clock
from app.engine.fingerprint import fingerprint
from app.engine.runtime import EngineError, NotWaiting, Runtime, Snapshot, TaskNotReady
from app.extensions import db
from app.models import ProcessInstance, ProcessVersion


class UnchangedDiagram(Exception):
    """The file is the one the current version was deployed from."""

    def __init__(self, version: ProcessVersion):
        super().__init__(f"与当前版本相同，未部署（{version.process_key} 第 {version.version} 版）")
        self.version = version


def bpmn_functions() -> dict:
    """The BPMN functions and named service implementations diagrams may call, by name.

    The one place the engine gets them from: the wiring (app/bootstrap.py); the calendar-bound
    built-ins (now, add_workdays, notify ...) are added per operation by make_environment().
    """
    wired = wiring.current()
    return {**wired.service_implementations, **wired.bpmn_functions}


def function_names() -> frozenset[str]:
    return frozenset(bpmn_functions()) | expressions.BUILTIN_FUNCTION_NAMES


def default_context() -> CheckContext:
    """What the engine alone knows: the function names (groups, users, inputs unchecked)."""
    return CheckContext(functions=function_names())


def deploy(xml: bytes | str, deployed_by=None, comment: str = "", context: CheckContext | None = None,
           parsed: specs.ParsedProcess | None = None) -> ProcessVersion:
    """Validate and store a new version of a diagram; it becomes current for new instances.

    The file is kept as uploaded (``source_xml``, downloaded as it was); the converted form the
    engine runs is internal. Raises DiagramError, or UnchangedDiagram for the current file again.
    """
    source = xml.encode("utf-8") if isinstance(xml, str) else bytes(xml)
    parsed = parsed or specs.parse(source, context=context or default_context())
    source_checksum = specs.checksum(source)
    checksum = specs.checksum(parsed.xml)
    current = current_version(parsed.process_key)
    if current is not None and ((current.source_checksum or current.checksum) in (source_checksum, checksum)
                                or fingerprint(source) == fingerprint(_stored_file(current))):
        raise UnchangedDiagram(current)  # the same file, or the same diagram written differently (the modeler's)
    latest = db.session.scalar(
        select(ProcessVersion)
        .where(ProcessVersion.process_key == parsed.process_key)
        .order_by(ProcessVersion.version.desc())
        .limit(1)
    )
    for old in db.session.scalars(
        select(ProcessVersion).where(ProcessVersion.process_key == parsed.process_key, ProcessVersion.is_current)
    ):
        old.is_current = False
    version = ProcessVersion(
        process_key=parsed.process_key,
        version=(latest.version + 1) if latest else 1,
        name=parsed.name,
        bpmn_xml=parsed.xml.decode("utf-8"),
        checksum=checksum,
        source_xml=source,
        source_checksum=source_checksum,
        spec_json=specs.dump_specs(parsed),
        task_meta=parsed.task_meta,
        deployed_at=clock.now(),
        deployed_by_id=getattr(deployed_by, "id", None),
        is_current=True,
        comment=comment,
    )
    db.session.add(version)
    db.session.flush()
    return version


def _stored_file(version: ProcessVersion) -> bytes:
    return bytes(version.source_xml) if version.source_xml else version.bpmn_xml.encode("utf-8")


def deploy_directory(directory: str | Path) -> list[ProcessVersion]:
    """Deploy every diagram in ``directory`` whose content differs from its current version."""
    deployed = []
    for path in sorted(Path(directory).glob("*.bpmn")):
        xml = path.read_bytes()
        try:
            deployed.append(deploy(xml, comment=f"从 {path.name} 部署"))
        except UnchangedDiagram:
            continue
    return deployed


def current_version(process_key: str) -> ProcessVersion | None:
    return db.session.scalar(
        select(ProcessVersion).where(ProcessVersion.process_key == process_key, ProcessVersion.is_current)
    )


@contextmanager
def _guard(instance: ProcessInstance | None = None, version: ProcessVersion | None = None):
    """Whatever one instance raises leaves as an EngineError that names the instance and version."""
    try:
        yield
    except (TaskNotReady, NotWaiting, SQLAlchemyError):
        raise
    except Exception as exc:
        error = errors.engine_error(exc, EngineError)
        error.instance_id = getattr(instance, "id", None)
        error.version_id = getattr(version, "id", None) or getattr(instance, "version_id", None)
        if error is exc:
            raise
        raise error from exc


def _runtime(version: ProcessVersion) -> Runtime:
    return Runtime((version.id, version.checksum), lambda: version.spec_json, version.task_meta,
                   calendar_store.get_calendar(), bpmn_functions())


def _version_key(instance: ProcessInstance) -> tuple:
    return instance.version_id, instance.version.checksum


def _load(instance: ProcessInstance, runtime: Runtime):
    """The instance's workflow: the one this process keeps for its row version, else deserialized.
    The caller owns it (it may change it); ``_give_back`` after a read keeps it for the next one."""
    wf = cache.take(instance, _version_key(instance))
    if wf is None:
        return runtime.load(instance.state_json)
    wf.script_engine = runtime.script_engine  # this operation's engine (its notifications, its calendar)
    return wf


def _give_back(instance: ProcessInstance, wf) -> None:
    cache.give_back(instance, _version_key(instance), wf)


def _save(instance: ProcessInstance, runtime: Runtime, wf, snapshot: Snapshot) -> None:
    previous = instance.next_timer_at
    # a long-running loop's finished path (pruning.py); the deadline scripts it drops are kept for recomputing
    pruning.prune(wf, deadlines=lambda: deadlines.deadline_names(runtime))
    instance.state_json = runtime.dump(wf)
    cache.saved(instance, _version_key(instance), wf)
    instance.next_timer_at = None if snapshot.completed else snapshot.next_timer_at
    instance.status = "completed" if snapshot.completed else "running"
    instance.end_event = snapshot.end_event
    instance.updated_at = clock.now()
    nxt = instance.next_timer_at
    if nxt is not None and (previous is None or nxt < previous):
        for callback in wiring.current().timer_listeners:  # a scheduler that should wake earlier
            callback(nxt)


def start(process_key: str, data: dict, ticket_id: int | None = None,
          business_key: str | None = None) -> tuple[ProcessInstance, Snapshot]:
    """Start the current version of a process. ``business_key`` links a non-ticket subject
    (e.g. ``inspection:12``) the way ``ticket_id`` links a ticket."""
    version = current_version(process_key)
    if version is None:
        raise LookupError(f"流程 {process_key} 尚未部署")
    with _guard(version=version):
        runtime = _runtime(version)
        wf = runtime.new(data)
        runtime.run(wf)
        snapshot = runtime.snapshot(wf)
        snapshot.started = True
    now = clock.now()
    instance = ProcessInstance(version_id=version.id, ticket_id=ticket_id, business_key=business_key,
                               created_at=now, updated_at=now, state_json="")
    instance.version = version
    _save(instance, runtime, wf, snapshot)
    db.session.add(instance)
    cache.saved(instance, _version_key(instance), wf)  # now that it has a session
    db.session.flush()
    return instance, snapshot


def complete_task(instance: ProcessInstance, guid: str, data: dict) -> Snapshot:
    with _guard(instance):
        runtime = _runtime(instance.version)
        wf = _load(instance, runtime)
        runtime.complete(wf, guid, data)
        snapshot = runtime.snapshot(wf)
        _save(instance, runtime, wf, snapshot)
    return snapshot


def fire_timers(instance: ProcessInstance) -> Snapshot:
    with _guard(instance):
        runtime = _runtime(instance.version)
        wf = _load(instance, runtime)
        runtime.run(wf)
        snapshot = runtime.snapshot(wf)
        _save(instance, runtime, wf, snapshot)
    return snapshot


def send_message(instance: ProcessInstance, name: str, payload, result_var: str = "message") -> Snapshot:
    """Deliver a BPMN message to a running instance; raises NotWaiting if nothing waits for it."""
    with _guard(instance):
        runtime = _runtime(instance.version)
        wf = _load(instance, runtime)
        runtime.send_message(wf, name, payload, result_var)
        snapshot = runtime.snapshot(wf)
        _save(instance, runtime, wf, snapshot)
    return snapshot


def move_deadlines(instance: ProcessInstance, variables: dict) -> Snapshot:
    """Give a running instance new values for deadline variables (an approved 延期): its waiting
    timers compute their instants again and its open tasks' due dates follow (as move_deadlines()
    in a BPMN script does, but from outside the process)."""
    with _guard(instance):
        runtime = _runtime(instance.version)
        wf = _load(instance, runtime)
        runtime._apply_moves(wf, dict(variables))
        runtime.run(wf)
        snapshot = runtime.snapshot(wf)
        _save(instance, runtime, wf, snapshot)
    return snapshot


def waiting_messages(instance: ProcessInstance) -> list[str]:
    with _guard(instance):
        runtime = _runtime(instance.version)
        wf = _load(instance, runtime)
        names = runtime.waiting_messages(wf)
    _give_back(instance, wf)
    return names


def snapshot(instance: ProcessInstance) -> Snapshot:
    """Read-only view of an instance (nothing is saved)."""
    with _guard(instance):
        runtime = _runtime(instance.version)
        wf = _load(instance, runtime)
        snap = runtime.snapshot(wf)
    _give_back(instance, wf)
    return snap


def task_data(instance: ProcessInstance, guid: str) -> dict:
    with _guard(instance):
        runtime = _runtime(instance.version)
        wf = _load(instance, runtime)
        data = runtime.task_data(wf, guid)
    _give_back(instance, wf)
    return data


def restore_data(converted: dict) -> dict:
    """A work item's stored variables (``ReadyTask.data``) as the task sees them."""
    return runtime_module.restore_data(converted)


def due_instance_ids(limit: int = 100, exclude: list[int] | tuple = ()) -> list[int]:
    """Ids of running instances whose next timer is due, claimed with SKIP LOCKED on PostgreSQL
    (``exclude``: ids a sweep has already looked at)."""
    query = (
        select(ProcessInstance.id)
        .where(ProcessInstance.status == "running", ProcessInstance.next_timer_at <= clock.now())
        .order_by(ProcessInstance.next_timer_at)
        .limit(limit)
    )
    if exclude:
        query = query.where(ProcessInstance.id.not_in(list(exclude)))
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(db.session.scalars(query))


def next_due_instant():
    return db.session.scalar(
        select(ProcessInstance.next_timer_at)
        .where(ProcessInstance.status == "running", ProcessInstance.next_timer_at.is_not(None))
        .order_by(ProcessInstance.next_timer_at)
        .limit(1)
    )
