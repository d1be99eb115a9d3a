"""The main line in a real Chromium, against the real app served by waitress, clicked as each clerk would.

Needs Debian's Chromium at /usr/bin/chromium, or the one JIESU_CHROMIUM names (Playwright's own browsers
are never downloaded). Without it the test is skipped, or fails when CI is set. Run just this with
``pytest -m browser``; deselect it with ``-m "not browser"``.
"""

from __future__ import annotations

import os
import re
import secrets
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app import create_app
from app.engine.clock import clock
from app.extensions import db
from tests.conftest import seed_demo_users, shanghai

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("JIESU_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "jiesu2026"
TIMEOUT_MS = 10_000
NAMES = {"paidan": "张敏", "wenhua": "王磊", "shenhe": "周强", "huifang": "吴芳", "zhuguan": "李主任"}


def _require_chromium():
    problem = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problem = "the playwright package is not installed (pip install -e '.[dev]')"
    else:
        if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
            problem = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"browser test cannot run in CI: {problem}", pytrace=False)
        pytest.skip(problem)


@dataclass
class LiveServer:
    app: object
    url: str
    ticket_id: int
    ticket_no: str
    requests: list[str] = field(default_factory=list)


@pytest.fixture
def live_server(tmp_path):
    """The app on a SQLite file, seeded like conftest, one ticket entered, served by waitress on a free port."""
    from waitress import create_server, wasyncore

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'browser.sqlite'}",
        "JIESU_UPLOAD_DIR": str(tmp_path / "uploads"),
        "JIESU_PASSWORD_METHOD": "pbkdf2:sha256:1000",  # fast hashes for tests only
        "SECRET_KEY": secrets.token_urlsafe(48),  # a weak key is refused at start-up
    })
    clock.freeze(shanghai(2026, 11, 25, 10, 0))
    with app.app_context():
        db.create_all()
        from app.seed import seed_base
        from tests.helpers import new_ticket

        seed_base()
        seed_demo_users()
        ticket = new_ticket()
        ticket_id, ticket_no = ticket.id, ticket.ticket_no
        db.session.commit()
        db.session.remove()  # no connection (and no SQLite lock) held while the server works

    server = create_server(app, host="127.0.0.1", port=0, threads=8)
    port = server.getsockname()[1]
    thread = threading.Thread(target=server.run, name="waitress-browser-test", daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=f"http://127.0.0.1:{port}", ticket_id=ticket_id, ticket_no=ticket_no)
    finally:
        # close every channel from inside the server's own loop, which then ends
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        thread.join(timeout=5)
        server.task_dispatcher.shutdown()
        with app.app_context():
            db.engine.dispose()
        clock.reset()


@contextmanager
def chromium_page(live_server):
    """A page in headless Chromium that records every request and anything that went wrong."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN",
                                      timezone_id="Asia/Shanghai")
        context.set_default_timeout(TIMEOUT_MS)
        context.on("request", lambda request: live_server.requests.append(request.url))
        page = context.new_page()
        page.problems, page.refused = [], []
        page.on("pageerror", lambda exc: page.problems.append(f"page error: {exc}"))
        page.on("console", lambda msg: _console_error(page, msg))
        page.on("requestfailed", lambda r: _request_failed(page, r))
        page.on("response", lambda r: r.status >= 400 and page.refused.append((r.status, urlsplit(r.url).path)))
        try:
            yield page
        finally:
            context.close()
            browser.close()


def _console_error(page, msg):
    # "Failed to load resource" repeats a 4xx/5xx that the response listener records with its URL,
    # except Chromium's own /favicon.ico probe (the app has no favicon), which pages never see.
    if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
        page.problems.append(f"console: {msg.text}")


def _request_failed(page, request):
    # ERR_ABORTED: the clerk clicked on before a load (typically the lazily fetched icon font) finished
    if request.failure != "net::ERR_ABORTED":
        page.problems.append(f"request failed: {request.url} {request.failure}")


# -- what a person does ---------------------------------------------------------------------------

def log_in(page, server, username):
    from playwright.sync_api import expect

    page.goto(f"{server.url}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("nav").get_by_role("button", name=re.compile(NAMES[username]))).to_be_visible()


def log_out(page, username):
    from playwright.sync_api import expect

    page.wait_for_load_state("load")  # the menu is Bootstrap's dropdown: needs its script
    page.locator("nav").get_by_role("button", name=re.compile(NAMES[username])).click()
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("button", name="登录")).to_be_visible()


def open_claimable(page):
    page.locator("nav").get_by_role("link", name=re.compile("待认领")).click()
    page.wait_for_url(re.compile(r"tab=claimable"))


def claim(page, spec_name):
    """From 待认领: press 认领 on the row of that task; lands on the task page."""
    from playwright.sync_api import expect

    open_claimable(page)
    page.locator(f'tr[data-task="{spec_name}"]').get_by_role("button", name="认领").click()
    expect(page.locator(".alert-success")).to_contain_text("已认领")
    expect(page.locator("#task-form")).to_be_visible()


def submit_task(page, title, expect_status=302, next_title=None, done=None, kind="success"):
    """Press 提交; on success the inbox says so (``done``: what the task confirms, else 已提交：title; ``kind``
    "warning" when it was done with something to look at), or the ticket's next task of mine opens."""
    from playwright.sync_api import expect

    with page.expect_response(lambda r: r.request.method == "POST" and "/tasks/" in r.url) as posted:
        page.locator("#task-form").get_by_role("button", name="提交").click()
    assert posted.value.status == expect_status, posted.value.text()[:2000]
    if expect_status == 302:
        expect(page.locator(f".alert-{kind}")).to_have_text(done or f"已提交：{title}")
        if next_title:
            page.wait_for_url(re.compile(r"/tasks/\d+$"))
            expect(page.locator(".alert-info")).to_have_text(f"下一步：{next_title}")
            expect(page.locator("h1")).to_have_text(next_title)
        else:
            page.wait_for_url(re.compile(r"/$|/\?"))


def radio(page, label):
    page.locator("#task-form").get_by_role("radio", name=label, exact=True).check()


# -- the test -------------------------------------------------------------------------------------

def test_a_ticket_goes_from_sign_to_closure_in_chromium(live_server, tmp_path):
    _require_chromium()  # in the test body, so that CI reports a failure rather than a setup error
    with chromium_page(live_server) as page:
        _walk_the_main_line(page, live_server, tmp_path)


def _walk_the_main_line(page, server, tmp_path):
    from playwright.sync_api import expect

    # 1. the dispatcher signs the ticket and dispatches it to 文化市场管理科
    log_in(page, server, "paidan")
    expect(page.locator("#count-claimable")).to_have_text("1")
    expect(page.locator("#count-mine")).to_have_text("0")
    _assert_styles_and_icons_loaded(page)
    claim(page, "sign")
    expect(page.locator("h1")).to_have_text("签收")
    expect(page.locator("#count-mine")).to_have_text("1")
    radio(page, "签收")
    submit_task(page, "签收", next_title="分派", done="已签收。")  # the dispatcher's next step opens by itself
    expect(page.locator("#section-duties")).to_contain_text("网吧")
    page.get_by_label("承办科室").select_option(label="文化市场管理科")
    page.get_by_label("派单意见").fill("请文化市场科核查处理")
    submit_task(page, "分派", done="已分派至 文化市场管理科。")
    expect(page.locator("#count-claimable")).to_have_text("0")
    log_out(page, "paidan")

    # 2. the section's handler claims 响应 and records the first contact
    log_in(page, server, "wenhua")
    expect(page.locator("#count-claimable")).to_have_text("1")
    claim(page, "respond")
    page.get_by_label("联系时间").fill("2026-11-25T10:00")  # the clock is frozen at 10:00
    radio(page, "电话")
    page.get_by_label("联系人").fill("王磊")
    page.get_by_label("沟通情况").fill("已电话联系来电人，约定当日现场核查")
    submit_task(page, "响应（首次联系来电人）", next_title="办理", done="已响应：首次联系 11-25 10:00（时限内）。")

    # 3. 办理 is assigned to whoever responded and opens next; first sent with 处理措施 left empty
    expect(page.locator("#count-mine")).to_have_text("1")
    page.get_by_label("与被反映方沟通情况").fill("已约谈网咖负责人")
    page.get_by_label("办理结果").fill("网咖已整改")
    page.get_by_label("答复口径").fill("经核查，网咖存在接纳未成年人问题，已责令整改。")
    handle_path = urlsplit(page.url).path
    submit_task(page, "办理", expect_status=422)
    expect(page.locator(".alert-danger")).to_contain_text("表单有误")
    expect(page.locator(".invalid-feedback")).to_have_text(["请填写处理措施"])
    expect(page.get_by_label("处理措施")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.get_by_label("与被反映方沟通情况")).to_have_value("已约谈网咖负责人")
    expect(page.get_by_label("办理结果")).to_have_value("网咖已整改")
    expect(page.get_by_label("答复口径")).to_have_value("经核查，网咖存在接纳未成年人问题，已责令整改。")
    task_shot = tmp_path / "task-page-validation.png"
    page.wait_for_load_state("load")
    page.screenshot(path=str(task_shot), full_page=True)
    page.get_by_label("处理措施").fill("现场检查并责令整改")
    submit_task(page, "办理", kind="warning", done=re.compile(
        r"^已提交审核。答复口径自动检查提示：字数 \d+（应为 40–260）；缺少要素：联系时间、.*审核人将看到这些提示"))
    log_out(page, "wenhua")

    # 4. the reviewer approves the reply; the callback clerk records 是 / 解决 / 满意
    log_in(page, server, "shenhe")
    claim(page, "review")
    expect(page.get_by_text("经核查，网咖存在接纳未成年人问题，已责令整改。").first).to_be_visible()
    radio(page, "通过")
    submit_task(page, "回复审核", done="审核通过：答复已上报平台，工单进入回访。")
    log_out(page, "shenhe")

    log_in(page, server, "huifang")
    claim(page, "callback")
    radio(page, "是")
    radio(page, "解决")
    radio(page, "满意")
    submit_task(page, "回访", done="已提交回访，工单已办结。")

    # 5. the ticket page: 办结, and every step in the timeline, in order
    page.locator("#nav-tickets").get_by_role("link", name="工单").click()  # the 工单 menu
    page.locator("nav").get_by_role("link", name="工单查询").click()
    page.get_by_role("link", name=server.ticket_no).click()
    page.wait_for_url(re.compile(rf"/tickets/{server.ticket_id}$"))
    expect(page.locator("#ticket-state")).to_have_text("办结")
    titles = page.locator(".timeline li .fw-semibold").all_inner_texts()
    steps = ["完成：签收", "完成：分派", "完成：响应（首次联系来电人）", "完成：办理", "完成：回复审核", "完成：回访",
             "流程结束：办结"]
    positions = [next((i for i, t in enumerate(titles) if t.strip() == step), None) for step in steps]
    assert None not in positions, f"missing from the timeline: {titles}"
    assert positions == sorted(positions), f"timeline out of order: {titles}"
    expect(page.locator(".timeline")).to_contain_text("文化市场管理科")
    expect(page.locator(".timeline")).to_contain_text("2026-11-25 10:00")
    expect(page.locator("#work-items .badge", has_text="进行中")).to_have_count(0)
    ticket_shot = tmp_path / "ticket-page-closed.png"
    page.wait_for_load_state("load")
    page.screenshot(path=str(ticket_shot), full_page=True)

    # the database agrees, and nothing went anywhere but this server
    with server.app.app_context():
        from app.models import Ticket

        ticket = db.session.get(Ticket, server.ticket_id)
        assert (ticket.state, ticket.outcome) == ("办结", "解决/满意")
        db.session.remove()
    assert server.requests, "the request listener saw nothing"
    outside = sorted({u for u in server.requests if urlsplit(u).hostname != "127.0.0.1"})
    assert not outside, f"requests left the machine: {outside}"
    static = [u for u in server.requests if "/static/" in u]
    assert any(urlsplit(u).path.endswith("bootstrap.min.css") for u in static) and any("bootstrap-icons" in u for u in static)
    assert not page.problems, page.problems
    assert page.refused == [(422, handle_path)], "only the deliberately incomplete 办理 form was refused"
    for shot in (task_shot, ticket_shot):
        assert Path(shot).stat().st_size > 20_000, f"{shot} looks empty"
    print(f"\nscreenshots: {task_shot} {ticket_shot}")


def _assert_styles_and_icons_loaded(page):
    """Bootstrap's CSS and JS, the icon font and app.css came from /static (a bare page has none of these)."""
    page.wait_for_load_state("load")
    checks = page.evaluate("""async () => {
        await document.fonts.ready;
        const button = document.querySelector('#count-claimable');
        return {
            badgeRadius: getComputedStyle(button).borderRadius,
            navbarDisplay: getComputedStyle(document.querySelector('nav.navbar')).display,
            bootstrapJs: typeof window.bootstrap === 'object' && typeof window.bootstrap.Dropdown === 'function',
            htmx: typeof window.htmx === 'object',
            iconFont: [...document.fonts].some(f => f.family.includes('bootstrap-icons') && f.status === 'loaded'),
            bodyFont: getComputedStyle(document.body).fontFamily,  // set by app.css
        };
    }""")
    assert checks["navbarDisplay"] == "flex", checks
    assert checks["badgeRadius"] not in ("", "0px"), checks
    assert checks["bootstrapJs"] and checks["htmx"], checks
    assert checks["iconFont"], checks
    assert "Noto Sans CJK SC" in checks["bodyFont"], checks
