"""What the product hands each of its processes at start, with sample values for a dry run.

The deploy check reads the names (an expression may use them although no form or script
of the diagram sets them); the dry run starts the diagram with the values. Keep in step
with the services that start the processes (tickets.process_variables, casework.start_process
and its callers, inspections, early_warning, enterprises, carried).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from app.engine.expressions import to_iso

_CASE = {"ticket_id": 1, "ticket_no": "试运行-0001", "request_id": 1}


def sample_inputs(process_key: str, now: datetime) -> dict:
    """Sample start variables of a product process ({} for a process the product does not start)."""
    iso = to_iso(now)
    later = to_iso(now + timedelta(days=10))
    samples = {
        "ticket_lifecycle": {"ticket_id": 1, "ticket_no": "试运行-0001", "ticket_type": "投诉", "urgency": "一般",
                             "source": "市级直派", "received_at": iso, "platform_deadline": None},
        "inspection": {"inspection_id": 1, "inspection_no": "JC-试运行", "subject": "试运行企业",
                       "enterprise_kind": "travel_agency", "source": "投诉核实", "section": "culture_market",
                       "requested_at": iso, "ticket_no": None, "inspector_1": "jiancha", "inspector_2": None},
        "early_warning": {"warning_id": 1, "ticket_id": 1, "ticket_no": "试运行-0001", "ticket_title": "试运行",
                          "summary": "试运行预警", "responsible_group": "supervisor", "leader_group": "leader",
                          "escalate_hours": 2, "raised_at": iso},
        "licence_watch": {"enterprise_id": 1, "subject": "试运行企业", "licence_no": "L-0001",
                          "licence_expiry": to_iso(now + timedelta(days=60))},
        "extension": {**_CASE, "requested_by": "wenhua", "reason": "试运行", "current_deadline": later,
                      "requested_deadline": to_iso(now + timedelta(days=20)), "max_deadline": to_iso(now + timedelta(days=30))},
        "exclusion": {**_CASE, "requested_by": "wenhua", "section": "culture_market", "ground": "试运行",
                      "evidence": "", "filed_at": iso, "appeal_workdays": 3},
        "carried": {**_CASE, "requested_by": "wenhua", "reason": "试运行", "plan": "试运行",
                    "review_date": (now + timedelta(days=30)).date().isoformat(), "requested_at": iso},
        "supervision": {**_CASE, "section": "culture_market", "interval_days": 3, "note": "试运行",
                        "supervised_by": "zhuguan", "next_report_at": None},
        "carried_review_cycle": {},
    }
    return dict(samples.get(process_key, {}))


# variables a message delivered by the product sets (send_message(..., result_var=...))
MESSAGE_VARIABLES: dict[str, frozenset[str]] = {
    "licence_watch": frozenset({"licence_change"}),  # enterprises.py: the ledger's new licence expiry
}


def input_names(process_key: str) -> frozenset[str]:
    return frozenset(sample_inputs(process_key, datetime.now().astimezone())) | \
        MESSAGE_VARIABLES.get(process_key, frozenset())
