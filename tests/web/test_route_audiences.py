"""Every route declares who may use it (app/web/audiences.py), and each role gets exactly what the
matrix beside this test (route_matrix.py) says: the table, the hook that enforces it, and the pages."""

from __future__ import annotations

import re

import pytest
from flask import request, url_for
from flask_login import login_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from werkzeug.exceptions import Forbidden

from app.extensions import db
from app.models import ROLES, Section, User
from app.web import audiences
from tests.conftest import _forget_request_globals
from tests.web.route_matrix import MATRIX, PUBLIC, SIGNED_IN

SAMPLE_VALUES = {"ticket_id": 1, "attachment_id": 1, "item_id": 1, "version_id": 1, "user_id": 1,
                 "alert_id": 1, "warning_id": 1, "enterprise_id": 1, "link_id": 1, "inspection_id": 1,
                 "evidence_id": 1, "order_id": 1, "campaign_id": 1, "assignment_id": 1, "job_id": 1,
                 "token": "a" * 24, "code": "en", "filename": "css/app.css", "ticket_no": "T-1",
                 "incident_id": 1, "instance_id": 1, "process_key": "ticket_lifecycle",
                 "fmt": "pdf", "report_id": 1}
SAMPLE_VALUES["notification_id"] = 1


def _rules(app):
    return {rule.endpoint: rule for rule in app.url_map.iter_rules()}


def test_every_route_has_a_declared_audience(app):
    missing = sorted(set(_rules(app)) - set(audiences.ENDPOINTS))
    assert not missing, ("routes without an audience in app/web/audiences.py ENDPOINTS (they are refused "
                         f"with 403 until declared): {', '.join(missing)}")
    stale = sorted(set(audiences.ENDPOINTS) - set(_rules(app)))
    assert not stale, f"app/web/audiences.py declares routes that do not exist: {', '.join(stale)}"
    unlisted = sorted(set(_rules(app)) - set(MATRIX))
    assert not unlisted, f"tests/web/route_matrix.py has no line for: {', '.join(unlisted)}"


def _expected(endpoint: str) -> tuple[str, set[str]]:
    entry = MATRIX[endpoint]
    if entry in (PUBLIC, SIGNED_IN) or entry.startswith("api:"):
        return entry, set()
    return "roles", set(entry.split())


def test_the_table_says_what_the_matrix_says(app):
    problems = []
    for endpoint, audience in sorted(audiences.ENDPOINTS.items()):
        kind, allowed = _expected(endpoint)
        if kind == PUBLIC:
            ok = audience.kind == "public"
        elif kind == SIGNED_IN:
            ok = audience.kind == "signed_in"
        elif kind.startswith("api:"):
            ok = audience.kind == "api" and audience.scope == kind.removeprefix("api:")
        else:
            ok = audience.kind == "roles" and (audience.roles | {"admin"}) == allowed
        if not ok:
            problems.append(f"{endpoint}: table {audience.kind} {sorted(audience.roles) or audience.scope}, "
                            f"matrix {MATRIX[endpoint]!r}")
    assert not problems, "\n".join(problems)


@pytest.fixture
def role_users(app):
    """One user per role and nothing else (a handler belongs to 文化市场管理科)."""
    section = db.session.scalar(select(Section).where(Section.code == "culture_market"))
    users = {}
    for code in ROLES:
        user = User(username=f"only_{code}", name=f"仅{code}", roles=code,
                    section=section if code == "handler" else None)
        user.set_password("Bamboo-47-tea-x")
        db.session.add(user)
        users[code] = user
    db.session.commit()
    return users


def _url(app, rule) -> str:
    values = {name: SAMPLE_VALUES[name] for name in rule.arguments}
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def test_the_hook_lets_each_role_through_exactly_where_the_matrix_says(app, role_users):
    """The before_request hook itself, for every (route, role): passes or refuses with 403."""
    problems = []
    for endpoint, rule in sorted(_rules(app).items()):
        kind, allowed = _expected(endpoint)
        if kind in (PUBLIC,) or kind.startswith("api:"):
            continue
        url = _url(app, rule)
        for code, user in role_users.items():
            expected = kind == SIGNED_IN or code in allowed
            method = "GET" if "GET" in rule.methods else "POST"
            with app.test_request_context(url, method=method):
                assert request.endpoint == endpoint
                login_user(user)
                try:
                    passed = audiences._enforce() is None
                except CSRFError:  # the audience let it through; the token is checked next
                    passed = True
                except Forbidden:
                    passed = False
            if passed != expected:
                problems.append(f"{endpoint} as {code}: {'passed' if passed else 'refused'}, matrix says "
                                f"{'allowed' if expected else 'denied'}")
    assert not problems, "\n".join(problems)


def test_pages_refuse_roles_they_are_not_for(app, role_users, browser):
    """Through the whole stack: a denied role gets the 403 page on GET and on POST (before CSRF)."""
    rules = _rules(app)
    clients = {}
    problems = []
    for endpoint, rule in sorted(rules.items()):
        kind, allowed = _expected(endpoint)
        if kind != "roles":
            continue
        url = _url(app, rule)
        method = "GET" if "GET" in rule.methods else "POST"
        for code in ROLES:
            if code in allowed:
                continue
            client = clients.get(code) or clients.setdefault(code, browser().login(f"only_{code}", "Bamboo-47-tea-x"))
            if method != "GET":
                _forget_request_globals()  # the test keeps one app context: no request may inherit its g
            response = client.get(url) if method == "GET" else client.client.post(url, data={})
            said = (response.get_json() or {}).get("message", "") if response.is_json else response.get_data(as_text=True)
            if response.status_code != 403 or "无权访问" not in said:  # (the modeler's calls are answered in JSON)
                problems.append(f"{method} {url} as {code}: {response.status_code}")
    assert not problems, "\n".join(problems)


def test_signed_out_visitors_are_sent_to_the_login_page(app):
    client = app.test_client()
    for endpoint, rule in sorted(_rules(app).items()):
        kind, _allowed = _expected(endpoint)
        if kind == PUBLIC or kind.startswith("api:"):
            continue
        url = _url(app, rule)
        response = client.get(url) if "GET" in rule.methods else client.post(url, data={})
        assert response.status_code == 302 and "/login" in response.headers["Location"], (endpoint, response.status)
    assert client.get("/api/v1/outbox").status_code == 401


def test_the_issue_s_over_broad_routes_are_closed(app, browser, role_users):
    from tests.helpers import new_ticket

    ticket = new_ticket()
    analyst = browser().login("only_analyst", "Bamboo-47-tea-x")
    inspector = browser().login("only_inspector", "Bamboo-47-tea-x")
    for url in ("/admin/calendar", "/admin/processes/1.bpmn", "/enterprises/export.xlsx"):
        assert analyst.get(url).status_code == 403, url
    for who in (analyst, inspector):
        response = who.post(f"/tickets/{ticket.id}/notes", {"text": "随便写点"}, form_url=f"/tickets/{ticket.id}")
        assert response.status_code == 403
    assert ticket.id and not db.session.scalar(select(db.func.count()).select_from(
        db.metadata.tables["ticket_note"])), "no note was written"


def test_no_menu_offers_a_page_its_reader_is_refused(app, role_users, browser):
    """Every link of the navbar, for a user of each single role, opens (the analyst was offered 行业台账)."""
    problems = []
    for code in ROLES:
        client = browser().login(f"only_{code}", "Bamboo-47-tea-x")
        page = client.get("/").get_data(as_text=True)
        nav = page[page.find("<nav"):page.find("</nav>")]
        links = {href for href in re.findall(r'href="(/[^"#]*)"', nav)
                 if not href.startswith(("/logout", "/lang/", "/static/"))}
        assert links, code
        for href in sorted(links):
            _forget_request_globals()
            status = client.get(href.replace("&amp;", "&")).status_code
            if status == 403:
                problems.append(f"{code}: {href}")
    assert not problems, "\n".join(problems)
