"""p50 / p95 of the pages that grow with the number of tickets, on a database filled by bench/generate.py.

    .venv/bin/python bench/pages.py --url postgresql://postgres@127.0.0.1:5432/bench_scale [--runs 20]

Each page is requested ``--runs`` times through Flask's test client (the whole request: routing,
audience check, queries, templates; no network), logged in as the person who uses it, after two
warm-up requests. Prints wall p50 / p95, the app's own CPU per request (this process: Python,
templates; the database's work is in the wall time only), SQL statements per request and the
answer's size. On a loaded machine wall times are inflated: the load average is printed.
The export of one month runs ``--export-runs`` times (default 3): request, the background job (run
here, as the worker would) and the download together. Figures only.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, func, select  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402


def pct(samples, q):
    s = sorted(samples)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


class Client:
    def __init__(self, app, username):
        self.client = app.test_client()
        page = self.client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        data = {"username": username, "password": "jiesu2026"}
        if token:
            data["csrf_token"] = token.group(1)
        r = self.client.post("/login", data=data)
        if r.status_code != 302:
            raise SystemExit(f"login of {username} failed: {r.status_code}")

    def get(self, url):
        from flask import g

        g.pop("_login_user", None) if g else None
        return self.client.get(url)

    def token(self, page_url):
        """The CSRF token of a page's forms (the ledger's 导出 button is a form)."""
        page = self.get(page_url).get_data(as_text=True)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)

    def post(self, url, data):
        from flask import g

        g.pop("_login_user", None) if g else None
        return self.client.post(url, data=data)


def pages(app) -> list[tuple[str, str, str, int]]:
    """(label, username, url, runs)"""
    from app.engine.clock import clock
    from app.models import Ticket, User, WorkItem
    from app.services import rates

    with app.app_context():
        period = rates.current_period()
        y, m = (int(x) for x in period.split("-"))
        last = f"{y - (m == 1):04d}-{(m - 2) % 12 + 1:02d}"
        some_ticket = db.session.scalar(select(Ticket.id).where(Ticket.closed_at.is_not(None))
                                        .order_by(Ticket.id.desc()).offset(1000).limit(1))
        word = db.session.scalar(select(Ticket.enterprise).order_by(Ticket.id.desc()).offset(500).limit(1))
        no = db.session.scalar(select(Ticket.ticket_no).order_by(Ticket.id).offset(12345 % max(
            1, db.session.scalar(select(func.count(Ticket.id))))).limit(1))
        item = db.session.scalar(select(WorkItem.id).where(WorkItem.state == "ready", WorkItem.spec_name == "handle",
                                                           WorkItem.assignee_id.is_not(None)).limit(1))
        section = db.session.scalar(select(User.section_id).where(User.username == "wenhua"))
        _ = clock
    out = [
        ("督办看板 board", "zhuguan", "/supervisor/", 20),
        (f"三率 rates {last}", "zhuguan", f"/supervisor/rates?period={last}", 20),
        ("案件台账 ledger", "zhuguan", "/tickets/", 20),
        ("ledger page 50", "zhuguan", "/tickets/?page=50", 20),
        (f"ledger month {last}", "zhuguan", f"/tickets/?period={last}", 20),
        ("ledger q=网吧", "zhuguan", "/tickets/?q=%E7%BD%91%E5%90%A7", 20),
        (f"ledger q={word}", "zhuguan", f"/tickets/?q={word}", 20),
        ("ledger q=ticket no", "zhuguan", f"/tickets/?q={no}", 20),
        ("ledger q=强制购物 overdue", "zhuguan", "/tickets/?q=%E5%BC%BA%E5%88%B6%E8%B4%AD%E7%89%A9&overdue=1", 20),
        ("ledger q=导游 as a handler", "wenhua", "/tickets/?q=%E5%AF%BC%E6%B8%B8", 20),  # one section
        ("repeat register", "zhuguan", "/repeats/register", 10),
        ("repeat register page 20", "zhuguan", "/repeats/register?page=20", 10),
        (f"repeat register from {last}-01", "zhuguan", f"/repeats/register?from={last}-01", 10),
        ("repeat register q=1381", "zhuguan", "/repeats/register?q=1381", 10),
        ("repeat register min=4", "zhuguan", "/repeats/register?min=4", 10),
        ("待认领 dispatcher", "paidan", "/?tab=claimable", 20),
        ("我的待办 handler", "wenhua", "/", 20),
        # with a filter the rows are joined to their ticket (a 预警 row through its warning)
        ("待认领 dispatcher, state 待签收", "paidan", "/?tab=claimable&state=%E5%BE%85%E7%AD%BE%E6%94%B6", 20),
        ("待认领 dispatcher, type 投诉", "paidan", "/?tab=claimable&type=%E6%8A%95%E8%AF%89", 20),
        (f"我的待办 handler, section {section}", "wenhua", f"/?section={section}", 20),
        ("ticket page", "zhuguan", f"/tickets/{some_ticket}", 20),
    ]
    if item:
        with app.app_context():
            who = db.session.get(WorkItem, item).assignee.username
        out.append(("task page (handle)", who, f"/tasks/{item}", 20))
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", required=True)
    p.add_argument("--runs", type=int, default=0, help="override the runs per page")
    p.add_argument("--export-runs", type=int, default=3)
    p.add_argument("--only", default="", help="only pages whose label contains this")
    p.add_argument("--skip", default="", help="leave out pages whose label contains this (comma-separated)")
    args = p.parse_args(argv)
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.url})
    statements = [0]
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.__setitem__(0, statements[0] + 1))
        from app.models import Ticket

        n = db.session.scalar(select(func.count(Ticket.id)))
        print(f"{n:,} tickets on {db.engine.dialect.name}; load average {__import__('os').getloadavg()[0]:.2f}")
    clients = {}
    todo = pages(app)
    from app.services import rates

    with app.app_context():
        period = rates.current_period()
    y, m = (int(x) for x in period.split("-"))
    last = f"{y - (m == 1):04d}-{(m - 2) % 12 + 1:02d}"
    todo.append((f"export month {last}", "zhuguan", f"/tickets/export.xlsx?period={last}", args.export_runs))
    print(f"{'page':<32} {'p50':>9} {'p95':>9} {'app CPU p50':>11} {'SQL':>5} {'size':>10}  status")
    for label, username, url, runs in todo:
        if args.only and args.only not in label:
            continue
        if any(word and word in label for word in args.skip.split(",")):
            continue
        runs = args.runs or runs
        if "export" in label:
            runs = args.export_runs
        client = clients.get(username) or clients.setdefault(username, Client(app, username))
        times, cpus, status, size, sql = [], [], None, 0, 0
        for i in range(runs + (0 if "export" in label else 2)):
            token = client.token(url.replace("/export.xlsx", "/")) if "export" in label else None
            statements[0] = 0
            t, c = time.perf_counter(), time.process_time()
            # 导出 is the ledger's button, a POST with the filters in its query (a GET shows the ledger)
            r = client.post(url, {"csrf_token": token}) if token else client.get(url)
            if "export" in label and r.status_code == 302:  # a 导出任务: run it here as a worker would, download
                from app.services import ledger_export

                with app.app_context():
                    ledger_export.run_pending()
                r = client.get(r.headers["Location"] + "/download")
                if r.status_code != 200:
                    raise SystemExit(f"{label}: the download answered {r.status_code}")
            body = r.get_data()
            took = time.perf_counter() - t
            spent = time.process_time() - c
            status, size, sql = r.status_code, len(body), statements[0]
            if i >= 2 or "export" in label:
                times.append(took)
                cpus.append(spent)
        print(f"{label:<32} {pct(times, .5) * 1000:7.1f}ms {pct(times, .95) * 1000:7.1f}ms "
              f"{pct(cpus, .5) * 1000:9.1f}ms {sql:>5} {size:>10,}  "
              f"{status}", flush=True)


if __name__ == "__main__":
    main()
