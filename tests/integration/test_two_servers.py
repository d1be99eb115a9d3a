"""Two `jiesu serve` processes on one database, started as a user would start them in production:
no JIESU_SECRET_KEY (one is generated once, mode 0600, and shared), a weak key refused, ten wrong
passwords spread over both servers lock the account on both, a huge upload refused from its headers.

Runs on a SQLite file and, when JIESU_TEST_DATABASE_URL is set, in a schema of its own on PostgreSQL.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from tests.conftest import PG_URL


def _free_ports(n: int) -> tuple[int, ...]:
    """Ports nobody listens on now (fixed ones collide with another checkout's test run)."""
    sockets = [socket.socket() for _ in range(n)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = tuple(sock.getsockname()[1] for sock in sockets)
    for sock in sockets:
        sock.close()
    return ports


PORTS = _free_ports(2)
JIESU = str(Path(sys.executable).with_name("jiesu"))
SCHEMA = "jiesu_two_servers"
PASSWORD = "Granite-71-willow"


def _database(kind: str, tmp_path: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'desk.sqlite'}"
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        conn.execute(f"CREATE SCHEMA {SCHEMA}")
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=" + urllib.parse.quote(f"-csearch_path={SCHEMA}")


def _drop_schema():
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")


@pytest.fixture(params=["sqlite"] + (["postgresql"] if PG_URL else []))
def desk(request, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIESU_")}
    env.update(JIESU_DATABASE_URL=_database(request.param, tmp_path), JIESU_INSTANCE_DIR=str(tmp_path / "instance"),
               JIESU_UPLOAD_DIR=str(tmp_path / "uploads"))
    run = lambda *args, **kw: subprocess.run([JIESU, *args], env=env, capture_output=True, text=True,  # noqa: E731
                                             timeout=180, **kw)
    result = run("init-db")
    assert result.returncode == 0, result.stderr
    result = run("user", "add", "clerk", "--name", "张三", "--roles", "dispatcher", "--password-stdin",
                 input=PASSWORD + "\n")
    assert result.returncode == 0 and "已添加用户 clerk" in result.stdout, result.stderr
    yield env, run, tmp_path
    if request.param == "postgresql":
        _drop_schema()


def _wait(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server on {port} exited: {proc.stderr.read()}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2).read()
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise AssertionError(f"server on {port} did not start")


@pytest.fixture
def servers(desk):
    env, _run, tmp_path = desk
    procs = [subprocess.Popen([JIESU, "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for port in PORTS]
    try:
        for port, proc in zip(PORTS, procs, strict=True):
            _wait(port, proc)
        yield tmp_path
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


class Visitor:
    """A browser with its own cookies, talking to one server."""

    def __init__(self, port: int, jar: http.cookiejar.CookieJar | None = None):
        self.base = f"http://127.0.0.1:{port}"
        self.jar = jar or http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def request(self, path: str, data: dict | None = None) -> tuple[int, str, dict]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=30) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), dict(error.headers)

    def login(self, username: str, password: str) -> tuple[int, str]:
        _status, page, _headers = self.request("/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        status, page, _headers = self.request("/login", {"csrf_token": token, "username": username,
                                                         "password": password})
        return status, page


def test_ten_wrong_passwords_over_two_servers_lock_the_account_on_both(servers):
    a, b = Visitor(PORTS[0]), Visitor(PORTS[1])
    for n in range(9):
        status, page = (a if n % 2 else b).login("clerk", f"wrong-{n}")
        assert status == 401 and "用户名或密码错误" in page
    status, page = a.login("clerk", "wrong-9")
    assert status == 429 and "已被暂时锁定" in page
    for visitor in (a, b):
        status, page = visitor.login("clerk", PASSWORD)
        assert status == 429, "the right password is refused on both servers while the lock lasts"


def test_without_a_key_one_is_generated_once_and_shared(servers):
    key_file = servers / "instance" / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    a = Visitor(PORTS[0])
    status, _page = a.login("clerk", PASSWORD)
    assert status == 302
    on_b = Visitor(PORTS[1], a.jar)
    assert on_b.request("/")[0] == 200, "the cookie server A signed opens server B: one key, one session table"
    a.request("/logout", {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', a.request("/")[1]).group(1)})
    assert on_b.request("/")[0] == 302, "logged out on A: the same cookie opens nothing on B"


def test_a_cookie_signed_with_the_old_built_in_key_opens_nothing(servers):
    old = Flask("forger")
    old.secret_key = "dev-only-change-me"
    forged = SecureCookieSessionInterface().get_signing_serializer(old).dumps({"_user_id": "1", "_fresh": True})
    request = urllib.request.Request(f"http://127.0.0.1:{PORTS[0]}/admin/users/",
                                     headers={"Cookie": f"session={forged}"})
    visitor = Visitor(PORTS[0])
    with pytest.raises(urllib.error.HTTPError) as refused:
        visitor.opener.open(request, timeout=10)
    assert refused.value.code == 302 and "/login" in refused.value.headers["Location"]


def test_a_huge_upload_is_refused_from_its_headers(servers):
    with socket.create_connection(("127.0.0.1", PORTS[0]), timeout=10) as conn:
        conn.sendall(b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
                     b"Content-Length: 314572800\r\n\r\n")
        answer = conn.recv(200).decode("latin-1")
    assert answer.startswith("HTTP/1.1 413"), answer


def test_a_weak_key_refuses_to_start(desk):
    env, _run, _tmp = desk
    for key in ("dev-only-change-me", "short"):
        result = subprocess.run([JIESU, "serve", "--port", str(PORTS[0])], env=dict(env, JIESU_SECRET_KEY=key),
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 2 and "拒绝启动" in result.stderr, result.stderr


def test_more_threads_than_database_connections_is_said_at_start(desk):
    """Each waitress thread may hold a database connection: with fewer in the pool the extra requests wait."""
    env, _run, _tmp = desk
    proc = subprocess.Popen([JIESU, "serve", "--port", str(PORTS[0]), "--threads", "12"],
                            env=dict(env, JIESU_DB_POOL_SIZE="5"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        _wait(PORTS[0], proc)
    finally:
        proc.terminate()
        _out, err = proc.communicate(timeout=30)
    assert "--threads 12 多于数据库连接数的上限 10（JIESU_DB_POOL_SIZE=5" in err, err
    assert "JIESU_DB_POOL_SIZE 设为不少于 6" in err, err
