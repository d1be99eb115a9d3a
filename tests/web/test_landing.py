"""Landing per role after signing in; 待认领 shown when 我的待办 is empty; the inbox as cards on a phone."""

from tests.helpers import new_ticket, run_to


def _login(client, username):
    client.csrf("/login")
    return client.post("/login", {"username": username, "password": "jiesu2026"}, form_url="/login")


def test_each_role_lands_where_its_work_is(app, browser):
    landings = {"zhuguan": "/supervisor/", "tongji": "/supervisor/rates", "paidan": "/", "wenhua": "/",
                "shenhe": "/", "huifang": "/", "jiancha": "/", "fenguan": "/", "liucheng": "/"}
    for username, path in landings.items():
        response = _login(browser(), username)
        assert response.status_code == 302, username
        assert response.headers["Location"].endswith(path), (username, response.headers["Location"])


def test_a_requested_page_still_wins_over_the_landing(app, browser):
    client = browser()
    client.csrf("/login")
    response = client.post("/login?next=/tickets/", {"username": "zhuguan", "password": "jiesu2026"},
                           form_url="/login")
    assert response.headers["Location"].endswith("/tickets/")


def test_empty_inbox_shows_the_claimable_tasks_with_a_hint(app, browser):
    for no in ("CL-1", "CL-2"):
        new_ticket(no=no)  # 签收 waits for any dispatcher
    paidan = browser("paidan")
    page = paidan.get("/").get_data(as_text=True)
    assert 'id="empty-mine-hint"' in page and "以下 2 项任务可以认领" in page
    assert "CL-1" in page and "CL-2" in page and "认领" in page
    mine = paidan.get("/?tab=mine").get_data(as_text=True)  # asked for explicitly: the empty list
    assert 'id="empty-mine-hint"' not in mine and "没有待办任务" in mine


def test_no_hint_when_my_tasks_has_work(app, browser):
    ticket = new_ticket(no="MINE-1")
    run_to(ticket, stop_before="handle")  # 办理 is wenhua's
    new_ticket(no="OTHER-1")
    page = browser("wenhua").get("/").get_data(as_text=True)
    assert 'id="empty-mine-hint"' not in page and "MINE-1" in page


def test_inbox_rows_carry_their_column_names_for_the_phone_cards(app, browser):
    ticket = new_ticket(no="CARD-1")
    run_to(ticket, stop_before="handle")
    page = browser("wenhua").get("/?tab=mine").get_data(as_text=True)
    row = [r for r in page.split("<tr") if "CARD-1" in r][0]
    for label in ("工单编号", "类型", "紧急程度", "科室", "到期时间"):
        assert f'data-label="{label}"' in row
