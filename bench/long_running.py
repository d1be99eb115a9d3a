"""报表周期 (processes/report_cycle.bpmn) run day after day: its task tree, stored state and cost per firing.

Run from the repo root: ``.venv/bin/python bench/long_running.py [--days 400]``.

A fresh SQLite app seeded like the tests; the seeded cycle is ended and a new one started on Monday
2026-01-05 07:00 (Beijing time); then the clock moves to 08:00:01 of each following day and the timer sweep
runs once (the cycle fires on working days only). Every 50 days: the instance's status, the number of tasks
and the depth of its tree, the stored state's size, the reports made so far, and the CPU of that day's sweep.
Before app/engine/pruning.py the instance stopped on 2027-01-01 at 995 levels (408 KB of state). Figures only.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta

from common import cpu, fresh_app, load_note
from sqlalchemy import func, select

from app.engine import instances
from app.engine.clock import LOCAL_TZ, clock
from app.extensions import db
from app.models import ProcessInstance, ReportRecord
from app.services.reports import archive
from app.services.timers import sweep


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=400)
    args = parser.parse_args()
    print(load_note())
    with fresh_app() as (_app, _tmp):
        clock.freeze(datetime(2026, 1, 5, 7, 0, tzinfo=LOCAL_TZ))
        for instance in db.session.scalars(select(ProcessInstance)):
            instance.status = "done"  # the seeded cycle: start one on this date instead
        db.session.commit()
        archive.ensure_cycle()
        db.session.commit()
        first = datetime(2026, 1, 5, 8, 0, 1, tzinfo=LOCAL_TZ)
        print(f"{'day':>5} {'date':>10} {'status':>9} {'tasks':>6} {'depth':>6} {'state KB':>9} {'reports':>8} "
              f"{'sweep CPU':>10}")
        for day in range(args.days):
            clock.freeze(first + timedelta(days=day))
            started = cpu()
            result = sweep()
            took = cpu() - started
            if day % 50 and day != args.days - 1 and not result.errors:
                continue
            instance = db.session.scalar(select(ProcessInstance).where(
                ProcessInstance.business_key == archive.BUSINESS_KEY, ProcessInstance.status != "done"))
            tree = instances._runtime(instance.version).load(instance.state_json)
            depth = max(t.depth for t in tree.tasks.values())
            made = db.session.scalar(select(func.count(ReportRecord.id)))
            print(f"{day:>5} {clock.now():%Y-%m-%d} {instance.status:>9} {len(tree.tasks):>6} {depth:>6} "
                  f"{len(instance.state_json) / 1024:>9.1f} {made:>8} {took * 1000:>8.1f} ms"
                  + (" (fired)" if result.fired else ""))
            if instance.status == "error":
                print("stopped:", instance.error)
                break


if __name__ == "__main__":
    main()
