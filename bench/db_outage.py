"""Issue 14's drill, run for real: the database stopped for 20 s under load.

    .venv/bin/python bench/db_outage.py                       # its own cluster in /tmp/pg-outage, port 5441
    .venv/bin/python bench/db_outage.py --outage 20 --no-browser

Never touches the machine's shared PostgreSQL: the drill stops and starts a cluster of its own
(``--pgdata``, created with ``initdb`` if missing, run as the ``postgres`` user when this runs as
root). In it, as the README's "Running for real" says: a role ``jiesu`` owning a fresh database,
``jiesu init-db``, the first admin with ``--password-stdin``, an API key; the demo staff accounts
and the timer diagram are added in this process. Then

1. two ``jiesu serve --threads 4`` and two ``jiesu worker`` on it;
2. load: two platform clients push tickets over the API (PUT /api/v1/tickets/<no>, the OpenAPI
   client of bench/platform_client.py), each push retried on a 503 or a connection error until it
   is answered 201/200, as a platform does; staff sessions (two dispatchers signing for and
   dispatching what was pushed, two more reading inboxes, the ledger and tickets); probes asking
   each server a page and an API call that need the database, four times a second; timers
   (``tests/bpmn/timer_alert.bpmn``: each firing writes one Alert) saved before the outage, due
   in the middle of it;
3. ``pg_ctl stop -m fast``, ``--outage`` seconds, ``pg_ctl start``; the app processes are not
   restarted;
4. a real Chromium (``--no-browser`` leaves it out) signed in as the handler 王磊 types a contact
   note into 响应, submits during the outage (the Chinese 503 page), goes back to the form after
   the restart (the note is still there: app/static/js/drafts.js) and submits it (success);
   screenshots /tmp/outage-*.png;
5. after ``--after`` seconds the load stops and what the database holds is checked.

Printed: requests during the outage by kind and status (what users got), requests after the
restart that still failed, each process's recovery time (first success after the restart: a
server's probe, a worker's "database reachable again" log line), the lateness of the timers due
in the outage, and the checks: every push answered 201/200 is one ticket with one lifecycle
process; no ticket doubled; each timer fired exactly once; no open work item doubled; every
staff submission answered with a redirect is completed; no 500, no English error page, no
HTML from the API; every process still running; the workers logged the errors and backed off.
Exit status 1 if a check fails.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.platform_client import PlatformClient, Timeout  # noqa: E402

HEADING = "数据库暂时不可用，您填写的内容已保留在本机"
DB_PASSWORD = "outage-drill-database-password"
ADMIN_PASSWORD = "Granite-71-willow-outage"
STAFF_PASSWORD = "jiesu2026"
SECRET = "outage-drill-" + "k" * 40
DIAGRAM = ROOT / "tests" / "bpmn" / "timer_alert.bpmn"
JIESU = str(Path(sys.executable).with_name("jiesu"))
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"')
TASK_LINK = re.compile(r'href="/tasks/(\d+)"')
TICKET_LINK = re.compile(r'href="/tickets/(\d+)"')
NOTE = "停电演练：已电话联系来电人，约定明天上午现场核查"


# ---------------------------------------------------------------------------------------------------------
# The cluster
# ---------------------------------------------------------------------------------------------------------


class Cluster:
    def __init__(self, args):
        self.bin = Path(args.pgbin)
        self.data = Path(args.pgdata)
        self.port = args.pgport
        self.log = Path(str(self.data) + ".log")

    def _run(self, *cmd: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = list(cmd)
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True, cwd="/tmp")

    def pg_ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), *args, check=check)

    def ensure(self) -> None:
        if not (self.data / "PG_VERSION").exists():
            print(f"initdb {self.data}")
            self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust")
        if self.pg_ctl("status", check=False).returncode != 0:
            self.start()

    def start(self) -> None:
        self.pg_ctl("-o", f"-p {self.port} -k /tmp", "-l", str(self.log), "-w", "start")

    def stop(self) -> None:
        self.pg_ctl("-m", "fast", "-w", "stop")

    def admin_url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"


def create_database(cluster: Cluster, name: str) -> str:
    """The README's step 1: a role owning its database."""
    import psycopg

    with psycopg.connect(cluster.admin_url(), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = 'jiesu'").fetchone():
            conn.execute(f"CREATE ROLE jiesu LOGIN PASSWORD '{DB_PASSWORD}'")
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name} OWNER jiesu ENCODING 'UTF8' TEMPLATE template0")
    return f"postgresql://jiesu:{DB_PASSWORD}@127.0.0.1:{cluster.port}/{name}"


# ---------------------------------------------------------------------------------------------------------
# What every request got
# ---------------------------------------------------------------------------------------------------------


class Journal:
    """Every request of the load: (wall time, who, kind, status, what the body was)."""

    def __init__(self):
        self.rows: list[tuple[float, str, str, int, str]] = []
        self.lock = threading.Lock()

    def add(self, who: str, kind: str, status: int, body: str) -> None:
        with self.lock:
            self.rows.append((time.time(), who, kind, status, body))


def classify(status: int, content_type: str, text: str, api: bool) -> str:
    """What the user (or the platform) saw, in a word."""
    if status == 0:
        return "no answer"
    if api:
        if "json" not in content_type:
            return "not JSON"
        if status == 503 and "数据库暂时不可用" in text:
            return "JSON 503"
        return f"JSON {status}"
    if status == 503:
        return "Chinese 503 page" if HEADING in text and 'id="error"' in text else "other 503"
    if status >= 500:
        return "English 500" if "Internal Server Error" in text else f"{status} page"
    return str(status)


class Browserless:
    """A staff member's session over HTTP (cookies kept), one server."""

    def __init__(self, base: str, journal: Journal, who: str):
        self.base = base
        self.journal = journal
        self.who = who
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())

    def request(self, path: str, data: dict | None = None, kind: str = "page") -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=30) as r:
                status, ctype, text = r.status, r.headers.get("Content-Type", ""), r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            status, ctype, text = exc.code, exc.headers.get("Content-Type", ""), exc.read().decode("utf-8", "replace")
        except (OSError, TimeoutError):
            status, ctype, text = 0, "", ""
        self.journal.add(self.who, kind, status, classify(status, ctype, text, api=False))
        return status, ctype, text

    def log_in(self, username: str) -> bool:
        status, _ct, page = self.request("/login", kind="login page")
        token = TOKEN.search(page)
        if not token:
            return False
        status, _ct, _page = self.request("/login", {"username": username, "password": STAFF_PASSWORD,
                                                     "csrf_token": token.group(1)}, kind="login")
        return status in (302, 303)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None

    def http_error_302(self, req, fp, code, msg, headers):
        return fp

    http_error_301 = http_error_303 = http_error_307 = http_error_302


# ---------------------------------------------------------------------------------------------------------
# The load
# ---------------------------------------------------------------------------------------------------------


class Load:
    def __init__(self, args, servers: list[str], key: str, journal: Journal):
        self.args = args
        self.servers = servers
        self.key = key
        self.journal = journal
        self.stop = threading.Event()
        self.accepted: dict[str, int] = {}  # ticket_no -> final status (201/200)
        self.unanswered: set[str] = set()
        self.submitted: dict[int, int] = {}  # work item id -> status of the staff submission (302/303)
        self.lock = threading.Lock()
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        for n, base in enumerate(self.servers):
            self._thread(self.pusher, n, base)
            self._thread(self.probe, n, base)
        for n, (username, role) in enumerate([("paidan", "dispatch"), ("zhiban", "dispatch"),
                                              ("lvyou", "read"), ("shenhe", "read")]):
            self._thread(self.staff, username, role, self.servers[n % len(self.servers)])

    def _thread(self, target, *args) -> None:
        t = threading.Thread(target=target, args=args, daemon=True)
        t.start()
        self.threads.append(t)

    def join(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(120)

    # -- a platform: pushes, each retried until answered -----------------------------------------------
    def pusher(self, n: int, base: str) -> None:
        import random

        rng = random.Random(n)
        client = None
        i = 0
        while not self.stop.is_set():
            no = f"OUT-{n}-{i:05d}"
            i += 1
            with self.lock:
                self.unanswered.add(no)
            body = None
            while True:  # a platform sends the same ticket again until it is answered
                try:
                    if client is None:
                        client = PlatformClient(base, self.key)
                    if body is None:
                        body = client.ticket_body(i, rng)
                    status, payload = client.call("pushTicket", {"ticket_no": no}, body=body, timeout=10)
                    text = json.dumps(payload, ensure_ascii=False) if payload is not None else ""
                    self.journal.add(f"platform{n}", "API push", status,
                                     classify(status, "application/json" if payload is not None else "", text, True))
                except (Timeout, OSError, AssertionError, ValueError) as exc:
                    status = 0
                    self.journal.add(f"platform{n}", "API push", 0,
                                     "not JSON" if isinstance(exc, ValueError) else "no answer")
                    if isinstance(exc, AssertionError):
                        client = None  # no OpenAPI document yet: ask again
                if status in (200, 201):
                    with self.lock:
                        self.accepted[no] = status
                        self.unanswered.discard(no)
                    break
                if status and status not in (503, 500) and status < 500:
                    with self.lock:
                        self.unanswered.discard(no)
                    self.journal.add(f"platform{n}", "API push refused", status, str(payload)[:200])
                    break
                time.sleep(1.0)  # Retry-After says 10 s; a drill of 20 s retries sooner
            time.sleep(self.args.push_every)

    # -- probes: the first success after the restart, per server -------------------------------------
    def probe(self, n: int, base: str) -> None:
        session = Browserless(base, self.journal, f"probe{n}")
        signed_in = False
        while not self.stop.is_set():
            if not signed_in:
                signed_in = session.log_in("tongji")
            else:
                status, _ct, _t = session.request("/", kind="probe page")
                if status in (302, 303):  # the session was lost: that would be a finding
                    self.journal.add(f"probe{n}", "probe signed out", status, "redirect to login")
                    signed_in = False
            req = urllib.request.Request(f"{base}/api/v1/tickets/OUT-none", headers={"Authorization": f"Bearer {self.key}"})
            try:
                with urllib.request.urlopen(req, timeout=10) as r:
                    status, ctype, text = r.status, r.headers.get("Content-Type", ""), r.read().decode()
            except urllib.error.HTTPError as exc:
                status, ctype, text = exc.code, exc.headers.get("Content-Type", ""), exc.read().decode("utf-8", "replace")
            except OSError:
                status, ctype, text = 0, "", ""
            self.journal.add(f"probe{n}", "probe API", status, classify(status, ctype, text, api=True))
            self.stop.wait(0.25)

    # -- staff -----------------------------------------------------------------------------------------
    def staff(self, username: str, role: str, base: str) -> None:
        import random

        rng = random.Random(username)
        session = Browserless(base, self.journal, username)
        signed_in = False
        while not self.stop.is_set():
            if not signed_in:
                signed_in = session.log_in(username)
                if not signed_in:
                    self.stop.wait(1)
                    continue
            status, _ct, page = session.request("/", kind="inbox")
            if status in (302, 303):
                signed_in = False
                continue
            ids = TASK_LINK.findall(page) if status == 200 else []
            if role == "dispatch" and ids:
                self.work(session, rng.choice(ids[:10]), rng)
            elif status == 200:
                status, _ct, page = session.request("/tickets/", kind="ledger")
                tickets = TICKET_LINK.findall(page) if status == 200 else []
                if tickets:
                    session.request(f"/tickets/{rng.choice(tickets[:20])}", kind="ticket page")
            self.stop.wait(rng.uniform(0.3, 1.0))

    def work(self, session: Browserless, item: str, rng) -> None:
        status, _ct, page = session.request(f"/tasks/{item}", kind="task page")
        if status != 200:
            return
        data = dict(HIDDEN.findall(page))
        token = TOKEN.search(page)
        if token:
            data["csrf_token"] = token.group(1)
        if 'name="sign_decision"' in page:
            data.update(sign_decision="签收", sign_note="")
        elif 'name="section"' in page:
            data.update(section=rng.choice(["culture_market", "tourism_market"]), dispatch_note="请按职责办理")
        else:
            return
        for _attempt in range(30):  # a clerk presses 提交 again after the 503 page
            status, _ct, _t = session.request(f"/tasks/{item}", data, kind="task submit")
            if status in (302, 303):
                with self.lock:
                    self.submitted[int(item)] = status
                return
            if status not in (0, 503):
                return  # 409 (someone else did it) or the form again
            self.stop.wait(1.0)
            if self.stop.is_set():
                return


# ---------------------------------------------------------------------------------------------------------
# The handler in a real Chromium
# ---------------------------------------------------------------------------------------------------------


class Handler(threading.Thread):
    """王磊 types a contact note into 响应, submits it during the outage, and again after it."""

    def __init__(self, base: str, item_id: int, down: threading.Event, up: threading.Event, chromium: str):
        super().__init__(daemon=True)
        self.base, self.item_id, self.down, self.up, self.chromium = base, item_id, down, up, chromium
        self.steps: list[tuple[str, bool, str]] = []  # (step, ok, detail)
        self.ready = threading.Event()
        self.done = threading.Event()

    def step(self, name: str, ok: bool, detail: str = "") -> None:
        self.steps.append((name, bool(ok), detail))

    def run(self) -> None:
        try:
            self._run()
        except Exception as exc:  # reported as a failed step
            self.step("browser", False, f"{type(exc).__name__}: {exc}")
        finally:
            self.ready.set()
            self.done.set()

    def _run(self) -> None:
        from playwright.sync_api import sync_playwright

        url = f"{self.base}/tasks/{self.item_id}"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=self.chromium, headless=True,
                                        args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
            context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN",
                                          timezone_id="Asia/Shanghai")
            context.set_default_timeout(15_000)
            page = context.new_page()
            page.goto(f"{self.base}/login")
            page.get_by_label("用户名").fill("wenhua")
            page.get_by_label("密码").fill(STAFF_PASSWORD)
            page.get_by_role("button", name="登录").click()
            page.wait_for_load_state()
            page.goto(url)
            form = page.locator("#task-form")
            self.step("响应 form opened", form.count() == 1, page.title())
            self.fill(page)
            page.screenshot(path="/tmp/outage-1-typed.png", full_page=True)
            self.ready.set()
            self.down.wait(120)
            time.sleep(2)
            with page.expect_navigation():
                page.locator("#task-form button[type=submit]").first.click()
            body = page.content()
            heading_ok = HEADING in body and page.locator("#error").count() == 1
            self.step("submit during the outage: the Chinese 503 page", heading_ok, page.title())
            self.step("no English error", "Internal Server Error" not in body)
            page.screenshot(path="/tmp/outage-2-submitted-during-outage.png", full_page=True)
            self.up.wait(120)
            time.sleep(3)
            page.goto(url)
            note = page.locator("#task-form [name=contact_note]")
            kept = note.input_value() if note.count() else ""
            self.step("back on the form after the restart: the note is still there", kept == NOTE, kept)
            self.step("restored-draft notice shown", page.locator(".draft-restored").count() > 0)
            page.screenshot(path="/tmp/outage-3-back-after-restart.png", full_page=True)
            with page.expect_navigation():
                page.locator("#task-form button[type=submit]").first.click()
            left = page.url.rstrip("/") != url.rstrip("/") and page.locator("#error").count() == 0
            self.step("submitted after the restart: accepted", left, page.url)
            drafts = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('jiesu-draft:'))")
            self.step("draft forgotten after the success", drafts == [], str(drafts))
            page.screenshot(path="/tmp/outage-4-submitted-after-restart.png", full_page=True)
            browser.close()

    def fill(self, page) -> None:
        form = page.locator("#task-form")
        method = form.locator("[name=contact_method]")
        if method.count():
            if method.first.evaluate("e => e.tagName") == "SELECT":
                method.first.select_option(index=1)
            else:
                method.first.check()
        person = form.locator("[name=contact_person]")
        if person.count():
            person.fill("王磊")
        when = form.locator("[name=contact_time]")
        if when.count() and not when.input_value():
            from zoneinfo import ZoneInfo  # the browser's time zone, as a clerk in Beijing types it

            when.fill(datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M"))
        form.locator("[name=contact_note]").fill(NOTE)
        page.wait_for_timeout(500)  # drafts.js saves on input


# ---------------------------------------------------------------------------------------------------------
# Set-up through the service layer (this process is neither a server nor a worker)
# ---------------------------------------------------------------------------------------------------------


def prepare(url: str, tmp: Path):
    from sqlalchemy import select

    from app import create_app
    from app.demo.accounts import DEMO_USERS
    from app.engine import instances
    from app.extensions import db
    from app.models import Section, User

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "JIESU_UPLOAD_DIR": str(tmp / "uploads"),
                      "JIESU_INSTANCE_DIR": str(tmp / "instance"), "SECRET_KEY": SECRET,
                      "JIESU_PASSWORD_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        sections = {s.code: s for s in db.session.scalars(select(Section))}
        for username, name, roles, section in DEMO_USERS:
            u = User(username=username, name=name, roles=roles, section=sections.get(section))
            u.set_password(STAFF_PASSWORD)
            db.session.add(u)
        db.session.commit()
        instances.deploy(DIAGRAM.read_bytes())
        db.session.commit()
        db.session.remove()
    return app


def ticket_at_respond(app) -> int:
    """A ticket signed for and dispatched to 文化市场科: its 响应 task for 王磊."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import User, WorkItem
    from app.services import completion, tickets

    def user(name):
        return db.session.scalar(select(User).where(User.username == name))

    def complete(ticket, spec, who, data):
        item = db.session.scalar(select(WorkItem).where(WorkItem.ticket_id == ticket.id, WorkItem.spec_name == spec,
                                                        WorkItem.state == "ready"))
        completion.complete_task(item.id, user(who), completion.Submission(data, [[k, str(v)] for k, v in data.items()]))

    with app.app_context():
        fields = dict(ticket_no="OUT-BROWSER-1", ticket_type="投诉", topic="文化->文化市场->网吧",
                      title="网吧接纳未成年人", content="来电人反映网吧接纳未成年人上网。", caller_name="李先生",
                      caller_phone="13811112222", district="本区", street="东华街道", community="",
                      address="东华路18号", enterprise="极速网咖", urgency="一般", nature="主办", source="市级直派",
                      called_at=None, dispatched_at=None, platform_deadline=None)
        ticket = tickets.create_ticket(fields, user("paidan"))
        complete(ticket, "sign", "paidan", {"sign_decision": "签收", "return_reason": None, "sign_note": ""})
        complete(ticket, "dispatch", "paidan", {"section": "culture_market", "dispatch_note": "请文化市场科办理"})
        item_id = db.session.scalar(select(WorkItem.id).where(WorkItem.ticket_id == ticket.id,
                                                              WorkItem.spec_name == "respond", WorkItem.state == "ready"))
        db.session.remove()
        return item_id


def save_timers(app, count: int, first: datetime, last: datetime) -> dict[str, datetime]:
    from app.engine import instances
    from app.extensions import db

    due_of = {}
    with app.app_context():
        for i in range(count):
            due = first + (last - first) * (i / max(1, count - 1))
            key = f"outage-timer-{i:03d}"
            instances.start("timer_alert", {"due": due.isoformat()}, business_key=key)
            db.session.commit()
            due_of[key] = due
        db.session.remove()
    return due_of


# ---------------------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer")


def parse_log_times(path: Path, needle: str) -> list[float]:
    """Wall times of the log lines that contain ``needle`` (logging's asctime, local time)."""
    out = []
    for line in path.read_text(errors="replace").splitlines():
        if needle in line:
            try:
                out.append(datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").timestamp())
            except ValueError:
                continue
    return out


def main() -> int:  # noqa: C901 (one drill, told in order)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pgdata", default="/tmp/pg-outage")
    parser.add_argument("--pgport", type=int, default=5441)
    parser.add_argument("--pgbin", default=next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), "/usr/bin"))
    parser.add_argument("--database", default="jiesu_outage")
    parser.add_argument("--outage", type=float, default=20.0, help="seconds the database is stopped")
    parser.add_argument("--warmup", type=float, default=15.0, help="seconds of load before the stop")
    parser.add_argument("--after", type=float, default=25.0, help="seconds of load after the restart")
    parser.add_argument("--timers", type=int, default=20, help="timers due during the outage")
    parser.add_argument("--push-every", type=float, default=0.3, help="seconds between two pushes of a platform")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--chromium", default=os.environ.get("JIESU_CHROMIUM", "/usr/bin/chromium"))
    parser.add_argument("--logs", default="/tmp/outage-logs", help="the app processes' logs")
    args = parser.parse_args()

    cluster = Cluster(args)
    cluster.ensure()
    url = create_database(cluster, args.database)
    logs = Path(args.logs)
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir(parents=True)
    tmp = Path(tempfile.mkdtemp(prefix="jiesu-outage-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIESU_")}
    env.update(JIESU_DATABASE_URL=url, JIESU_SECRET_KEY=SECRET, JIESU_INSTANCE_DIR=str(tmp / "instance"),
               JIESU_UPLOAD_DIR=str(tmp / "uploads"))

    def jiesu(*a, **kw):
        return subprocess.run([JIESU, *a], env=env, capture_output=True, text=True, timeout=300, check=True, **kw)

    jiesu("init-db")
    jiesu("user", "add", "admin", "--name", "管理员", "--roles", "admin", "--password-stdin", input=ADMIN_PASSWORD + "\n")
    key = jiesu("apikey", "create", "--platform", "市级平台", "--label", "outage-drill").stdout.strip().splitlines()[-1]
    key = re.search(r"jsk_[A-Za-z0-9_-]+", key).group(0)
    app = prepare(url, tmp)
    browser_item = ticket_at_respond(app)

    procs: dict[str, subprocess.Popen] = {}
    servers = []
    files = []
    for n in (1, 2):
        port = free_port()
        out = open(logs / f"serve-{n}.log", "w")  # noqa: SIM115 (closed at the end)
        files.append(out)
        procs[f"serve {n} (:{port})"] = subprocess.Popen([JIESU, "serve", "--port", str(port), "--threads", "4"],
                                                         env=env, stdout=out, stderr=subprocess.STDOUT)
        servers.append(f"http://127.0.0.1:{port}")
    for n in (1, 2):
        out = open(logs / f"worker-{n}.log", "w")  # noqa: SIM115
        files.append(out)
        procs[f"worker {n}"] = subprocess.Popen([JIESU, "worker"], env=env, stdout=out, stderr=subprocess.STDOUT)
    for base in servers:
        wait_http(base + "/login")

    journal = Journal()
    load = Load(args, servers, key, journal)
    down, up = threading.Event(), threading.Event()
    handler = None
    if not args.no_browser:
        handler = Handler(servers[0], browser_item, down, up, args.chromium)
        handler.start()
    load.start()
    print(f"load average before: {os.getloadavg()[0]:.2f}; 2 serve --threads 4, 2 workers, database {url.split('@')[1]}")

    time.sleep(max(0.0, args.warmup - 5))
    # timers due in the middle of the outage, saved before it (by this process: neither server nor worker)
    stop_at = datetime.now(UTC) + timedelta(seconds=5)
    due_of = save_timers(app, args.timers, stop_at + timedelta(seconds=min(5.0, args.outage / 3)),
                         stop_at + timedelta(seconds=max(2.5, args.outage - 2)))
    if handler is not None:
        handler.ready.wait(60)
    time.sleep(max(0.0, (stop_at - datetime.now(UTC)).total_seconds()))

    t_stop = time.time()
    cluster.stop()
    t_stopped = time.time()
    down.set()
    time.sleep(max(0.0, args.outage - (t_stopped - t_stop)))
    t_start = time.time()
    cluster.start()
    t_up = time.time()
    up.set()
    print(f"database stopped {t_stopped - t_stop:.1f} s after pg_ctl stop; down for {t_up - t_stop:.1f} s "
          f"(pg_ctl start took {t_up - t_start:.1f} s)")
    time.sleep(args.after)
    load.join()
    if handler is not None:
        handler.done.wait(90)
    time.sleep(3)  # let the workers finish what came due

    # -- what the database holds ---------------------------------------------------------------------
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Alert, ProcessInstance, Ticket, WorkItem

    with app.app_context():
        db.engine.dispose()
        accepted = sorted(load.accepted)
        per_no = dict(db.session.execute(select(Ticket.ticket_no, func.count()).where(Ticket.ticket_no.like("OUT-%"))
                                         .group_by(Ticket.ticket_no)).all())
        lifecycles = dict(db.session.execute(
            select(Ticket.ticket_no, func.count(ProcessInstance.id)).join(ProcessInstance, ProcessInstance.ticket_id == Ticket.id)
            .where(Ticket.ticket_no.like("OUT-%")).group_by(Ticket.ticket_no)).all())
        alerts = db.session.execute(select(Alert.business_key, func.count(), func.min(Alert.raised_at))
                                    .where(Alert.business_key.like("outage-timer-%")).group_by(Alert.business_key)).all()
        doubled_items = db.session.execute(
            select(WorkItem.instance_id, WorkItem.spec_name, func.count()).where(WorkItem.state == "ready")
            .group_by(WorkItem.instance_id, WorkItem.spec_name).having(func.count() > 1)).all()
        done_items = set(db.session.scalars(select(WorkItem.id).where(WorkItem.id.in_(load.submitted),
                                                                      WorkItem.state == "completed")))
        db.session.remove()
        db.engine.dispose()

    # -- figures -------------------------------------------------------------------------------------
    checks: list[tuple[str, bool, str]] = []
    rows = journal.rows
    during = [r for r in rows if t_stopped <= r[0] <= t_up]  # down: from pg_ctl stop's return to start's
    after = [r for r in rows if r[0] > t_up]
    print(f"\nrequests while the database was down ({t_up - t_stopped:.1f} s, from pg_ctl stop's return), by what "
          "the user got:")
    kinds = Counter((("API" if r[2].startswith(("API", "probe API")) else "HTML"), r[4]) for r in during)
    for (kind, seen), n in sorted(kinds.items()):
        print(f"  {kind:<5} {seen:<22} {n:>6}")
    late_fail = Counter(r[4] for r in after if r[3] in (0,) or r[3] >= 500)
    print(f"requests after the restart that still failed: {sum(late_fail.values())} {dict(late_fail)}")
    bad_seen = [r for r in rows if r[4] in ("English 500", "not JSON", "other 503") or
                (r[3] == 500) or (r[4].endswith("page") and r[3] >= 500 and r[4] != "Chinese 503 page")]
    checks.append(("no 500, no English page, no HTML from the API", not bad_seen,
                   "; ".join(f"{r[1]} {r[2]} {r[3]} {r[4]}" for r in bad_seen[:5])))
    checks.append(("pages during the outage: the Chinese 503 page",
                   all(r[4] in ("Chinese 503 page", "no answer") or r[3] < 500 for r in during if "API" not in r[2]), ""))

    print("\nrecovery after the restart (first success, seconds after pg_ctl start returned):")
    for name, base in zip([k for k in procs if k.startswith("serve")], servers, strict=True):
        n = servers.index(base)
        html = [r[0] for r in after if r[1] == f"probe{n}" and r[2] == "probe page" and r[3] == 200]
        api = [r[0] for r in after if r[1] == f"probe{n}" and r[2] == "probe API" and r[3] == 404]
        first_html = (html[0] - t_up) if html else None
        first_api = (api[0] - t_up) if api else None
        print(f"  {name:<18} page {fmt(first_html):>8}   API {fmt(first_api):>8}")
        checks.append((f"{name} recovered by itself", first_html is not None and first_api is not None, ""))
    for n in (1, 2):
        path = logs / f"worker-{n}.log"
        back = [t for t in parse_log_times(path, "database reachable again") if t > t_stop]
        failures = [t for t in parse_log_times(path, "timer sweep failed") if t > t_stop - 1]
        first = (back[0] - t_up) if back else None
        print(f"  worker {n:<11} sweep {fmt(first):>8}   ({len(failures)} failed sweeps logged during the outage)")
        checks.append((f"worker {n} logged the failures and recovered", bool(failures) and first is not None,
                       f"{len(failures)} failures"))
        text = path.read_text(errors="replace")
        checks.append((f"worker {n} did not crash", procs[f"worker {n}"].poll() is None and "定时器进程已停止" not in text, ""))
    for name, proc in procs.items():
        if name.startswith("serve"):
            checks.append((f"{name} still running", proc.poll() is None, ""))

    print(f"\ntimers due during the outage: {len(due_of)}; fired: {len(alerts)}")
    lateness = []
    for key_, _count, raised in alerts:
        raised = raised if raised.tzinfo else raised.replace(tzinfo=UTC)
        lateness.append((raised.timestamp() - t_up, (raised - due_of[key_]).total_seconds()))
    if lateness:
        after_up = sorted(a for a, _ in lateness)
        late = sorted(b for _, b in lateness)
        early = sum(1 for a in after_up if a < -(t_up - t_stopped))
        if early:
            print(f"  {early} fired before the database was down (pg_ctl stop took {t_stopped - t_stop:.1f} s)")
        print(f"  fired after the restart: first {after_up[min(early, len(after_up) - 1)]:.2f} s, last {after_up[-1]:.2f} s after pg_ctl "
              "start returned")
        print(f"  lateness (fired - due): max {late[-1]:.1f} s, median {statistics.median(late):.1f} s, min {late[0]:.1f} s")
    checks.append(("each timer due in the outage fired exactly once",
                   len(alerts) == len(due_of) and all(c == 1 for _k, c, _r in alerts),
                   f"{len(alerts)}/{len(due_of)} fired, {sum(1 for _k, c, _r in alerts if c > 1)} more than once"))

    statuses = Counter(load.accepted.values())
    missing = [no for no in accepted if per_no.get(no, 0) != 1]
    print(f"\npushes answered: {len(accepted)} ({dict(statuses)}); unanswered when the load stopped: "
          f"{len(load.unanswered)}; attempts {sum(1 for r in rows if r[2] == 'API push')}")
    checks.append(("every push answered 201/200 is exactly one ticket", not missing, ", ".join(missing[:5])))
    checks.append(("no ticket doubled", all(c == 1 for c in per_no.values()), ""))
    extra = [no for no in per_no if no not in load.accepted and no not in load.unanswered and no != "OUT-BROWSER-1"]
    checks.append(("every ticket stored was answered to its platform (or was still being retried)", not extra,
                   ", ".join(extra[:5])))
    checks.append(("one lifecycle process per ticket", all(lifecycles.get(no) == 1 for no in per_no),
                   str([no for no in per_no if lifecycles.get(no) != 1][:5])))
    checks.append(("no open work item doubled", not doubled_items, str(doubled_items[:5])))
    lost = [i for i in load.submitted if i not in done_items]
    print(f"staff submissions accepted: {len(load.submitted)}")
    checks.append(("every staff submission answered with a redirect is completed", not lost, str(lost[:5])))
    if handler is not None:
        checks.extend(handler.steps)

    # a quick restart with no request in between: the pools still hold the connections it closed
    time.sleep(2)
    cluster.pg_ctl("-m", "fast", "-w", "restart", "-o", f"-p {cluster.port} -k /tmp", "-l", str(cluster.log))
    quiet = []
    for n, base in enumerate(servers):
        session = Browserless(base, Journal(), f"quiet{n}")
        req = urllib.request.Request(f"{base}/api/v1/tickets/OUT-none", headers={"Authorization": f"Bearer {key}"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                quiet.append(r.status)
        except urllib.error.HTTPError as exc:
            quiet.append(exc.code)
        except OSError:
            quiet.append(0)
        quiet.append(200 if session.log_in("tongji") and session.request("/")[0] == 200 else 503)
    print(f"\nquick restart with no request in between: first API call and page per server {quiet}")
    checks.append(("first requests after a quick restart answered (API 404 for an unknown ticket, page 200)",
                   quiet == [404, 200] * len(servers), str(quiet)))

    print(f"\nload average after: {os.getloadavg()[0]:.2f}\n")
    bad = False
    for name, ok, detail in checks:
        bad |= not ok
        print(f"  {'ok  ' if ok else 'FAIL'} {name}{'' if ok or not detail else ': ' + detail}")

    for proc in procs.values():
        proc.terminate()
    for proc in procs.values():
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
    for f in files:
        f.close()
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"\nverdict: {'something went wrong (see FAIL above)' if bad else 'nothing lost, nothing doubled'}; "
          f"logs in {logs}, screenshots /tmp/outage-*.png")
    return 1 if bad else 0


def fmt(v: float | None) -> str:
    return "never" if v is None else f"{v:.2f} s"


if __name__ == "__main__":
    sys.exit(main())
