"""排班 the duty roster and 7x24 duty routing.

- ``shifts``: the shift calendar (日班 / 夜班 on working days, 节假日值班 on days off) and shift times
- ``duty``: who is on duty in which post at an instant; ``on_duty('dispatcher')`` for BPMN expressions
- ``editing``: the rules of an assignment, assigning and removing
- ``views``: the week and month tables and the uncovered shifts supervisors are warned of
- ``routing``: the hook that hands night and holiday 签收 tasks to the dispatcher on duty
- ``importing``: the spreadsheet import (staged upload, preview, confirm) and its template

``app/bootstrap.py`` wires ``route_to_duty_dispatcher`` and ``on_duty_expression``; pages use
the names below.
"""

from app.services.roster.duty import (
    ROLE_LABELS,
    assignments_between,
    current_duty_officers,
    duty_banner,
    on_duty,
    on_duty_expression,
    role_label,
)
from app.services.roster.editing import (
    NOTE_LIMIT,
    assign,
    can_edit,
    check_assignment,
    eligible_people,
    unassign,
)
from app.services.roster.importing import IMPORT, template_workbook
from app.services.roster.routing import ALERT_KIND, route_to_duty_dispatcher
from app.services.roster.shifts import (
    OFF_HOURS_KINDS,
    SHIFT_LABELS,
    Shift,
    set_shift_times,
    shift_at,
    shift_label,
    shift_times,
    shift_times_text,
    shifts_between,
)
from app.services.roster.views import gaps, table, upcoming_gaps

__all__ = [
    "ALERT_KIND", "IMPORT", "NOTE_LIMIT", "OFF_HOURS_KINDS", "ROLE_LABELS", "SHIFT_LABELS", "Shift", "assign",
    "assignments_between", "can_edit", "check_assignment", "current_duty_officers", "duty_banner", "eligible_people",
    "gaps",
    "on_duty", "on_duty_expression", "role_label", "route_to_duty_dispatcher", "set_shift_times", "shift_at",
    "shift_label", "shift_times", "shift_times_text", "shifts_between", "table", "template_workbook", "unassign",
    "upcoming_gaps",
]
