"""三率 of one month of ~17,000 tickets: the SQL aggregates against the former walk over every ticket.

Run from the repo root: ``.venv/bin/python bench/rates.py [--per-month 17000] [--database-url URL]``
(a PostgreSQL database is emptied first and its tables dropped after; default a SQLite file).

Two months (2026-09-25 .. 2026-11-25, ``--per-month`` tickets a month) are bulk-inserted by
app/demo/history.py; the clock stands at 2026-11-25 10:00. For October (settled: a few tickets still
open) and November (the current month: many open, at risk) it times, median of 5 after a warm-up,
wall and this process's CPU (the database's own work is in the wall time only):

* before: the former walk (tests/integration/test_rates_sql.py ``reference``) over the month's ORM
  tickets (the pages) and over plain rows of the columns it reads (the reports);
* after: ``rates.compute`` with the lists a page loads (first 200 of each kind) and figures only
  (the board, the reports);
* the 三率 page and the board over HTTP (Flask test client), after.

Prints the figures and the load average; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select, text  # noqa: E402

from app import create_app  # noqa: E402
from app.demo import history  # noqa: E402
from app.engine.clock import LOCAL_TZ, clock  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Ticket  # noqa: E402

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=LOCAL_TZ)
RULE_COLUMNS = ("id", "first_contact_at", "response_deadline", "callback_contacted", "callback_resolved",
                "callback_satisfied", "closed_at", "reply_deadline", "replied_at", "callback_at", "outcome")


def timed(fn, repeat: int = 5) -> tuple[float, float]:
    """(median wall, median CPU) in ms."""
    fn()
    walls, cpus = [], []
    for _ in range(repeat):
        db.session.expunge_all()  # each run loads its tickets afresh, as a request does
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-month", type=int, default=17_000)
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (emptied first!); default a SQLite file")
    args = parser.parse_args()
    from tests.integration.test_rates_sql import reference  # noqa: PLC0415 - the former walk

    with tempfile.TemporaryDirectory(prefix="jiesu-bench-") as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "JIESU_UPLOAD_DIR": str(Path(tmp) / "uploads"),
                          "JIESU_PASSWORD_METHOD": "pbkdf2:sha256:1000"})
        clock.freeze(T0)
        with app.app_context():
            db.drop_all()
            if db.engine.dialect.name == "postgresql":
                with db.engine.begin() as connection:
                    connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.create_all()
            from app.demo import seed_demo  # noqa: PLC0415
            from app.seed import seed_base  # noqa: PLC0415
            from app.services import rates  # noqa: PLC0415

            seed_base()
            seed_demo()
            started = time.perf_counter()
            history.seed_history(args.per_month * 2, T0 - timedelta(days=61), T0 - timedelta(hours=1), T0, seed=7)
            fill = time.perf_counter() - started
            if db.engine.dialect.name == "postgresql":
                with db.engine.begin() as connection:
                    connection.execute(text("ANALYZE ticket"))
            total = db.session.scalar(select(func.count(Ticket.id)))
            print(f"database: {db.engine.dialect.name}; {total:,} tickets (bulk insert {fill:.1f} s); "
                  f"load average {os.getloadavg()[0]:.2f}")
            client = app.test_client()
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").get_data(as_text=True))
            client.post("/login", data={"username": "zhuguan", "password": "jiesu2026",
                                        "csrf_token": token.group(1) if token else ""})

            def get(url):
                from flask import g  # noqa: PLC0415 - the requests share this app context: forget its user

                g.pop("_login_user", None)
                response = client.get(url)
                assert response.status_code == 200, response.status_code

            for label in ("2026-10", "2026-11"):
                start, end = rates.period_bounds(label)
                scope = rates.counted(start, end)
                month = db.session.scalar(select(func.count(Ticket.id)).where(Ticket.received_at >= start,
                                                                              Ticket.received_at < end))
                is_open = db.session.scalar(select(func.count(Ticket.id)).where(scope, Ticket.closed_at.is_(None)))
                r = rates.compute(label, listed=0)
                print(f"{label}: {month:,} received, {is_open:,} counted and open; "
                      + "; ".join(f"{k} {v.value}% ({v.against_count} against, {v.at_risk_count} at risk)"
                                  for k, v in r.items()))

                def light_rows(start=start, end=end, scope=scope):
                    return list(db.session.execute(select(*[getattr(Ticket, c) for c in RULE_COLUMNS]).where(scope)))

                runs = [
                    ("before: walk over ORM tickets (pages)", lambda label=label: reference(label)),
                    ("before: walk over plain rows (reports)",
                     lambda label=label, light_rows=light_rows: reference(label, tickets=light_rows())),
                    ("after: compute, first 200 listed (page)", lambda label=label: rates.compute(label)),
                    ("after: compute, figures only (board, reports)",
                     lambda label=label: rates.compute(label, listed=0)),
                    ("after: 三率 page over HTTP", lambda label=label: get(f"/supervisor/rates?period={label}")),
                ]
                if label == "2026-11":
                    runs.append(("after: board over HTTP (current month)", lambda: get("/supervisor/")))
                for name, fn in runs:
                    wall, cpu = timed(fn)
                    print(f"  {name:<48} wall {wall:8.1f} ms   CPU {cpu:8.1f} ms", flush=True)
            print(f"load average at the end {os.getloadavg()[0]:.2f}")
            db.session.remove()
            if db.engine.dialect.name == "postgresql":
                db.drop_all()
            db.engine.dispose()
        clock.reset()


if __name__ == "__main__":
    main()
