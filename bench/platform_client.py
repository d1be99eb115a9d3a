"""A platform's client, driven only by the OpenAPI document, against a running ``jiesu serve``.

    .venv/bin/python bench/platform_client.py                 # starts its own server on a temp SQLite file
    .venv/bin/python bench/platform_client.py --base-url http://127.0.0.1:8000 --key jsk_... \\
        [--desk-db postgresql://...]                          # an existing server (and its database)

The client part (``PlatformClient``) uses nothing of the app: it reads /api/v1/openapi.json,
finds the operations by operationId (pushTicket, getTicket, sendMessage, listOutbox,
ackOutboxItem), builds URLs from the document's servers and paths and ticket bodies from the
TicketIn schema's enums, and talks HTTP with the standard library.

1. pushes N tickets (default 1,000) from 8 threads, with repeats mixed in: identical re-pushes,
   pushes whose answer is lost (a client timeout far shorter than the server needs) and are
   retried, two identical pushes in flight at once, and a few conflicting ones (same number,
   other content);
2. reads every ticket back;
3. the desk works (in-process, on the server's database, through the service layer): returns
   some tickets, transfers some, signs and dispatches some;
4. sends 催办 to unsigned tickets and 督办 to tickets in handling, each retried with its message_id,
   and a 督办 to an unsigned ticket (refused, 409);
5. the desk takes the supervised tickets to an approved reply;
6. pulls the outbox page by page and acknowledges, "losing" some acknowledgements, pulls again.

Prints what was sent and answered, what the server holds, whether anything was lost or doubled,
and throughput and latency per operation. Figures only: nothing here is a pass/fail test, but the
script exits 1 when a count does not add up.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# ---------------------------------------------------------------------------------------------------------
# The client: stdlib only, everything from the OpenAPI document
# ---------------------------------------------------------------------------------------------------------


class Timeout(Exception):
    pass


class PlatformClient:
    def __init__(self, base_url: str, key: str):
        self.base = urllib.parse.urlsplit(base_url)
        self.key = key
        self.local = threading.local()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.lock = threading.Lock()
        status, self.doc = self._request("GET", "/api/v1/openapi.json", None, auth=False)
        assert status == 200, f"no OpenAPI document at {base_url}/api/v1/openapi.json ({status})"
        server = self.doc.get("servers", [{"url": "/"}])[0]["url"]
        self.prefix = urllib.parse.urlsplit(urllib.parse.urljoin(base_url + "/", server)).path.rstrip("/")
        self.ops = {}
        for path, ops in self.doc["paths"].items():
            for method, op in ops.items():
                self.ops[op["operationId"]] = (method.upper(), path)
        schema = self.doc["components"]["schemas"]["TicketIn"]
        self.ticket_schema = schema
        self.required = schema["required"]

    # -- HTTP ------------------------------------------------------------------------------------------------
    def _connection(self, timeout: float) -> http.client.HTTPConnection:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection(self.base.hostname, self.base.port or 80, timeout=30)
            self.local.conn = conn
        conn.timeout = timeout
        if conn.sock is not None:
            conn.sock.settimeout(timeout)
        return conn

    def _request(self, method, path, body, auth=True, timeout=30.0):
        headers = {"Accept": "application/json"}
        if auth:
            headers["Authorization"] = f"Bearer {self.key}"
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        for attempt in range(3):
            conn = self._connection(timeout)
            try:
                conn.request(method, path, body=data, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                return response.status, (json.loads(payload) if payload else None)
            except TimeoutError as exc:
                conn.close()
                self.local.conn = None
                raise Timeout(path) from exc
            except (ConnectionError, http.client.HTTPException):
                conn.close()
                self.local.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def call(self, operation_id: str, params: dict | None = None, query: dict | None = None, body=None,
             timeout: float = 30.0):
        method, template = self.ops[operation_id]
        path = self.prefix + template.format(**{k: urllib.parse.quote(str(v), safe="") for k, v in
                                                (params or {}).items()})
        if query:
            path += "?" + urllib.parse.urlencode(query)
        started = time.perf_counter()
        try:
            return self._request(method, path, body, timeout=timeout)
        finally:
            with self.lock:
                self.latency[operation_id].append(time.perf_counter() - started)

    # -- tickets from the schema ---------------------------------------------------------------------------
    def ticket_body(self, n: int, rng: random.Random) -> dict:
        props = self.ticket_schema["properties"]

        def choice(name):
            return rng.choice([v for v in props[name]["enum"] if v is not None])

        place, business, problem = rng.choice(SUBJECTS)
        street = rng.choice(STREETS)
        body = {
            "ticket_type": choice("ticket_type"),
            "topic": problem[0],
            "title": f"{business}{problem[1]}",
            "content": f"来电人反映{street}{place}的{business}{problem[2]}，请相关部门核实处理。（第{n}号）",
            "caller_name": rng.choice("王李张刘陈杨赵黄周吴") + rng.choice(["先生", "女士"]),
            "caller_phone": f"13{rng.randint(100000000, 999999999)}",
            "district": "本区", "street": street, "address": f"{street}{place}{rng.randint(1, 200)}号",
            "enterprise": business,
            "urgency": rng.choices([v for v in props["urgency"]["enum"] if v], weights=[90, 9, 1])[0],
            "nature": choice("nature"),
        }
        return {k: v for k, v in body.items() if k in props}


SUBJECTS = [
    ("东华路", "极速网咖", ("文化->文化市场->网吧", "接纳未成年人", "接纳未成年人上网")),
    ("西山景区", "某旅行社", ("旅游->旅行社", "强制购物", "安排的导游强制游客购物")),
    ("南湖路", "星光KTV", ("文化->娱乐场所->KTV", "噪音扰民", "深夜音响声音过大")),
    ("北街", "明德艺术培训", ("文化->艺术培训", "预付卡退费难", "拒绝退还预付课时费")),
    ("文化宫", "某演出公司", ("文化->演出市场", "演出取消不退票", "演出取消后不退票款")),
    ("古镇", "某剧本杀店", ("文化->娱乐场所->剧本杀", "未成年人参与恐怖剧本", "让未成年人参与恐怖题材剧本")),
    ("湖畔酒店", "湖畔酒店", ("旅游->住宿", "卫生条件差", "客房卫生条件差且拒绝退款")),
    ("新华书店", "某书店", ("文化->出版物市场", "销售盗版图书", "销售疑似盗版图书")),
]
STREETS = ["东华街道", "西城街道", "南湖街道", "北苑街道", "古镇乡"]


# ---------------------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------------------


class Run:
    def __init__(self, client: PlatformClient, count: int, threads: int, seed: int, desk):
        self.c = client
        self.count = count
        self.threads = threads
        self.rng = random.Random(seed)
        self.desk = desk
        self.run_id = f"{int(time.time()) % 100000:05d}{self.rng.randint(0, 99):02d}"
        self.numbers = [f"BENCH-{self.run_id}-{n:05d}" for n in range(count)]
        self.bodies = {no: client.ticket_body(n, self.rng) for n, no in enumerate(self.numbers)}
        self.answers: dict[str, Counter] = defaultdict(Counter)  # ticket_no -> Counter(status)
        self.lock = threading.Lock()
        self.problems: list[str] = []
        self.timeouts = 0

    def note(self, no, status):
        with self.lock:
            self.answers[no][status] += 1

    def push(self, no, body=None, timeout=30.0):
        try:
            status, data = self.c.call("pushTicket", {"ticket_no": no}, body=body or self.bodies[no], timeout=timeout)
        except Timeout:
            with self.lock:
                self.timeouts += 1
            return None
        self.note(no, status)
        if status not in (200, 201, 409):
            self.problems.append(f"push {no}: {status} {data}")
        return status

    def push_with_retry(self, no):
        """Give up waiting long before the server answers, then retry until answered (the answer is lost)."""
        if self.push(no, timeout=0.0005) is None:
            while self.push(no) is None:
                pass

    def pushes(self):
        rng = self.rng
        jobs = [("push", no) for no in self.numbers]
        sample = rng.sample(self.numbers, self.count // 4)
        again, lost, twin, conflict = (sample[: self.count * 15 // 100], sample[self.count * 15 // 100:][:30],
                                       sample[self.count * 15 // 100 + 30:][:30], sample[-20:])
        lost_set, twin_set = set(lost), set(twin)
        jobs = [j for j in jobs if j[1] not in lost_set | twin_set]
        jobs += [("lost", no) for no in lost] + [("twin", no) for no in twin]
        rng.shuffle(jobs)
        # repeats and conflicts come after their first push (the second half of the run)
        jobs += [("again", no) for no in again]
        tail = [("conflict", no) for no in conflict]
        self.plan = {"unique": self.count, "identical re-pushes": len(again), "answers lost and retried": len(lost),
                     "two identical pushes at once": len(twin), "conflicting pushes": len(conflict)}

        def run(job):
            kind, no = job
            if kind in ("push", "again"):
                self.push(no)
            elif kind == "lost":
                self.push_with_retry(no)
            elif kind == "twin":
                with ThreadPoolExecutor(2) as pair:
                    list(pair.map(lambda _n: self.push(no), range(2)))

        started = time.perf_counter()
        with ThreadPoolExecutor(self.threads) as pool:
            list(pool.map(run, jobs))
        with ThreadPoolExecutor(self.threads) as pool:
            list(pool.map(lambda job: self.push(job[1], body=dict(self.bodies[job[1]], content="内容已更改")), tail))
        self.push_seconds = time.perf_counter() - started
        self.conflicts = set(conflict)
        self.lost = lost_set

    def read_back(self):
        started = time.perf_counter()

        def read(no):
            status, data = self.c.call("getTicket", {"ticket_no": no})
            if status != 200:
                self.problems.append(f"get {no}: {status}")
                return None
            if data["title"] != self.bodies[no]["title"]:
                self.problems.append(f"get {no}: title {data['title']!r} is not what was pushed first")
            return data["state"]

        with ThreadPoolExecutor(self.threads) as pool:
            self.states = Counter(pool.map(read, self.numbers))
        self.read_seconds = time.perf_counter() - started

    def messages(self, unsigned, in_handling):
        results = Counter()

        def send(job):
            no, kind, message_id = job
            body = {"kind": kind, "text": f"请尽快办理并反馈（{kind}）。", "message_id": message_id}
            status, _data = self.c.call("sendMessage", {"ticket_no": no}, body=body)
            seen = [(kind, status)]
            if message_id:  # the platform did not get the answer: it sends the same message again
                status2, _ = self.c.call("sendMessage", {"ticket_no": no}, body=body)
                seen.append((kind, "retry", status2))
            with self.lock:
                results.update(seen)

        jobs = [(no, "催办", f"CB-{no}") for no in unsigned] + [(no, "督办", f"DB-{no}") for no in in_handling]
        jobs += [(no, "督办", None) for no in unsigned[:5]]  # 督办 before signing: refused
        with ThreadPoolExecutor(self.threads) as pool:
            list(pool.map(send, jobs))
        self.message_results = results

    def pull(self, lose_acks: int):
        """Pull every page; acknowledge each item but "lose" the first acknowledgements; then again."""
        seen: Counter = Counter()
        acked: set[int] = set()
        lost = 0
        passes = 0
        started = time.perf_counter()
        while True:
            passes += 1
            cursor, fresh = 0, 0
            while True:
                status, page = self.c.call("listOutbox", query={"cursor": cursor, "limit": 100})
                assert status == 200, page
                for item in page["items"]:
                    seen[(item["ticket_no"], item["kind"], item["id"])] += 1
                    fresh += 1
                    if lost < lose_acks:
                        lost += 1  # our acknowledgement "went astray": the item must come again
                        continue
                    s1, _ = self.c.call("ackOutboxItem", {"item_id": item["id"]})
                    if item["id"] % 7 == 0:  # and some acknowledgements are sent twice
                        s2, _ = self.c.call("ackOutboxItem", {"item_id": item["id"]})
                        assert s2 == 200
                    assert s1 == 200
                    acked.add(item["id"])
                cursor = page["next_cursor"]
                if not page["has_more"]:
                    break
            if fresh == 0 or passes > 5:
                break
        self.pull_seconds = time.perf_counter() - started
        self.outbox_seen, self.outbox_acked, self.outbox_passes = seen, acked, passes
        _status, page = self.c.call("listOutbox")
        self.outbox_pending_after = page["pending"]


def check(run: Run, desk_counts: dict | None) -> bool:
    ok = True

    def expect(label, got, want):
        nonlocal ok
        mark = "ok" if got == want else "MISMATCH"
        ok &= got == want
        print(f"  {label:<58} {got!s:>8}   expected {want!s:<8} {mark}")

    created = sum(1 for no in run.numbers if run.answers[no][201] == 1)
    doubled = [no for no in run.numbers if run.answers[no][201] > 1]
    unanswered = [no for no in run.numbers if not run.answers[no]]
    # a ticket whose 201 nobody saw must be one whose first answer was lost to a client timeout
    unseen = [no for no in run.numbers if run.answers[no][201] == 0]
    unexplained = [no for no in unseen if no not in run.lost]
    print("\nPushes")
    for label, n in run.plan.items():
        print(f"  {label:<58} {n:>8}")
    statuses = Counter()
    for counter in run.answers.values():
        statuses.update(counter)
    print(f"  answers: 201 x{statuses[201]}, 200 x{statuses[200]}, 409 x{statuses[409]}, "
          f"other x{sum(v for k, v in statuses.items() if k not in (200, 201, 409))}; "
          f"client timeouts (answer lost) x{run.timeouts}")
    print(f"  tickets answered 201 once: {created}; whose 201 was lost to a client timeout (then 200): {len(unseen)}")
    expect("tickets answered 201 more than once (doubled)", len(doubled), 0)
    expect("tickets never answered 201 without a lost answer to explain it", len(unexplained), 0)
    expect("tickets never answered", len(unanswered), 0)
    expect("conflicting pushes answered 409", sum(run.answers[no][409] for no in run.conflicts), len(run.conflicts))
    print("\nRead back (getTicket)")
    expect("tickets found, with the first push's title", sum(run.states.values()) - run.states[None], run.count)
    print(f"  states: {dict(run.states)}")
    if desk_counts:
        print("\nOn the server's database")
        expect("tickets of this run", desk_counts["tickets"], run.count)
        expect("ticket processes of this run (one per ticket)", desk_counts["instances"], run.count)
    print("\n督办 / 催办 (sendMessage)")
    for key, n in sorted(run.message_results.items(), key=str):
        print(f"  {' '.join(map(str, key)):<58} {n:>8}")
    expect("催办 to unsigned tickets delivered (201)", run.message_results[("催办", 201)], len(run.unsigned))
    expect("their retries answered 200, not delivered again", run.message_results[("催办", "retry", 200)],
           len(run.unsigned))
    expect("督办 to tickets in handling delivered (201)", run.message_results[("督办", 201)], len(run.handled))
    expect("督办 before signing refused (409)", run.message_results[("督办", 409)], 5)
    if desk_counts:
        expect("alerts raised by those messages", desk_counts["message_alerts"], len(run.unsigned) + len(run.handled))
    print("\nOutbox (listOutbox + ackOutboxItem)")
    kinds = Counter(kind for (_no, kind, _id) in run.outbox_seen)
    per_item = Counter(run.outbox_seen.values())
    print(f"  items seen per kind: {dict(kinds)}; deliveries per item: {dict(sorted(per_item.items()))}; "
          f"passes: {run.outbox_passes}")
    expect("returns", kinds["return"], len(run.returned))
    expect("transfers", kinds["transfer"], len(run.transferred))
    expect("replies", kinds["reply"], len(run.handled))
    expect("items acknowledged", len(run.outbox_acked), len(run.returned) + len(run.transferred) + len(run.handled))
    expect("items delivered twice because their acknowledgement was lost",
           sum(1 for n in run.outbox_seen.values() if n == 2), run.lose_acks)
    expect("pending after the pulls", run.outbox_pending_after, 0)
    return ok and not run.problems


def latency_table(client: PlatformClient):
    print("\nLatency per operation (client side, HTTP round trip)")
    for op, samples in sorted(client.latency.items()):
        ordered = sorted(samples)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        print(f"  {op:<16} n={len(samples):>5}  median {statistics.median(samples) * 1000:7.2f} ms  "
              f"p95 {p95 * 1000:7.2f} ms")


# ---------------------------------------------------------------------------------------------------------
# The harness: a server of our own, and the desk's work (service layer, same database)
# ---------------------------------------------------------------------------------------------------------


class Desk:
    """The bureau's staff, working through the service layer on the server's database."""

    def __init__(self, database_url: str):
        from app import create_app

        self.app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})

    def _complete(self, ticket, spec_name, default_user, data):
        from sqlalchemy import select

        from app.extensions import db
        from app.models import User, WorkItem
        from app.services import completion

        item = db.session.scalar(select(WorkItem).where(WorkItem.ticket_id == ticket.id, WorkItem.spec_name == spec_name,
                                                        WorkItem.state == "ready"))
        user = item.assignee or db.session.scalar(select(User).where(User.username == default_user))
        completion.complete_task(item.id, user, completion.Submission(data, [[k, str(v)] for k, v in data.items()]))

    def _tickets(self, numbers):
        from sqlalchemy import select

        from app.extensions import db
        from app.models import Ticket

        return list(db.session.scalars(select(Ticket).where(Ticket.ticket_no.in_(numbers)).order_by(Ticket.id)))

    def sign(self, returned, transferred, dispatched):
        with self.app.app_context():
            for ticket in self._tickets(returned):
                self._complete(ticket, "sign", "paidan", {"sign_decision": "退回", "return_reason": "非本单位职责",
                                                          "sign_note": "属区市场监管局职责"})
            for ticket in self._tickets(transferred):
                self._complete(ticket, "sign", "paidan", {"sign_decision": "转派", "return_reason": None,
                                                          "transfer_unit": "区市场监管局",
                                                          "transfer_reason": "预付卡退费属市场监管职责", "sign_note": ""})
            for ticket in self._tickets(dispatched):
                self._complete(ticket, "sign", "paidan", {"sign_decision": "签收", "return_reason": None,
                                                          "sign_note": ""})
                self._complete(ticket, "dispatch", "paidan", {"section": "culture_market", "dispatch_note": ""})

    def reply(self, numbers):
        from app.engine.clock import clock
        from app.engine.expressions import to_iso

        with self.app.app_context():
            for ticket in self._tickets(numbers):
                self._complete(ticket, "respond", "wenhua", {"contact_time": to_iso(clock.now()), "contact_method": "电话",
                                                             "contact_person": "王磊", "contact_note": "已联系"})
                self._complete(ticket, "handle", "wenhua", {
                    "handle_decision": "提交审核", "party_contact": "已约谈经营者", "actions_taken": "现场检查并责令整改", "handling_result": "已整改",
                    "reply_draft": "经核查，反映情况属实，已责令经营者整改，来电人表示认可。"})
                self._complete(ticket, "review", "shenhe", {"review_decision": "通过", "review_comment": ""})

    def counts(self, run_id: str) -> dict:
        from sqlalchemy import func, select

        from app.extensions import db
        from app.models import Alert, ProcessInstance, ProcessVersion, Ticket

        with self.app.app_context():
            like = Ticket.ticket_no.like(f"BENCH-{run_id}-%")
            return {
                "tickets": db.session.scalar(select(func.count(Ticket.id)).where(like)),
                # the ticket lifecycle itself (a 督办件 runs a progress-report process of its own)
                "instances": db.session.scalar(select(func.count(ProcessInstance.id)).join(
                    Ticket, ProcessInstance.ticket_id == Ticket.id).join(
                    ProcessVersion, ProcessInstance.version_id == ProcessVersion.id).where(
                    like, ProcessVersion.process_key == "ticket_lifecycle")),
                "message_alerts": db.session.scalar(select(func.count(Alert.id)).join(
                    Ticket, Alert.ticket_id == Ticket.id).where(like, Alert.kind.in_(["督办", "催办"]),
                                                                Alert.message.like("平台%"))),
            }


def own_server(tmp: Path, port: int):
    """A fresh SQLite database with the schema, base data, demo users and an API key; ``jiesu serve`` on it."""
    url = f"sqlite:///{tmp / 'platform-bench.sqlite'}"
    env = dict(os.environ, JIESU_DATABASE_URL=url, JIESU_UPLOAD_DIR=str(tmp / "uploads"))
    setup = f"""
from app import create_app
from app.extensions import db
app = create_app({{"SQLALCHEMY_DATABASE_URI": {url!r}, "JIESU_PASSWORD_METHOD": "pbkdf2:sha256:1000"}})
with app.app_context():
    db.create_all()
    from app.demo.accounts import DEMO_PASSWORD, DEMO_USERS
    from app.seed import seed_base
    from app.models import Section, User
    seed_base()
    sections = {{s.code: s for s in db.session.scalars(db.select(Section))}}
    for username, name, roles, section in DEMO_USERS:
        u = User(username=username, name=name, roles=roles, section=sections.get(section))
        u.set_password(DEMO_PASSWORD)
        db.session.add(u)
    db.session.commit()
    from app.services.apikeys import create_key
    print(create_key("市级平台", "bench")[1])
"""
    key = subprocess.run([sys.executable, "-c", setup], env=env, cwd=ROOT, check=True, capture_output=True,
                         text=True).stdout.strip().splitlines()[-1]
    jiesu = Path(sys.executable).with_name("jiesu")
    server = subprocess.Popen([str(jiesu), "serve", "--host", "127.0.0.1", "--port", str(port)], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        server.terminate()
        raise SystemExit("jiesu serve did not start")
    return server, url, key


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", help="a running jiesu serve (default: start one on a temp SQLite file)")
    parser.add_argument("--key", default=os.environ.get("JIESU_API_KEY"), help="API key (or JIESU_API_KEY)")
    parser.add_argument("--desk-db", help="the server's database URL, for the desk's work and the counts")
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seed", type=int, default=12345)
    args = parser.parse_args()

    server = None
    tmp = None
    try:
        if args.base_url:
            if not args.key:
                parser.error("--key (or JIESU_API_KEY) is needed with --base-url")
            base_url, key, desk_db = args.base_url.rstrip("/"), args.key, args.desk_db
        else:
            tmp = tempfile.TemporaryDirectory(prefix="jiesu-platform-bench-")
            port = free_port()
            server, desk_db, key = own_server(Path(tmp.name), port)
            base_url = f"http://127.0.0.1:{port}"
            print(f"started jiesu serve on {base_url} (SQLite {desk_db.removeprefix('sqlite:///')})")
        try:
            load = os.getloadavg()[0]
        except OSError:
            load = float("nan")
        client = PlatformClient(base_url, key)
        print(f"OpenAPI {client.doc['openapi']}: operations {', '.join(sorted(client.ops))}; load average {load:.2f}")
        desk = Desk(desk_db) if desk_db else None
        run = Run(client, args.tickets, args.threads, args.seed, desk)

        run.pushes()
        run.read_back()
        n = args.tickets
        shuffled = run.rng.sample(run.numbers, n)
        run.returned, run.transferred = shuffled[: n // 10], shuffled[n // 10: n // 10 + n // 20]
        run.handled = shuffled[n // 10 + n // 20: n // 10 + n // 20 + n // 10]
        run.unsigned = shuffled[-(n // 10):]
        desk_seconds = 0.0
        if desk is not None:
            started = time.perf_counter()
            desk.sign(run.returned, run.transferred, run.handled)
            desk_seconds += time.perf_counter() - started
            run.messages(run.unsigned, run.handled)
            started = time.perf_counter()
            desk.reply(run.handled)
            desk_seconds += time.perf_counter() - started
        else:
            print("(no --desk-db: the desk's work, the messages to tickets in handling and the outbox are left out)")
            run.handled, run.returned, run.transferred = [], [], []
            run.messages(run.unsigned, [])
        run.lose_acks = 20 if (run.returned or run.handled) else 0
        run.pull(run.lose_acks)
        ok = check(run, desk.counts(run.run_id) if desk else None)
        for problem in run.problems[:10]:
            print("  problem:", problem)

        pushes = sum(sum(c.values()) for c in run.answers.values())
        print("\nThroughput")
        print(f"  pushes: {pushes} requests in {run.push_seconds:.2f} s = {pushes / run.push_seconds:.1f} requests/s, "
              f"{n / run.push_seconds:.1f} new tickets/s ({args.threads} client threads)")
        print(f"  reads:  {n} in {run.read_seconds:.2f} s = {n / run.read_seconds:.1f}/s")
        outbox_calls = len(client.latency["listOutbox"]) + len(client.latency["ackOutboxItem"])
        print(f"  outbox: {outbox_calls} pulls and acknowledgements in {run.pull_seconds:.2f} s")
        if desk is not None:
            print(f"  desk (service layer, in this process): {desk_seconds:.2f} s")
        latency_table(client)
        print("\nnothing lost or doubled" if ok else "\nCOUNTS DO NOT ADD UP")
        return 0 if ok else 1
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    sys.exit(main())
