"""The ledger's Excel export of one month as a background job (导出任务): CPU, wall and peak memory.

    .venv/bin/python bench/export_job.py --url postgresql://postgres@127.0.0.1:5432/bench_scale [--runs 3]
    .venv/bin/python bench/export_job.py --url sqlite:////tmp/bench.sqlite --period 2026-11

On a database filled by bench/generate.py. Each run queues the export of ``--period`` (default: the
last full month) for ``--user`` (default zhuguan, who sees personal data; ``tongji`` reads it masked),
claims it and runs it here as the worker would (app/services/ledger_export.py), and prints the
rows, the job's wall time and this process's CPU time (Python: reading rows, masking, writing the
workbook; the database's own work shows in the wall time only), the file's size, and the rows per
second. A last run under tracemalloc gives the peak of Python memory the job allocated; the
process's maximum resident size is printed too. The load average is printed: on a loaded machine
the figures are inflated. Figures only. The jobs and files it makes are removed at the end.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import delete, select  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", required=True)
    p.add_argument("--period", default="", help="YYYY-MM (default: the last full month)")
    p.add_argument("--user", default="zhuguan")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--batch", type=int, default=0, help="rows per batch (default: the service's)")
    args = p.parse_args(argv)
    uploads = tempfile.mkdtemp(prefix="jiesu-export-bench-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.url, "JIESU_UPLOAD_DIR": uploads})
    from app.models import ExportJob, User
    from app.services import files, ledger, ledger_export, rates

    with app.app_context():
        period = args.period
        if not period:
            y, m = (int(x) for x in rates.current_period().split("-"))
            period = f"{y - (m == 1):04d}-{(m - 2) % 12 + 1:02d}"
        user = db.session.scalar(select(User).where(User.username == args.user))
        f = ledger.LedgerFilter.from_args({"period": period})
        batch = args.batch or ledger_export.BATCH
        print(f"{db.engine.dialect.name}: export of {period} for {args.user}, batches of {batch}; "
              f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")
        made = []

        def one(trace: bool = False):
            job = ledger_export.request_export(f, user)
            claimed = ledger_export.claim(job.id)
            if trace:
                tracemalloc.start()
            t, c = time.perf_counter(), time.process_time()
            outcome = ledger_export.run(*claimed, batch=batch)
            wall, cpu = time.perf_counter() - t, time.process_time() - c
            peak = tracemalloc.get_traced_memory()[1] if trace else 0
            if trace:
                tracemalloc.stop()
            db.session.expire_all()
            job = db.session.get(ExportJob, job.id)
            made.append(job.id)
            size = files.absolute_path(job.stored_path).stat().st_size if job.stored_path else 0
            return outcome, job.rows_done, wall, cpu, size, peak

        walls, cpus = [], []
        for i in range(args.runs):
            outcome, rows, wall, cpu, size, _peak = one()
            walls.append(wall)
            cpus.append(cpu)
            print(f"  run {i + 1}: {outcome}, {rows:,} rows, wall {wall:.2f} s, CPU {cpu:.2f} s, "
                  f"{rows / wall:,.0f} rows/s, file {size / 1e6:.1f} MB", flush=True)
        print(f"median: wall {statistics.median(walls):.2f} s, CPU {statistics.median(cpus):.2f} s")
        outcome, rows, wall, cpu, size, peak = one(trace=True)
        print(f"under tracemalloc: peak Python memory of the job {peak / 1e6:.1f} MB "
              f"(wall {wall:.2f} s, slowed by the tracing)")
        print(f"max resident size of this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; "
              f"load average {os.getloadavg()[0]:.2f}")
        for job in db.session.scalars(select(ExportJob).where(ExportJob.id.in_(made))):
            if job.stored_path:
                files.remove(job.stored_path)
        db.session.execute(delete(ExportJob).where(ExportJob.id.in_(made)))
        db.session.commit()


if __name__ == "__main__":
    main()
