"""Instructions per request of one page, counted by callgrind: a figure that does not drift with the machine.

CPU times on a shared 2-core machine drift by 20-60 % within minutes (the same code measured 10 and
16 ms a few minutes apart); the number of machine instructions a request executes does not (±3 %:
hash seeds, the garbage collector). This runs the demo data (``seed_demo``) under valgrind's
callgrind with instrumentation off, signs in, requests the page ``--warmup`` times, then counts
only the next ``--requests`` requests (``callgrind_control -i on`` / ``off``):

    .venv/bin/python bench/instructions.py /tasks/3 --user paidan
    .venv/bin/python bench/instructions.py / --user wenhua --requests 30
    .venv/bin/python bench/instructions.py / --tree /tmp/base   # an export of another commit (git archive)
    .venv/bin/python bench/instructions.py sweep --requests 5   # timer sweeps of 20 due instances (per instance)

Needs valgrind (Debian's package). Prints millions of instructions per request. Figures only.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SWEEP_DUE = 20


def child(path: str, username: str, warmup: int, requests: int) -> None:
    """Inside valgrind: the app, the sign-in, the warm-up, then READY ... DONE around the counted requests."""
    from bench.common import fresh_app
    from bench.task_pages import CSRF, _forget_request_globals

    with fresh_app() as (app, _tmp):
        from app.demo import seed_demo

        seed_demo()
        client = app.test_client()
        token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
        _forget_request_globals()
        signed_in = client.post("/login", data={"username": username, "password": "jiesu2026", "csrf_token": token})
        _forget_request_globals()
        assert signed_in.status_code == 302, signed_in.status_code
        for _ in range(warmup):
            response = client.get(path)
            _forget_request_globals()
        assert response.status_code == 200, (path, response.status_code)
        print("READY", flush=True)
        time.sleep(3)
        for _ in range(requests):
            client.get(path)
            _forget_request_globals()
        print("DONE", flush=True)
        time.sleep(3)


def child_sweep(due: int, sweeps: int) -> None:
    """Inside valgrind: ``due`` tickets waiting in 响应 with their response timer due, then ``sweeps`` sweeps, each
    between READY and DONE, the due rows put back between them (as bench/timer_sweep.py does)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import timer_sweep

    from app.engine.clock import clock
    from app.services import timers
    from bench.common import T0, fresh_app

    with fresh_app() as (_app, _tmp):
        ids = [timer_sweep.ticket_waiting_in_respond(f"S-{i:04d}") for i in range(due)]
        saved = timer_sweep.save_due(ids)
        clock.freeze(T0 + timer_sweep.SWEEP_AT)
        timers.sweep()  # warm-up
        timer_sweep.restore_due(saved)
        for _ in range(sweeps):
            print("READY", flush=True)
            time.sleep(1)
            fired = timers.sweep().fired
            print("DONE", flush=True)
            time.sleep(1)
            assert fired == due, fired
            timer_sweep.restore_due(saved)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--user", default="wenhua")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--tree", default=str(ROOT), help="the source tree to measure (default: this one)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, args.tree)
    sweep = args.path == "sweep"
    if args.child:
        if sweep:
            child_sweep(SWEEP_DUE, args.requests)
        else:
            child(args.path, args.user, args.warmup, args.requests)
        return 0
    with tempfile.TemporaryDirectory(prefix="jiesu-callgrind-") as tmp:
        out = Path(tmp) / "callgrind.out"
        proc = subprocess.Popen(
            ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}", sys.executable,
             __file__, args.path, "--user", args.user, "--warmup", str(args.warmup), "--requests", str(args.requests),
             "--tree", args.tree, "--child"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=args.tree,
            env=dict(os.environ, PYTHONHASHSEED="0"))
        switches = {"READY": "on", "DONE": "off"}
        for line in proc.stdout:  # counted between each READY and the DONE after it
            if line.strip() in switches:
                subprocess.run(["callgrind_control", "-i", switches[line.strip()], str(proc.pid)], check=True,
                               capture_output=True)
        proc.wait()
        totals = re.search(r"^totals:\s+(\d+)", out.read_text(), re.MULTILINE)
    if proc.returncode != 0 or totals is None:
        print("callgrind run failed", file=sys.stderr)
        return 1
    if sweep:
        print(f"timer sweep: {int(totals.group(1)) / args.requests / SWEEP_DUE / 1e6:.2f} M instructions per due instance "
              f"(callgrind, {args.requests} sweeps of {SWEEP_DUE} due instances after a warm-up sweep)")
        return 0
    print(f"{args.path} as {args.user}: {int(totals.group(1)) / args.requests / 1e6:.1f} M instructions per request "
          f"(callgrind, {args.requests} requests after {args.warmup} warm-up)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
