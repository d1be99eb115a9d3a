"""One clock for the whole app.

Everything that asks "what time is it" (timers inside SpiffWorkflow, deadlines, the
inbox colours, the sweep) reads ``clock.now()``. Tests freeze or move it; the demo's
simulation setting shifts it by an offset that is shared through the database.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


class Clock:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frozen: datetime | None = None
        self._offset = timedelta(0)
        self._virtual = threading.local()  # a dry run's own time, seen by its thread only
        self._wall_offset = timedelta(0)

    def now(self) -> datetime:
        """The current instant, aware, in UTC."""
        virtual = getattr(self._virtual, "at", None)
        if virtual is not None:
            return virtual
        with self._lock:
            if self._frozen is not None:
                return self._frozen
            return datetime.now(UTC) + self._offset

    def wall_now(self) -> datetime:
        """The real instant, whatever the desk's clock says (frozen, moved, simulated): sessions and
        lockouts must not lapse because a demo or a test moved the desk's time. Tests of those
        move this one with ``advance_wall``."""
        with self._lock:
            return datetime.now(UTC) + self._wall_offset

    def advance_wall(self, delta: timedelta) -> None:
        with self._lock:
            self._wall_offset += delta

    def local_now(self) -> datetime:
        return self.now().astimezone(LOCAL_TZ)

    def freeze(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("the clock takes aware datetimes only")
        with self._lock:
            self._frozen = at.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward (frozen or offset, whichever is in force)."""
        with self._lock:
            if self._frozen is not None:
                self._frozen += delta
            else:
                self._offset += delta

    def set_offset(self, offset: timedelta) -> None:
        with self._lock:
            self._offset = offset

    @contextmanager
    def virtual(self, at: datetime):
        """Within the block, this thread (only) sees ``at``; ``set_virtual`` moves it."""
        previous = getattr(self._virtual, "at", None)
        self._virtual.at = at.astimezone(UTC)
        try:
            yield self
        finally:
            self._virtual.at = previous

    def set_virtual(self, at: datetime) -> None:
        if getattr(self._virtual, "at", None) is None:
            raise RuntimeError("set_virtual() outside clock.virtual()")
        self._virtual.at = at.astimezone(UTC)

    @property
    def offset(self) -> timedelta:
        return self._offset

    def reset(self) -> None:
        with self._lock:
            self._frozen = None
            self._offset = timedelta(0)
            self._wall_offset = timedelta(0)


clock = Clock()


class _SpiffDatetime(datetime):
    """Stands in for ``datetime`` inside SpiffWorkflow's timer module; only now() differs."""

    @classmethod
    def now(cls, tz=None):
        current = clock.now()
        return current.astimezone(tz) if tz is not None else current.astimezone().replace(tzinfo=None)


def install_spiff_clock() -> None:
    """Make SpiffWorkflow's timers read our clock (it has no clock hook of its own)."""
    from SpiffWorkflow.bpmn.specs.event_definitions import timer

    timer.datetime = _SpiffDatetime
    timer.LOCALTZ = LOCAL_TZ  # a timeDate without an offset is Beijing time, whatever the server's zone
    definition = timer.TimerEventDefinition
    if not getattr(definition.parse_iso_duration, "jiesu_bounded", False):
        definition.parse_iso_duration = staticmethod(_bounded_duration(definition.parse_iso_duration))
    if not getattr(definition.parse_iso_recurring_interval, "jiesu_bounded", False):
        definition.parse_iso_recurring_interval = staticmethod(
            _bounded_cycle(definition.parse_iso_recurring_interval))


MAX_DURATION_YEARS = 100  # SpiffWorkflow adds a duration's months one by one: P99999999Y held a thread for minutes


class DurationTooLong(ValueError):
    """A timer duration beyond MAX_DURATION_YEARS (the message is Chinese)."""


def duration_years(parsed: dict) -> float:
    return (parsed.get("years", 0) + parsed.get("months", 0) / 12 + parsed.get("weeks", 0) / 52
            + parsed.get("days", 0) / 365 + parsed.get("hours", 0) / 8760)


SHORTEST_CYCLE = timedelta(minutes=1)  # a repeating timer's interval: each firing saves the instance, which grows


class CycleTooShort(ValueError):
    """A repeating timer more often than SHORTEST_CYCLE (the message is Chinese)."""


def cycle_too_short(expression) -> CycleTooShort:
    return CycleTooShort(f"重复周期 {expression} 的间隔短于 1 分钟：定时器会不停地触发，每次触发都要保存流程实例，"
                         "实例会越来越大；请把间隔改为 1 分钟以上（例如 R/PT1H）")


def _bounded_cycle(parse):
    def parse_iso_recurring_interval(expression):
        count, start, every = parse(expression)
        if timedelta(0) < every < SHORTEST_CYCLE:
            raise cycle_too_short(expression)
        return count, start, every
    parse_iso_recurring_interval.jiesu_bounded = True
    return parse_iso_recurring_interval


def _bounded_duration(parse):
    def parse_iso_duration(expression):
        parsed = parse(expression)
        if duration_years(parsed) > MAX_DURATION_YEARS:
            raise DurationTooLong(f"定时器时长 {expression} 超过 {MAX_DURATION_YEARS} 年，不像有效的时限")
        return parsed
    parse_iso_duration.jiesu_bounded = True
    return parse_iso_duration
