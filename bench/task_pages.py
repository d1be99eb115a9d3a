"""CPU per request over the ticket lifecycle through the web pages, read in-process.

On a SQLite file with the demo data (``seed_demo``: users, roster, sample tickets, ledger,
inspections), each ticket is pushed by the city platform's API, then every main-line task is
opened (form GET) and submitted (POST) by the user who does it, with that user's inbox read
before. ``time.process_time`` around each test-client request: the server's own CPU,
templates, SQL and engine included, no HTTP parsing or network.

    .venv/bin/python bench/task_pages.py [--tickets 40] [--warmup 3] [--profile get|post|inbox|push]

With ``--profile``, ``JIESU_PROFILE_DUMP=FILE`` also writes the profile for pstats / snakeviz.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, select  # noqa: E402

from bench.common import (  # noqa: E402
    APPROVE,
    DISPATCH,
    HANDLE,
    RESOLVED,
    RESPOND,
    SIGN,
    StatementCounter,
    cpu,
    fresh_app,
    load_note,
)

STEPS = [("sign", "paidan", SIGN), ("dispatch", "paidan", DISPATCH), ("respond", "wenhua", RESPOND),
         ("handle", "wenhua", HANDLE), ("review", "shenhe", APPROVE), ("callback", "huifang", RESOLVED)]
BODY = {
    "ticket_type": "投诉", "topic": "文化->文化市场->网吧", "title": "网吧接纳未成年人",
    "content": "来电人反映某网吧接纳未成年人上网。", "caller_name": "李先生", "caller_phone": "13811112222",
    "district": "本区", "street": "东华街道", "address": "东华路18号", "enterprise": "极速网咖",
    "called_at": "2026-11-25T09:12:00+08:00", "dispatched_at": "2026-11-25T09:40:00+08:00",
    "platform_deadline": "2026-12-04T17:00:00+08:00", "urgency": "一般", "nature": "主办",
}
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Timed:
    """Samples of CPU seconds per kind of request; an optional profiler around one kind."""

    def __init__(self, profile_kind: str | None):
        self.samples: dict[str, list[float]] = {}
        self.profile_kind = profile_kind
        self.profiler = cProfile.Profile() if profile_kind else None
        self.recording = False
        self.counter = None
        self.statements: dict[str, list[int]] = {}
        self.sql_log: list[str] = []
        self.show_kind: str | None = None
        self.shown: list[str] = []

    def __call__(self, kind: str, fn, *args, **kwargs):
        profiling = self.recording and self.profiler is not None and kind == self.profile_kind
        if profiling:
            self.profiler.enable()
        self.counter.take()
        self.sql_log.clear()
        start = cpu()
        result = fn(*args, **kwargs)
        spent = cpu() - start
        statements = self.counter.take()
        if profiling:
            self.profiler.disable()
        if self.recording:
            self.samples.setdefault(kind, []).append(spent)
            self.statements.setdefault(kind, []).append(statements)
            if kind == self.show_kind:
                self.shown = list(self.sql_log)
        return result


def _forget_request_globals():
    from flask import g

    for name in ("csrf_token", "_login_user", "_flask_babel"):
        g.pop(name, None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--profile", choices=["get", "context", "post", "inbox", "push"], default=None)
    parser.add_argument("--show-sql", choices=["get", "context", "post", "inbox", "push"], default=None,
                        help="print the SQL statements of the last request of this kind")
    args = parser.parse_args()

    from app.demo import seed_demo
    from app.extensions import db
    from app.models import Ticket, WorkItem
    from app.services import apikeys

    print(load_note())
    timed = Timed(args.profile)
    with fresh_app() as (app, _tmp):
        seed_demo()
        timed.counter = StatementCounter(db.engine)
        timed.show_kind = args.show_sql
        event.listen(db.engine, "before_cursor_execute",
                     lambda _c, _cur, statement, *_a: timed.sql_log.append(" ".join(statement.split())[:160]))
        _row, key = apikeys.create_key("市级平台")
        db.session.remove()
        api = app.test_client()
        headers = {"Authorization": f"Bearer {key}"}
        clients = {}
        for username in {u for _s, u, _d in STEPS}:
            client = app.test_client()
            page = client.get("/login").get_data(as_text=True)
            token = CSRF.search(page).group(1)
            _forget_request_globals()
            response = client.post("/login", data={"username": username, "password": "jiesu2026",
                                                   "csrf_token": token})
            assert response.status_code == 302, response.get_data(as_text=True)[:500]
            _forget_request_globals()
            clients[username] = client

        for n in range(args.warmup + args.tickets):
            timed.recording = n >= args.warmup
            no = f"BENCH-{n:05d}"
            _forget_request_globals()  # (the test client keeps g between requests; a server does not)
            response = timed("push", api.put, f"/api/v1/tickets/{no}", json=BODY, headers=headers)
            assert response.status_code == 201, response.get_data(as_text=True)[:500]
            ticket_id = db.session.scalar(select(Ticket.id).where(Ticket.ticket_no == no))
            db.session.remove()
            for spec_name, username, data in STEPS:
                client = clients[username]
                tab = "claimable" if spec_name in ("sign", "respond", "review", "callback") else "mine"
                _forget_request_globals()
                response = timed("inbox", client.get, f"/?tab={tab}")
                assert response.status_code == 200
                item_id = db.session.scalar(select(WorkItem.id).where(
                    WorkItem.ticket_id == ticket_id, WorkItem.spec_name == spec_name, WorkItem.state == "ready"))
                db.session.remove()
                assert item_id is not None, (no, spec_name)
                _forget_request_globals()
                response = timed("get", client.get, f"/tasks/{item_id}")
                page = response.get_data(as_text=True)
                assert response.status_code == 200, page[:500]
                token = CSRF.search(page).group(1)
                fragment = re.search(r'hx-get="([^"]+)" hx-trigger="load"', page)
                if fragment:  # what the browser loads beside the form once it is shown
                    db.session.remove()
                    _forget_request_globals()
                    assert timed("context", client.get, fragment.group(1)).status_code == 200
                form = {k: v for k, v in data.items() if v is not None}
                if spec_name == "respond":
                    form["contact_time"] = "2026-11-25T09:50"
                form["csrf_token"] = token
                db.session.remove()  # each request has a session of its own, as in a server (not the GET's)
                _forget_request_globals()
                response = timed("post", client.post, f"/tasks/{item_id}", data=form)
                assert response.status_code in (302, 303), (spec_name, response.status_code, re.findall(
                    r"invalid-feedback[^>]*>([^<]*)|alert-[a-z]+[^>]*>([^<]*)", response.get_data(as_text=True)))
                db.session.remove()
            state = db.session.scalar(select(Ticket.state).where(Ticket.id == ticket_id))
            db.session.remove()
            assert state != "待签收", state

    print(f"{args.tickets} tickets (after {args.warmup} warm-up), SQLite file with the demo data,"
          " CPU per request (time.process_time, in-process test client):")
    labels = {"get": "task form GET", "context": "panels fragment GET", "post": "task form POST", "inbox": "inbox GET",
              "push": "platform push (PUT)"}
    for kind in ("get", "context", "post", "inbox", "push"):
        values = timed.samples.get(kind, [])
        if values:
            ordered = sorted(values)
            p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
            print(f"  {labels[kind]:22s} median {statistics.median(values) * 1000:6.2f} ms  "
                  f"mean {statistics.fmean(values) * 1000:6.2f} ms  p95 {p95 * 1000:6.2f} ms  "
                  f"SQL {statistics.fmean(timed.statements[kind]):4.1f}  (n={len(values)})")
    try:
        from app.engine import cache  # (absent before the cache existed: the bench also runs on old commits)
    except ImportError:
        cache = None
    if cache is not None:
        print(f"  workflow cache: {cache.stats['hits']} hits, {cache.stats['misses']} loads")
    per_ticket = sum(sum(v) for v in timed.samples.values()) / max(args.tickets, 1)
    print(f"  all requests per ticket  {per_ticket * 1000:6.1f} ms CPU")
    if timed.shown:
        print(f"SQL of the last {args.show_sql}:")
        for statement in timed.shown:
            print("  ", statement)
    if timed.profiler is not None:
        stats = pstats.Stats(timed.profiler)
        if os.environ.get("JIESU_PROFILE_DUMP"):
            stats.dump_stats(os.environ["JIESU_PROFILE_DUMP"])
        root = re.escape(str(Path(__file__).resolve().parents[1] / "app"))
        stats.sort_stats("cumulative").print_stats(rf"{root}|jinja2/environment.py.*render|sqlalchemy/orm/session.py.*execute", 80)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
