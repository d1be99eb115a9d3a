"""The stored workflow state is the same text whichever way SpiffWorkflow's serializer is driven (the
dump uses its encoder mode, which skips a walk over the data), and it loads back to the same state."""

import json

from app.engine import instances
from app.engine.runtime import SERIALIZER, Runtime
from app.services.tickets import ticket_instance
from tests.helpers import DISPATCH, SIGN, complete, new_ticket


def reference_dump(wf) -> str:
    return json.dumps(SERIALIZER.to_dict(wf), separators=(",", ":"))


def test_the_dump_is_the_serializers_text_and_loads_back(app):
    ticket = new_ticket()
    complete(ticket, "sign", "paidan", **SIGN)
    complete(ticket, "dispatch", "paidan", **DISPATCH)  # timers waiting (datetimes), events, task data
    instance = ticket_instance(ticket)
    runtime = instances._runtime(instance.version)
    wf = runtime.load(instance.state_json)

    text = Runtime.dump(wf)
    assert text == reference_dump(wf) == instance.state_json
    assert Runtime.dump(runtime.load(text)) == text
