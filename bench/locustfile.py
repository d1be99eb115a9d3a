"""Load test: the 27 staff working their inboxes while the platforms push at ten times the peak hour.

    .venv/bin/pip install -e '.[bench]'            # locust
    # a database filled by bench/generate.py (it creates the 27 staff, password jiesu2026), then
    # two app processes and two workers on it, and a platform key:
    JIESU_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_scale .venv/bin/jiesu serve --port 5101 &
    JIESU_DATABASE_URL=... .venv/bin/jiesu serve --port 5102 &
    JIESU_DATABASE_URL=... .venv/bin/jiesu worker &   (twice)
    JIESU_DATABASE_URL=... .venv/bin/jiesu apikey create --platform 市级平台      # prints jsk_...
    JIESU_API_KEY=jsk_... .venv/bin/locust -f bench/locustfile.py --headless -u 29 -r 5 -t 5m \\
        --host http://127.0.0.1:5101 --csv /tmp/jiesu-load
    (bench/load.sh does all of it; with two app processes, set JIESU_HOSTS=http://127.0.0.1:5101,http://127.0.0.1:5102
    and each simulated person sticks to one of them, as behind a reverse proxy with sticky sessions.)

Staff (27 simulated users, one per account): every role opens its inbox (我的待办, 待认领), opens
tasks, claims; dispatchers sign for (签收) and dispatch (分派) what the platforms pushed; handlers,
reviewers and callback agents open their task pages and the ledger; the supervisor watches the
board and the rates; the analyst searches and exports one month. Think time 3-15 s, as a person.

Platforms (2 simulated users): PUT /api/v1/tickets/<no> at ``JIESU_PUSH_PER_HOUR`` tickets per
hour in all (default 600: ten times a peak hour of 60), half each for the city and district keys
(``JIESU_API_KEY`` and optionally ``JIESU_API_KEY_2``).

Locust prints p50/p95 per request name and the failures; ``--csv`` keeps them.
"""

from __future__ import annotations

import itertools
import os
import random
import re
import time

from locust import HttpUser, between, constant_throughput, events, task

STAFF = {  # username -> role, as bench/generate.py creates them (demo accounts + STAFF)
    "paidan": "dispatcher", "paidan2": "dispatcher", "paidan3": "dispatcher",
    "zhiban": "dispatcher", "zhiban2": "dispatcher", "zhiban3": "dispatcher",
    "wenhua": "handler", "wenhua2": "handler", "wenhua3": "handler", "lvyou": "handler", "lvyou2": "handler",
    "lvyou3": "handler", "gonggong": "handler", "gonggong2": "handler", "wenwu": "handler",
    "shenhe": "reviewer", "shenhe2": "reviewer",
    "huifang": "callback", "huifang2": "callback", "huifang3": "callback", "huifang4": "callback",
    "tongji": "analyst", "jiancha": "inspector", "jiancha2": "inspector",
    "zhuguan": "supervisor", "fenguan": "leader", "liucheng": "process_owner",
}
PASSWORD = os.environ.get("JIESU_PASSWORD", "jiesu2026")
HOSTS = [h for h in os.environ.get("JIESU_HOSTS", "").split(",") if h]
_people = itertools.cycle(STAFF.items())
_push_no = itertools.count()
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"')
TASK_LINK = re.compile(r'href="/tasks/(\d+)"')
CLAIM = re.compile(r'action="/tasks/(\d+)/claim"')
TICKET_LINK = re.compile(r'href="/tickets/(\d+)"')
WORDS = ["网吧", "旅行社", "强制购物", "KTV", "噪音", "退费", "景区", "未成年人", "预付卡", "导游"]


class Staff(HttpUser):
    wait_time = between(3, 15)
    weight = 27

    def on_start(self):
        self.username, self.role = next(_people)
        if HOSTS:
            self.host = HOSTS[hash(self.username) % len(HOSTS)]
            self.client.base_url = self.host
        page = self.client.get("/login", name="/login").text
        token = TOKEN.search(page)
        self.client.post("/login", data={"username": self.username, "password": PASSWORD,
                                         "csrf_token": token.group(1) if token else ""}, name="/login POST")

    # every role
    @task(6)
    def inbox(self):
        page = self.client.get("/", name="我的待办 inbox").text
        ids = TASK_LINK.findall(page)
        if ids:
            self.open_task(random.choice(ids[:20]))

    @task(3)
    def claimable(self):
        page = self.client.get("/?tab=claimable", name="待认领 claimable").text
        ids = CLAIM.findall(page)
        if ids and self.role in ("dispatcher", "handler", "reviewer", "callback"):
            item = ids[0]
            token = TOKEN.search(page)
            self.client.post(f"/tasks/{item}/claim", data={"csrf_token": token.group(1) if token else ""},
                             name="claim POST", allow_redirects=False)
            self.open_task(item)

    @task(2)
    def ledger(self):
        page = self.client.get(f"/tickets/?q={random.choice(WORDS)}", name="案件台账 search").text
        ids = TICKET_LINK.findall(page)
        if ids:
            self.client.get(f"/tickets/{random.choice(ids)}", name="ticket page")
        self.client.get("/tickets/", name="案件台账 ledger")

    @task(2)
    def board(self):
        if self.role in ("supervisor", "leader"):
            if self.role == "supervisor":  # the board is the supervisor's (a leader reads the rates)
                self.client.get("/supervisor/", name="督办看板 board")
            self.client.get("/supervisor/rates", name="三率 rates")
        elif self.role == "analyst":
            month = time.strftime("%Y-%m", time.localtime(time.time() - 32 * 86400))
            # 导出 is the ledger's button: a POST with the filters in its query, answered by its 导出任务 page
            page = self.client.get(f"/tickets/?period={month}", name="ledger month").text
            token = TOKEN.search(page)
            self.client.post(f"/tickets/export.xlsx?period={month}", name="export month POST",
                             data={"csrf_token": token.group(1) if token else ""})
            self.client.get("/repeats/register", name="repeat register")

    def open_task(self, item):
        with self.client.get(f"/tasks/{item}", name="task page", catch_response=True) as r:
            if r.status_code in (403, 404, 409):  # taken or finished by someone else meanwhile: normal
                r.success()
                return
            page = r.text
        if self.role != "dispatcher":
            return
        data = dict(HIDDEN.findall(page))
        if 'name="sign_decision"' in page:
            data.update(sign_decision="签收", sign_note="")
        elif 'name="section"' in page:
            data.update(section=random.choice(["culture_market", "tourism_market", "public_service"]),
                        dispatch_note="请按职责办理")
        else:
            return
        with self.client.post(f"/tasks/{item}", data=data, name="task submit (签收/分派)", allow_redirects=False,
                              catch_response=True) as r:
            # 403: claimed by another dispatcher between the page and the submission; the form comes back
            # with "该任务由 … 办理，您不能提交。" (the race the task page's 403 above also counts as normal)
            if r.status_code in (302, 303, 403, 409):
                r.success()


class Platform(HttpUser):
    """A platform pushing tickets: JIESU_PUSH_PER_HOUR in all over the Platform users."""

    weight = 2
    fixed_count = 2
    wait_time = constant_throughput(float(os.environ.get("JIESU_PUSH_PER_HOUR", 600)) / 3600 / 2)

    def on_start(self):
        keys = [os.environ.get("JIESU_API_KEY", ""), os.environ.get("JIESU_API_KEY_2", "")]
        keys = [k for k in keys if k] or [""]
        self.key = keys[next(_push_no) % len(keys)]
        self.stamp = f"L{int(time.time())}{random.randrange(1000):03d}"
        if HOSTS:
            self.host = HOSTS[0]
            self.client.base_url = self.host

    @task
    def push(self):
        n = next(_push_no)
        street = random.choice(["东华街道", "和平里街道", "天坛街道"])
        body = {"ticket_type": random.choice(["投诉", "举报", "咨询"]), "topic": "文化->文化市场->网吧",
                "title": "网吧接纳未成年人", "content": f"来电人反映{street}某网咖接纳未成年人上网（第{n}号）。",
                "caller_name": "王先生", "caller_phone": f"13{random.randint(100000000, 999999999)}",
                "district": "本区", "street": street, "address": f"{street}东华路{n % 200}号",
                "enterprise": "极速网咖", "urgency": "一般", "nature": "主办"}
        self.client.put(f"/api/v1/tickets/{self.stamp}-{n:06d}", json=body, name="platform push PUT",
                        headers={"Authorization": f"Bearer {self.key}"})


@events.quitting.add_listener
def _summary(environment, **_kw):
    stats = environment.stats
    print(f"\n{'request':<28} {'n':>6} {'fail':>5} {'p50':>7} {'p95':>7}")
    for entry in sorted(stats.entries.values(), key=lambda e: e.name):
        print(f"{entry.name:<28} {entry.num_requests:>6} {entry.num_failures:>5} "
              f"{entry.get_response_time_percentile(0.5):>6.0f}ms {entry.get_response_time_percentile(0.95):>6.0f}ms")
    total = stats.total
    print(f"{'total':<28} {total.num_requests:>6} {total.num_failures:>5} "
          f"{total.get_response_time_percentile(0.5):>6.0f}ms {total.get_response_time_percentile(0.95):>6.0f}ms")
