"""现场检查: inspections started from a ticket (现场核实), by the plan, by a 双随机 draw or by hand;
their on-site records, evidence, orders to correct, and the findings reported to the ticket.

The process is processes/inspection.bpmn (business key ``inspection:<id>``); its tasks are
completed through the one completion pipeline, with the handlers of ``app/tasks/inspection.py``.

- ``access``: who may see, plan, start and ask for inspections;
- ``reading``: one inspection, its items, records, orders; lists;
- ``starting``: 现场核实 from a ticket, 临时检查;
- ``plans``: routine plans by risk level and 双随机 campaigns;
- ``evidence``: photos and documents, stored by checksum;
- ``checks``: the checklist record and the order to correct;
- ``findings``: the texts of a check and its report to the ticket (and to its process);
- ``following``: the inspection row follows its process; ``history``: its history lines.

The names most pages need are re-exported here.
"""

from app.services.inspections.access import can_plan, can_request_for, can_start, can_view, inspectors
from app.services.inspections.checks import CheckInput, check_item_for, submit_check, validate_check
from app.services.inspections.evidence import add_evidence, can_add_evidence, get_evidence
from app.services.inspections.evidence import download_name as evidence_download_name
from app.services.inspections.evidence import path_of as evidence_path
from app.services.inspections.evidence import verify as verify_evidence
from app.services.inspections.findings import report_to_ticket, summary_text
from app.services.inspections.plans import (
    DEFAULT_PLAN,
    PlanResult,
    draw,
    draw_campaign,
    parse_month,
    period_of,
    plan_months,
    plan_preview,
    run_plan,
    save_plan_months,
)
from app.services.inspections.reading import (
    all_items,
    bureau_name,
    checklist,
    events_of,
    evidence_of,
    for_key,
    for_ticket,
    get,
    instance_of,
    my_items,
    open_items,
    open_orders,
    orders_of,
    previous_failures,
    records,
    search,
)
from app.services.inspections.starting import create_adhoc, request_from_ticket, start

__all__ = [
    "CheckInput", "DEFAULT_PLAN", "PlanResult", "add_evidence", "all_items", "bureau_name", "can_add_evidence",
    "can_plan", "can_request_for", "can_start", "can_view", "check_item_for", "checklist", "create_adhoc", "draw",
    "draw_campaign", "events_of", "evidence_download_name", "evidence_of", "evidence_path", "for_key", "for_ticket", "get", "get_evidence",
    "inspectors", "instance_of", "my_items", "open_items", "open_orders", "orders_of", "parse_month", "period_of",
    "plan_months", "plan_preview", "previous_failures", "records", "report_to_ticket", "request_from_ticket",
    "run_plan", "save_plan_months", "search", "start", "submit_check", "summary_text", "validate_check",
    "verify_evidence",
]
