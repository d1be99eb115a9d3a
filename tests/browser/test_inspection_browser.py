"""An inspector on a phone (390x844) fills the checklist with a photo, loses the connection, submits again,
and prints the 责令改正通知书: a real Chromium against the real app served by waitress.

Needs Debian's Chromium (see tests/test_browser.py); run with ``pytest -m browser``.
"""

from __future__ import annotations

import re
import secrets
import threading
from pathlib import Path

import pytest

from app import create_app
from app.engine.clock import clock
from app.extensions import db
from tests.browser.test_browser import CHROMIUM, CHROMIUM_ARGS, PASSWORD, TIMEOUT_MS, _require_chromium
from tests.conftest import seed_demo_users, shanghai
from tests.field_helpers import JPEG

pytestmark = pytest.mark.browser


@pytest.fixture
def phone_server(tmp_path):
    from waitress import create_server, wasyncore

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'phone.sqlite'}",
        "JIESU_UPLOAD_DIR": str(tmp_path / "uploads"),
        "JIESU_PASSWORD_METHOD": "pbkdf2:sha256:1000",
        "SECRET_KEY": secrets.token_urlsafe(48),  # a weak key is refused at start-up
    })
    clock.freeze(shanghai(2026, 11, 25, 10, 0))
    with app.app_context():
        db.create_all()
        from app.seed import seed_base
        from app.services import inspections
        from tests.field_helpers import add_second_inspector, assign, make_enterprise
        from tests.helpers import new_ticket, open_item, run_to, user

        seed_base()
        seed_demo_users()
        add_second_inspector()
        cafe = make_enterprise(1, "极速网咖", "internet_cafe")
        ticket = new_ticket(enterprise="极速网咖")
        run_to(ticket, "handle")
        insp = inspections.request_from_ticket(ticket, user("wenhua"), cafe.id, "群众举报：接纳未成年人", "phone-0001")
        assign(insp)
        inspection_id = insp.id
        app.config["TEST_HANDLE_ITEM"] = open_item(ticket, "handle").id
        db.session.commit()
        db.session.remove()
    server = create_server(app, host="127.0.0.1", port=0, threads=8)
    thread = threading.Thread(target=server.run, name="waitress-phone-test", daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{server.getsockname()[1]}", inspection_id
    finally:
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        thread.join(timeout=5)
        server.task_dispatcher.shutdown()
        with app.app_context():
            db.engine.dispose()
        clock.reset()


def test_an_inspector_on_a_phone_records_a_failing_check_and_sees_the_notice(phone_server, tmp_path):
    _require_chromium()
    from playwright.sync_api import expect, sync_playwright

    app, url, inspection_id = phone_server
    shots = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                      locale="zh-CN", timezone_id="Asia/Shanghai", permissions=["geolocation"],
                                      geolocation={"latitude": 39.9087, "longitude": 116.3975, "accuracy": 12})
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        problems = []
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        try:
            page.goto(f"{url}/login")
            page.get_by_label("用户名").fill("jiancha")
            page.get_by_label("密码").fill(PASSWORD)
            page.get_by_role("button", name="登录").click()
            page.goto(f"{url}/inspections/")
            page.locator('[data-task="onsite_check"]').click()
            expect(page.locator("h1")).to_have_text("现场检查：极速网咖")
            expect(page.locator("[data-gps-status]")).to_contain_text("已定位：39.908700, 116.397500")

            cards = page.locator("[data-check-item]")
            texts = cards.locator(".fw-semibold").all_inner_texts()
            failing = next(i for i, t in enumerate(texts) if "未成年人" in t)
            for i in range(cards.count()):
                cards.nth(i).get_by_text("不合格" if i == failing else "合格", exact=True).click()
            cards.nth(failing).get_by_placeholder(re.compile("说明")).fill("发现2名未成年人在上网")
            expect(cards.nth(failing)).to_have_class(re.compile("check-failed"))
            page.set_input_files("#photo-camera", files=[{"name": "现场.jpg", "mimeType": "image/jpeg",
                                                          "buffer": JPEG}])
            expect(page.locator("[data-evidence-item] img")).to_have_count(1)
            page.get_by_label("检查情况").fill("入口未设未成年人禁入标志，现场有未成年人上网。")
            page.get_by_label("整改期限（工作日）").fill("10")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"the form is {width}px wide on a 390px screen"
            shots.append(tmp_path / "phone-checklist.png")
            page.screenshot(path=str(shots[-1]), full_page=True)

            # the page is closed by accident and opened again: what was typed and the photo come back
            page.reload()
            expect(page.locator("[data-draft-note]")).to_be_visible()
            expect(cards.nth(failing).get_by_placeholder(re.compile("说明"))).to_have_value("发现2名未成年人在上网")
            expect(cards.nth(failing).locator('input[value="不合格"]')).to_be_checked()
            expect(page.get_by_label("检查情况")).to_have_value("入口未设未成年人禁入标志，现场有未成年人上网。")
            expect(page.locator("[data-evidence-item] img")).to_have_count(1)

            # the connection drops when 提交 is pressed: nothing is lost, nothing is recorded
            context.set_offline(True)
            page.get_by_role("button", name="提交").click()
            expect(page.locator("[data-submit-status]")).to_contain_text("网络连接中断")
            expect(page.get_by_label("检查情况")).to_have_value("入口未设未成年人禁入标志，现场有未成年人上网。")
            with app.app_context():
                from app.models import InspectionRecord

                assert db.session.query(InspectionRecord).count() == 0
                db.session.remove()
            context.set_offline(False)
            page.get_by_role("button", name="提交").click()
            page.wait_for_url(re.compile(rf"/inspections/{inspection_id}\?saved="))
            expect(page.locator(".alert-warning").first).to_contain_text("不合格，已生成责令改正通知书")
            expect(page.locator("#inspection-status")).to_have_text("整改中")
            expect(page.locator(".order-deadline")).to_contain_text("2026-12-09")
            assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('jiesu-draft:'))") == [], \
                "the draft is cleared once saved"
            shots.append(tmp_path / "phone-inspection.png")
            page.screenshot(path=str(shots[-1]), full_page=True)

            page.get_by_role("link", name=re.compile("打印通知书")).click()
            expect(page.locator(".notice-title")).to_have_text("责令改正通知书")
            expect(page.locator(".notice-deadline")).to_have_text("2026年12月9日")
            expect(page.locator("#notice")).to_contain_text("发现2名未成年人在上网")
            page.emulate_media(media="print")
            assert page.locator("nav.navbar").is_hidden(), "printing shows the notice only"
            shots.append(tmp_path / "phone-notice-print.png")
            page.screenshot(path=str(shots[-1]), full_page=True)

            # the handler's 办理 page (a desktop) has the findings, and puts them into the reply draft
            office = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN",
                                         timezone_id="Asia/Shanghai")
            desk = office.new_page()
            desk.goto(f"{url}/login")
            desk.get_by_label("用户名").fill("wenhua")
            desk.get_by_label("密码").fill(PASSWORD)
            desk.get_by_role("button", name="登录").click()
            desk.goto(f"{url}/tasks/{app.config['TEST_HANDLE_ITEM']}")
            expect(desk.locator("#field-work")).to_contain_text("现场核实")
            expect(desk.locator(".timeline")).to_contain_text("现场核实结果：不合格（极速网咖）")
            desk.get_by_label("答复口径").fill("您好，")
            desk.get_by_role("button", name="插入核查结果到答复口径").click()
            expect(desk.get_by_label("答复口径")).to_have_value(re.compile(
                r"^您好，\n2026年11月25日，我局检查人员冯刚、韩冰到极速网咖进行现场核实，发现以下事项不符合要求"))
            shots.append(tmp_path / "desk-handle.png")
            desk.screenshot(path=str(shots[-1]), full_page=True)
            office.close()
        finally:
            context.close()
            browser.close()
    with app.app_context():
        from app.models import Evidence, InspectionRecord

        assert db.session.query(InspectionRecord).count() == 1
        [evidence] = db.session.query(Evidence).all()
        assert evidence.record_id is not None and evidence.content_type == "image/jpeg"
        db.session.remove()
    assert not problems, problems
    for shot in shots:
        assert Path(shot).stat().st_size > 10_000, f"{shot} looks empty"
    print("\nscreenshots:", *shots)
