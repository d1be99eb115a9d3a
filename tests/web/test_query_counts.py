"""Pages that list tickets send a bounded number of SQL statements: 50 rows cost what 5 rows cost (no N+1).

Each page is requested with 5 tickets in the database and again with 50; the statements sent
during the request are counted with a SQLAlchemy event. A page that loads something per row
(a lazy relationship, a check per ticket) fails with the numbers in the message.
"""

from datetime import timedelta

from sqlalchemy import event, select

from app.engine.clock import clock
from app.extensions import db
from app.models import RepeatLink, WorkItem
from app.services import repeats
from tests.helpers import DISPATCH, SIGN, complete, new_ticket, user

PAGES = [
    ("zhuguan", "/supervisor/"),
    ("zhuguan", "/supervisor/rates"),
    ("zhuguan", "/tickets/"),
    ("zhuguan", "/tickets/?q=网吧"),
    ("zhuguan", "/tickets/?overdue=1"),
    ("zhuguan", "/repeats/register"),
    ("paidan", "/?tab=claimable"),
    ("wenhua", "/"),
    ("zhuguan", "POST /tickets/export.xlsx"),  # the ledger's 导出 Excel button (a small export: the file)
]
SLACK = 4  # statements that may come and go (a cache of settings expiring between requests, a first lazy load)


def _add_tickets(start: int, n: int) -> None:
    for i in range(start, start + n):
        ticket = new_ticket(no=f"QC-{i:03d}", caller_phone=f"1381111{i % 3:04d}",
                            dispatched_at=clock.now() - timedelta(days=12 if i % 2 else 1))
        if i % 3 == 0:  # some with the handler (我的待办), some waiting to be signed for (待认领)
            complete(ticket, "sign", "paidan", **SIGN)
            complete(ticket, "dispatch", "paidan", **DISPATCH)
    for link in db.session.scalars(select(RepeatLink).where(RepeatLink.status == "suggested")).all():
        repeats.decide(link.id, user("zhuguan"), True)


def _statements(app, browser, pages) -> dict:
    counted = {}
    clients = {}
    for username, url in pages:
        client = clients.get(username) or clients.setdefault(username, browser(username))
        method, _, path = url.rpartition(" ")
        if method == "POST":  # a form's button: its token read before counting
            token = client.csrf("/tickets/")

            def send(path=path, client=client, token=token):
                return client.post(path, {"csrf_token": token})
        else:
            def send(path=path, client=client):
                return client.get(path)
        send()  # warm: caches (calendar, settings, time rules) filled once per process
        n = [0]

        def count(*_args, n=n):
            n[0] += 1

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            response = send()
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert response.status_code == 200, (url, response.status_code)
        counted[url] = n[0]
    return counted


def test_list_pages_do_not_query_per_row(app, browser):
    _add_tickets(0, 5)
    few = _statements(app, browser, PAGES)
    _add_tickets(5, 45)
    many = _statements(app, browser, PAGES)
    grown = {url: (few[url], many[url]) for url in few if many[url] > few[url] + SLACK}
    assert not grown, f"statements per request with 5 and with 50 tickets: {grown}"


def test_a_task_form_is_read_in_a_few_statements_without_its_workflow(app, browser):
    """The form of a main-line task: the sign-in, the work item with its instance, version and ticket, and
    the access log's line; the workflow's state is neither read nor deserialized (its variables are on
    the work item)."""
    ticket = new_ticket(no="QC-TASK")
    complete(ticket, "sign", "paidan", **SIGN)
    complete(ticket, "dispatch", "paidan", **DISPATCH)
    item = db.session.scalar(select(WorkItem).where(WorkItem.ticket_id == ticket.id, WorkItem.state == "ready"))
    client = browser("wenhua")
    url = f"/tasks/{item.id}"
    assert client.get(url).status_code == 200  # warm: the navbar's numbers are kept a few seconds
    sent = []

    def record(_conn, _cursor, statement, *_args):
        if not statement.startswith(("SAVEPOINT", "RELEASE SAVEPOINT")):  # a test's commit on PostgreSQL
            sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        page = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert page.status_code == 200 and "contact_person" in page.get_data(as_text=True)  # the 响应 form
    assert len(sent) <= 4, sent
    assert not any("state_json" in s for s in sent), "the workflow's state is not read for a form"
