"""A month's report over a year of 50,000 tickets, on SQLite and (with --database-url) PostgreSQL.

Run from the repo root: ``.venv/bin/python bench/reports.py [--tickets 50000] [--database-url URL]``.

The year (2025-11-26 .. 2026-11-25) is bulk-inserted through the schema by app/demo/history.py
(SQLAlchemy Core insert into the ticket table, ~4,200 tickets a month, states, deadlines, callbacks,
extensions, exclusions as a year of work leaves them), with the ledger enterprises linked. Then, with
the clock at 2026-11-25 10:00, for November 2026:

* ``figures.compute``: every figure of the report (counts, the comparisons with October and
  November 2025, every breakdown, the topic tree, the rates and their six-month trend, timeliness,
  callbacks, days, heat map), SQL aggregation only;
* the report page over HTTP as the analyst opens it (Flask test client, template and charts data);
* the Excel workbook with its charts.

Each is timed 5 times after one warm-up; the median is printed. Figures only, no timing asserted.
"""

from __future__ import annotations

import argparse
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


def timed(fn, repeat: int = 5) -> float:
    fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=50_000)
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (emptied first!); default a SQLite file")
    args = parser.parse_args()
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
            from app.demo import seed_demo  # noqa: PLC0415 - users, roster, enterprises (and a few tickets)
            from app.seed import seed_base  # noqa: PLC0415

            seed_base()
            seed_demo()
            started = time.perf_counter()
            history.seed_history(args.tickets, T0 - timedelta(days=365), T0 - timedelta(hours=1), T0, seed=7)
            fill = time.perf_counter() - started
            total = db.session.scalar(select(func.count(Ticket.id)))
            from app.services.reports import documents, figures, periods  # noqa: PLC0415

            period = periods.month("2026-11")
            r = figures.compute(period)
            month_tickets = r["counts"][0]["value"]
            compute = timed(lambda: figures.compute(period))
            xlsx = timed(lambda: documents.report_xlsx(figures.compute(period)))
            client = app.test_client()
            import re  # noqa: PLC0415

            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").get_data(as_text=True))
            login = client.post("/login", data={"username": "tongji", "password": "jiesu2026",
                                                "csrf_token": token.group(1) if token else ""})
            assert login.status_code == 302 and "/login" not in login.location, login.get_data(as_text=True)[:300]

            def page():
                response = client.get("/reports/?kind=month&month=2026-11")
                assert response.status_code == 200, response.status_code
            http = timed(page)
            print(f"database: {db.engine.dialect.name}; tickets in the table: {total:,} "
                  f"(bulk insert {fill:.1f} s); received in November 2026: {month_tickets:,}")
            print(f"  figures.compute (month, 6-month rate trend)  median {compute * 1000:7.1f} ms")
            print(f"  report page over HTTP (analyst)              median {http * 1000:7.1f} ms")
            print(f"  Excel workbook with charts                   median {xlsx * 1000:7.1f} ms")
            db.session.remove()
            if db.engine.dialect.name == "postgresql":
                db.drop_all()
            db.engine.dispose()
        clock.reset()


if __name__ == "__main__":
    main()
