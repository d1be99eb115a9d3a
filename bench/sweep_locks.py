"""How long a user's save waits for the row locks of a running sweep (PostgreSQL).

    .venv/bin/python bench/sweep_locks.py --database postgresql://postgres@127.0.0.1:5432/test_h8 [--due 200]

For each batch size (``--batches``, default ``200,5``: the old sweep claimed up to 200 instances in
one transaction, the sweep now claims 5 and commits):

1. a fresh schema gets the tables, the base data and a small diagram (a timer on ``due``, then a
   script that raises an alert); ``--due`` instances are started, all due at one instant after the last is saved;
2. ``timers.sweep(batch=...)`` runs in one thread; meanwhile another thread plays users saving
   those instances: one after the other, in random order, it updates one instance's row in its own
   transaction (what a task completion does to ``process_instance``), timing each update;
3. printed: the sweep's time and its commits, and the users' waits (max, p95, median).

Figures only.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import threading
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, text  # noqa: E402

from app import create_app  # noqa: E402
from app.engine import instances  # noqa: E402
from app.extensions import db  # noqa: E402
from app.seed import seed_base  # noqa: E402
from app.services import timers  # noqa: E402

SCHEMA = "jiesu_sweep_locks_bench"
DIAGRAM = (ROOT / "tests" / "bpmn" / "timer_alert.bpmn").read_bytes()


def schema_url(base: str) -> str:
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        conn.execute(f"CREATE SCHEMA {SCHEMA}")
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=" + urllib.parse.quote(f"-csearch_path={SCHEMA}")


def run(base: str, batch: int, due_count: int, seed: int) -> dict:
    url = schema_url(base)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        seed_base()
        instances.deploy(DIAGRAM)
        due = datetime.now(UTC) + timedelta(seconds=2 + 0.05 * due_count)  # all saved before it
        ids = [instances.start("timer_alert", {"due": due.isoformat()}, business_key=f"l{n}")[0].id
               for n in range(due_count)]
        db.session.commit()
        db.session.remove()
    time.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()) + 0.2)
    commits: list[float] = []
    waits: list[float] = []
    done = threading.Event()
    swept = {}

    def sweeper():
        with app.app_context():
            me = threading.get_ident()

            def listener(_connection):
                if threading.get_ident() == me:
                    commits.append(time.perf_counter())

            event.listen(db.engine, "commit", listener)  # COMMITs sent, not savepoints
            try:
                swept["start"] = time.perf_counter()
                swept["result"] = timers.sweep(batch=batch)
                swept["end"] = time.perf_counter()
            finally:
                event.remove(db.engine, "commit", listener)
                db.session.remove()
                done.set()

    def user():
        rng = random.Random(seed)
        order = ids[:]
        rng.shuffle(order)
        with app.app_context():
            engine = db.engine
        time.sleep(0.05)  # the sweep has claimed its first batch
        for instance_id in order:
            if done.is_set():
                break
            t = time.perf_counter()
            with engine.begin() as conn:
                conn.execute(text("UPDATE process_instance SET updated_at = updated_at WHERE id = :id"),
                             {"id": instance_id})
            waits.append(time.perf_counter() - t)

    threads = [threading.Thread(target=sweeper), threading.Thread(target=user)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with app.app_context():
        db.engine.dispose()
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    return {"batch": batch, "sweep": swept["end"] - swept["start"], "commits": len(commits),
            "fired": swept["result"].fired, "waits": sorted(waits), "result": swept["result"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="a PostgreSQL URL (a schema of its own is made in it)")
    parser.add_argument("--due", type=int, default=200)
    parser.add_argument("--batches", default="200,5")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    base = args.database.replace("postgresql+psycopg://", "postgresql://")
    print(f"{args.due} instances due at once; a user saves them one by one in random order during the sweep")
    print(f"{'batch':>6}{'fired':>7}{'sweep s':>9}{'commits':>9}{'saves':>7}{'wait max':>10}"
          f"{'p95':>8}{'median':>8}   (ms)")
    for batch in [int(b) for b in args.batches.split(",")]:
        r = run(base, batch, args.due, args.seed)
        w = r["waits"]
        p95 = w[min(len(w) - 1, round(0.95 * (len(w) - 1)))] if w else float("nan")
        print(f"{r['batch']:>6}{r['fired']:>7}{r['sweep']:>9.2f}{r['commits']:>9}{len(w):>7}"
              f"{max(w) * 1000 if w else float('nan'):>10.1f}{p95 * 1000:>8.1f}"
              f"{statistics.median(w) * 1000 if w else float('nan'):>8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
