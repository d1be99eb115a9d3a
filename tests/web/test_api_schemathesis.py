"""Schemathesis drives /api/v1 from its own OpenAPI document (WSGI, no server).

Every operation gets generated requests, valid and invalid; the built-in checks require no
5xx, only documented status codes and content types, responses that match their schemas,
valid data accepted and invalid data refused. Examples are bounded so this stays well
under a minute.
"""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from sqlalchemy import select

from app.engine.clock import clock
from app.extensions import db
from app.models import PlatformMessage, Ticket
from app.services import apikeys, intake, platform_messages, ticket_rules
from app.web.api import schemas
from tests.helpers import DISPATCH, SIGN, complete, user

KEY: dict[str, str] = {}


@pytest.fixture
def api_schema(app):
    _row, key = apikeys.create_key("市级平台")
    KEY["value"] = key
    # The document's example ticket exists and is in handling, so the examples reach real rows:
    # its push is a repeat (200), its 督办 is delivered (201).
    example = dict(schemas.TICKET_IN["examples"][0])
    for name in ("called_at", "dispatched_at", "platform_deadline"):
        example[name] = schemas.parse_datetime(example[name])
    fields = {name: example.get(name) or "" for name in schemas.TICKET_IN["properties"]}
    for name in ("called_at", "dispatched_at", "platform_deadline"):
        fields[name] = example[name]
    ticket = intake.receive_ticket(dict(fields, ticket_no="BJ2026112500001", intake_platform="市级平台")).ticket
    complete(ticket, "sign", "paidan", **SIGN)
    complete(ticket, "dispatch", "paidan", **DISPATCH)
    returned = intake.receive_ticket(dict(fields, ticket_no="BJ-RETURNED", intake_platform="市级平台")).ticket
    complete(returned, "sign", user("paidan").username, sign_decision="退回", return_reason="信息不全", sign_note="")
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request):
    """schemathesis 4.32's lazy loader renames the test node through ``_nodeid``, gone in pytest 9."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


def _rule_problems(case) -> dict:
    """What the services refuse beyond what JSON Schema can say: in a pushed ticket
    (app/services/ticket_rules.py: a deadline after the dispatch, no dispatch in the future) and in a
    督办/催办 (its deadline after the ticket's receipt, within a year): the document describes these rules in words; such a
    request must get 422 naming the field."""
    if not isinstance(case.body, dict):
        return {}
    if case.method.upper() == "POST" and case.path.endswith("/messages"):
        value = case.body.get("deadline")
        if isinstance(value, str) and re.fullmatch(schemas.DATETIME_PATTERN[1:-1], value):
            ticket = _message_reaches_its_ticket(case)
            return platform_messages.deadline_problems(schemas.parse_datetime(value), clock.now(),
                                                       ticket.received_at) if ticket else {}
        return {}
    if case.method.upper() != "PUT":
        return {}
    fields = {}
    for name in ("called_at", "dispatched_at", "platform_deadline"):
        value = case.body.get(name)
        if isinstance(value, str) and re.fullmatch(schemas.DATETIME_PATTERN[1:-1], value):
            fields[name] = schemas.parse_datetime(value)
    return ticket_rules.problems(fields)


def _message_reaches_its_ticket(case) -> Ticket | None:
    """The ticket, when the service gets as far as the deadline: it exists, takes this kind now, and
    the message_id is not one it already has (those are answered 404, 409 or 200 first)."""
    if schemas.validate(schemas.MESSAGE_IN, case.body):
        return None  # refused for its shape first
    db.session.commit()  # end this session's read: an earlier generated PUT may have created the ticket since
    ticket = db.session.scalar(select(Ticket).where(Ticket.ticket_no == (case.path_parameters or {}).get("ticket_no")))
    if ticket is None or case.body.get("kind") not in platform_messages.accepted_kinds(ticket):
        return None
    message_id = case.body.get("message_id")
    repeated = message_id and db.session.scalar(select(PlatformMessage.id).where(
        PlatformMessage.ticket_id == ticket.id, PlatformMessage.message_id == message_id)) is not None
    return None if repeated else ticket


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_document(case):
    headers = {"Authorization": f"Bearer {KEY['value']}"}
    if _rule_problems(case):
        response = case.call(headers=headers)
        assert response.status_code == 422, response.text
        return
    case.call_and_validate(headers=headers)
