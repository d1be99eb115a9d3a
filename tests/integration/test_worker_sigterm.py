"""`jiesu worker` stopped with SIGTERM (systemd, docker, kill) ends cleanly: exit code 0, no traceback."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_sigterm_stops_the_worker_cleanly(tmp_path):
    env = dict(os.environ, JIESU_DATABASE_URL=f"sqlite:///{tmp_path / 'jiesu.sqlite'}",
               JIESU_INSTANCE_DIR=str(tmp_path / "instance"), JIESU_UPLOAD_DIR=str(tmp_path / "uploads"))
    jiesu = [sys.executable, "-m", "app.console"]
    subprocess.run([*jiesu, "init-db"], cwd=ROOT, env=env, check=True, capture_output=True, timeout=180)
    worker = subprocess.Popen([*jiesu, "worker", "--max-sleep", "30"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # it speaks on stderr
    try:
        deadline = time.monotonic() + 60
        started = ""
        while "已启动" not in started and time.monotonic() < deadline:
            started += worker.stdout.readline()
        assert "已启动" in started, started
        time.sleep(0.5)  # into its sleep between sweeps
        worker.send_signal(signal.SIGTERM)
        out, _ = worker.communicate(timeout=20)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, out
    assert "已停止" in out and "Traceback" not in out
