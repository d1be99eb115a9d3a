"""Several nodes on one PostgreSQL database, as production runs them: two `jiesu serve --threads 4`
and two `jiesu worker`, real processes. Timers saved by a third process fire once each, a ticket
pushed to both servers at once is created once, a session signed in on one server works on the
other, and a worker stopped with SIGTERM finishes the instance in hand and exits with status 0.

The several-node test needs JIESU_TEST_DATABASE_URL (it is skipped without); the SIGTERM test
runs on a SQLite file too. Each uses a schema of its own on PostgreSQL.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import create_app
from app.diagrams import ticket_lifecycle as lifecycle
from app.engine import instances
from app.engine.clock import clock
from app.extensions import db
from app.models import Alert, ProcessInstance, ProcessVersion, Ticket
from tests.conftest import PG_URL


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


JIESU = str(Path(sys.executable).with_name("jiesu"))
SCHEMA = "jiesu_several_nodes"
PASSWORD = "Granite-71-willow"
DIAGRAM = Path(__file__).parents[1] / "bpmn" / "timer_alert.bpmn"
needs_postgresql = pytest.mark.skipif(not PG_URL, reason="several nodes: PostgreSQL only (JIESU_TEST_DATABASE_URL)")


def _psql(statement: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(statement)


def _database(kind: str, tmp_path: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'desk.sqlite'}"
    _psql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    _psql(f"CREATE SCHEMA {SCHEMA}")
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=" + urllib.parse.quote(f"-csearch_path={SCHEMA}")


class Desk:
    """The database, the environment the processes get, and this test's own app on the same database."""

    def __init__(self, kind: str, tmp_path: Path):
        self.kind = kind
        self.url = _database(kind, tmp_path)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("JIESU_")}
        self.env.update(JIESU_DATABASE_URL=self.url, JIESU_INSTANCE_DIR=str(tmp_path / "instance"),
                        JIESU_UPLOAD_DIR=str(tmp_path / "uploads"))
        self.procs: list[subprocess.Popen] = []
        ready = self.run("init-db")
        assert ready.returncode == 0, ready.stderr
        added = self.run("user", "add", "clerk", "--name", "张三", "--roles", "dispatcher", "--password-stdin",
                         input=PASSWORD + "\n")
        assert added.returncode == 0, added.stderr
        created = self.run("apikey", "create", "--platform", "市级平台")
        assert created.returncode == 0, created.stderr
        self.api_key = created.stdout.strip().splitlines()[-1]
        self.app = create_app({"SQLALCHEMY_DATABASE_URI": self.url, "JIESU_UPLOAD_DIR": str(tmp_path / "uploads"),
                               "JIESU_INSTANCE_DIR": str(tmp_path / "instance")})
        with self.app.app_context():
            instances.deploy(DIAGRAM.read_bytes())
            db.session.commit()
            db.session.remove()

    def run(self, *args, **kwargs):
        return subprocess.run([JIESU, *args], env=self.env, capture_output=True, text=True, timeout=180, **kwargs)

    def start(self, *args) -> subprocess.Popen:
        proc = subprocess.Popen([JIESU, *args], env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.procs.append(proc)
        return proc

    def save_timers(self, keys: list[str], due: datetime) -> None:
        """Timers saved by this process (neither a server nor a worker), in one transaction."""
        with self.app.app_context():
            for key in keys:
                instances.start("timer_alert", {"due": due.isoformat()}, business_key=key)
            db.session.commit()
            db.session.remove()

    def query(self, statement):
        with self.app.app_context():
            try:
                return db.session.execute(statement).all()
            finally:
                db.session.remove()

    def alerts(self, prefix: str) -> dict[str, int]:
        rows = self.query(select(Alert.business_key, func.count()).where(Alert.business_key.like(f"{prefix}%"))
                          .group_by(Alert.business_key))
        return dict(rows)

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            for stream in (proc.stdout, proc.stderr):
                stream.close()
        with self.app.app_context():
            db.engine.dispose()
        if self.kind == "postgresql":
            _psql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")


@pytest.fixture
def desk(request, tmp_path):
    clock.reset()
    desk = Desk(request.param, tmp_path)
    try:
        yield desk
    finally:
        desk.close()


def _wait_http(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"server on {port} exited: {proc.stderr.read()}"
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2).read()
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise AssertionError(f"server on {port} did not start")


def _until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(what)


def _stop_gracefully(proc: subprocess.Popen) -> tuple[int, str]:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        raise AssertionError("the worker did not stop within 30 s of SIGTERM") from None
    return proc.returncode, proc.stderr.read()


class Visitor:
    """A browser with its own cookies."""

    def __init__(self, jar: http.cookiejar.CookieJar | None = None):
        self.jar = jar or http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def request(self, port: int, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(f"http://127.0.0.1:{port}{path}", data=body, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def login(self, port: int, username: str, password: str) -> int:
        _status, page = self.request(port, "/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        return self.request(port, "/login", {"csrf_token": token, "username": username, "password": password})[0]


def _push(port: int, key: str, ticket_no: str, body: dict) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/tickets/{ticket_no}", method="PUT",
                                     data=json.dumps(body, ensure_ascii=False).encode(),
                                     headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@needs_postgresql
@pytest.mark.parametrize("desk", ["postgresql"], indirect=True)
def test_two_servers_and_two_workers_double_nothing_and_share_sessions(desk):
    ports = (_free_port(), _free_port())  # other sessions on this machine run servers too
    servers = [desk.start("serve", "--port", str(port), "--threads", "4") for port in ports]
    workers = [desk.start("worker") for _ in range(2)]
    for port, proc in zip(ports, servers, strict=True):
        _wait_http(port, proc)
    time.sleep(2)  # the workers are asleep (nothing due): only a notification can wake them in time

    # timers saved by a third process, due together, fire once each
    keys = [f"n{n}" for n in range(30)]
    desk.save_timers(keys, datetime.now(UTC) + timedelta(seconds=2))

    # every ticket pushed to both servers at once: one ticket, one 201 and one 200
    numbers = [f"NODE-{n:03d}" for n in range(12)]
    bodies = {no: {"ticket_type": "投诉", "title": f"网吧接纳未成年人{no}", "content": f"来电人反映某网吧接纳未成年人上网（{no}）。"}
              for no in numbers}
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda job: (job[0], _push(job[1], desk.api_key, job[0], bodies[job[0]])),
                                [(no, port) for no in numbers for port in ports]))
    per_ticket = {no: sorted(status for n, status in answers if n == no) for no in numbers}
    assert all(statuses == [200, 201] for statuses in per_ticket.values()), per_ticket
    held = dict(desk.query(select(Ticket.ticket_no, func.count()).where(Ticket.ticket_no.in_(numbers))
                           .group_by(Ticket.ticket_no)))
    assert held == dict.fromkeys(numbers, 1), "each pushed ticket created once"
    lifecycles = desk.query(select(ProcessInstance.ticket_id, func.count())
                            .join(Ticket, Ticket.id == ProcessInstance.ticket_id)
                            .join(ProcessVersion, ProcessVersion.id == ProcessInstance.version_id)
                            .where(Ticket.ticket_no.in_(numbers), ProcessVersion.process_key == str(lifecycle.PROCESS))
                            .group_by(ProcessInstance.ticket_id))
    assert len(lifecycles) == len(numbers) and all(count == 1 for _id, count in lifecycles), \
        "one lifecycle process per ticket"

    # signed in on A, the same cookie opens a ticket on B
    ticket_id = desk.query(select(Ticket.id).where(Ticket.ticket_no == numbers[0]))[0][0]
    visitor = Visitor()
    assert visitor.login(ports[0], "clerk", PASSWORD) == 302
    status, page = visitor.request(ports[1], f"/tickets/{ticket_id}")
    assert status == 200 and numbers[0] in page, "a session signed in on server A works on server B"

    _until(lambda: sum(desk.alerts("n").values()) >= len(keys), 60, "the timers did not all fire")
    time.sleep(1)  # a second firing, if there were one, would be committed by now
    assert desk.alerts("n") == dict.fromkeys(keys, 1), "each timer fired exactly once over two workers"

    for worker in workers:
        code, err = _stop_gracefully(worker)
        assert code == 0 and "定时器进程已停止" in err, err
    for server in servers:
        server.terminate()
        server.wait(20)


@pytest.mark.parametrize("desk", ["sqlite"] + (["postgresql"] if PG_URL else []), indirect=True)
def test_sigterm_stops_a_worker_between_two_instances(desk):
    keys = [f"g{n:03d}" for n in range(150)]
    desk.save_timers(keys, datetime.now(UTC) + timedelta(seconds=3))
    worker = desk.start("worker")
    _until(lambda: desk.alerts("g"), 90, "the worker fired nothing")
    code, err = _stop_gracefully(worker)
    assert code == 0 and "定时器进程已停止" in err, err

    fired = desk.alerts("g")
    states = dict(desk.query(select(ProcessInstance.business_key, ProcessInstance.status)
                             .where(ProcessInstance.business_key.like("g%"))))
    assert all(states[key] == "completed" for key in fired), "whatever fired is committed with its effects"
    assert all(states[key] == "running" for key in keys if key not in fired), "nothing half done"
    assert len(fired) < len(keys), "stopped in the middle of the work (more than 150 firings before the signal?)"

    rest = desk.run("worker", "--once")
    assert rest.returncode == 0, rest.stderr
    assert desk.alerts("g") == dict.fromkeys(keys, 1), "the next worker fires the rest, each once"
