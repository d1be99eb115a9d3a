"""How late timers fire when they are saved by one process and fired by another.

    .venv/bin/python bench/timer_latency.py                          # SQLite file in a temp dir
    .venv/bin/python bench/timer_latency.py --database postgresql://postgres@127.0.0.1:5432/test_h8
    .venv/bin/python bench/timer_latency.py --modes worker --count 20

For each firing process (``--modes``: ``worker`` = a separate ``jiesu worker``; ``serve`` =
``jiesu serve --with-worker``, the process a small installation runs):

1. a fresh database (SQLite file, or a schema of its own on PostgreSQL) gets the schema
   (``jiesu init-db``) and a small diagram: start, a timer catch event on ``timeDate`` = the
   variable ``due``, end;
2. one instance due in an hour is saved first, so the firing process sleeps as long as it may;
3. the firing process is started and given a few seconds to settle;
4. this process (the saver: as a web server saving a ticket would) starts ``--count`` instances,
   one every ``--every`` seconds, each due ``--lead`` to ``--lead + --spread`` seconds after its
   save (a pseudo-random spread, seeded), each in its own transaction;
5. when all are fired (or ``--timeout`` passed) the lateness of each is read: the instance's
   ``updated_at``, written by the firing process when it saved the fired instance, minus ``due``.

Printed per mode: fired/saved, max, p95, median and min lateness in seconds. The target
(issue 14) is max < 1 s. Both processes run on this machine, so they share its clock.
Exit status 1 if a timer did not fire.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from app import create_app  # noqa: E402
from app.engine import instances  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import ProcessInstance  # noqa: E402

SCHEMA = "jiesu_timer_bench"
DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="bench_defs"
  targetNamespace="http://jiesu.bench">
  <bpmn:process id="bench_timer" name="定时器延迟基准" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="wait"/>
    <bpmn:intermediateCatchEvent id="wait" name="到时">
      <bpmn:timerEventDefinition><bpmn:timeDate>due</bpmn:timeDate></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="e"/>
    <bpmn:endEvent id="e"/>
  </bpmn:process>
</bpmn:definitions>
"""
JIESU = ("import sys; from app.console import main; sys.argv[0] = 'jiesu'; sys.exit(main())")


def database_url(base: str | None, tmp: Path) -> str:
    if not base:
        return f"sqlite:///{tmp / 'bench.sqlite'}"
    import psycopg

    with psycopg.connect(base.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        conn.execute(f"CREATE SCHEMA {SCHEMA}")
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=" + urllib.parse.quote(f"-csearch_path={SCHEMA}")


def jiesu(env: dict, *args: str, **kwargs):
    return subprocess.Popen([sys.executable, "-c", JIESU, *args], env=env, cwd=ROOT, **kwargs)


def prepare(env: dict, app) -> None:
    result = subprocess.run([sys.executable, "-c", JIESU, "init-db"], env=env, cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    if result.returncode:
        raise SystemExit(result.stderr)
    with app.app_context():
        instances.deploy(DIAGRAM.encode())
        db.session.commit()
        save_timer(datetime.now(UTC) + timedelta(hours=1))


def save_timer(due: datetime) -> int:
    instance, _snap = instances.start("bench_timer", {"due": due.isoformat()})
    db.session.commit()
    return instance.id


def start_firing(mode: str, env: dict) -> subprocess.Popen:
    with socket.socket() as s:  # a free port
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    args = ("worker",) if mode == "worker" else ("serve", "--port", str(port), "--with-worker")
    return jiesu(env, *args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def measure(mode: str, args, base_env: dict) -> dict:
    with tempfile.TemporaryDirectory(prefix="jiesu-timer-bench-") as tmp:
        url = database_url(args.database, Path(tmp))
        env = dict(base_env, JIESU_DATABASE_URL=url, JIESU_INSTANCE_DIR=str(Path(tmp) / "instance"),
                   JIESU_UPLOAD_DIR=str(Path(tmp) / "uploads"), PYTHONPATH=str(ROOT))
        os.environ.update(JIESU_INSTANCE_DIR=env["JIESU_INSTANCE_DIR"], JIESU_UPLOAD_DIR=env["JIESU_UPLOAD_DIR"])
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "JIESU_UPLOAD_DIR": env["JIESU_UPLOAD_DIR"]})
        prepare(env, app)
        firing = start_firing(mode, env)
        try:
            time.sleep(args.settle)
            rng = random.Random(args.seed)
            due_of: dict[int, datetime] = {}
            with app.app_context():
                for _ in range(args.count):
                    due = datetime.now(UTC) + timedelta(seconds=args.lead + rng.random() * args.spread)
                    due_of[save_timer(due)] = due
                    db.session.remove()
                    time.sleep(args.every)
                last_due = max(due_of.values())
                deadline = time.monotonic() + max(0.0, (last_due - datetime.now(UTC)).total_seconds()) + args.timeout
                while time.monotonic() < deadline:
                    done = db.session.scalar(select(db.func.count()).select_from(ProcessInstance).where(
                        ProcessInstance.id.in_(due_of), ProcessInstance.status == "completed"))
                    db.session.remove()
                    if done == len(due_of):
                        break
                    time.sleep(0.5)
                rows = db.session.execute(select(ProcessInstance.id, ProcessInstance.status, ProcessInstance.updated_at)
                                          .where(ProcessInstance.id.in_(due_of))).all()
                db.session.remove()
                db.engine.dispose()
        finally:
            firing.terminate()
            try:
                firing.wait(20)
            except subprocess.TimeoutExpired:
                firing.kill()
                firing.wait()
        if args.database:
            import psycopg

            with psycopg.connect(args.database.replace("postgresql+psycopg://", "postgresql://"),
                                 autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    late = []
    for instance_id, status, updated_at in rows:
        if status == "completed":
            fired = updated_at if updated_at.tzinfo else updated_at.replace(tzinfo=UTC)
            late.append((fired - due_of[instance_id]).total_seconds())
    return {"mode": mode, "saved": len(due_of), "fired": len(late), "late": sorted(late)}


def p95(values: list[float]) -> float:
    return values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=os.environ.get("JIESU_BENCH_DATABASE_URL"),
                        help="a PostgreSQL URL (a schema of its own is made in it); default: a SQLite file")
    parser.add_argument("--modes", default="worker,serve", help="worker, serve or both (comma-separated)")
    parser.add_argument("--count", type=int, default=30)
    parser.add_argument("--every", type=float, default=0.4, help="seconds between two saves")
    parser.add_argument("--lead", type=float, default=2.0, help="least seconds from save to due")
    parser.add_argument("--spread", type=float, default=6.0, help="due instants spread over this many more seconds")
    parser.add_argument("--settle", type=float, default=6.0, help="seconds given to the firing process to start")
    parser.add_argument("--timeout", type=float, default=45.0, help="seconds to wait after the last due instant")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("JIESU_")}
    print(f"database: {'PostgreSQL' if args.database else 'SQLite'}; {args.count} timers saved by this process, "
          f"one every {args.every:g} s, due {args.lead:g}-{args.lead + args.spread:g} s after their save")
    print(f"{'firing process':<28}{'fired':>8}{'max':>8}{'p95':>8}{'median':>8}{'min':>8}   (lateness, s)")
    bad = False
    for mode in [m.strip() for m in args.modes.split(",") if m.strip()]:
        r = measure(mode, args, base_env)
        label = "jiesu worker" if mode == "worker" else "jiesu serve --with-worker"
        late = r["late"]
        if late:
            print(f"{label:<28}{r['fired']:>4}/{r['saved']:<3}{max(late):>8.2f}{p95(late):>8.2f}"
                  f"{statistics.median(late):>8.2f}{min(late):>8.2f}")
        else:
            print(f"{label:<28}{0:>4}/{r['saved']:<3}  nothing fired")
        bad |= r["fired"] != r["saved"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
