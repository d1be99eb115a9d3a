"""超期 is judged by the reply reported to the platform (回复上报), not by the callback that closes the
ticket afterwards: the monthly report, the link of its figure and the ledger's 超期 filter agree."""

import re
from datetime import timedelta

from app.engine.clock import clock
from app.services.reports import figures, periods
from tests.conftest import shanghai
from tests.helpers import RESOLVED, complete, new_ticket, run_to


def _october():
    """Four October tickets, looked at on 20 November."""
    clock.freeze(shanghai(2026, 10, 9, 10, 0))
    closed_late = new_ticket(no="IN-TIME-CLOSED-LATE")  # replied in time, the callback after the deadline
    run_to(closed_late, stop_before="callback")
    waiting = new_ticket(no="IN-TIME-WAITING")  # replied in time, still 待回访 past the deadline
    run_to(waiting, stop_before="callback")
    replied_late = new_ticket(no="REPLIED-LATE")
    never = new_ticket(no="NOT-REPLIED")  # no reply, the deadline passed
    run_to(never, stop_before="handle")
    clock.freeze(replied_late.reply_deadline + timedelta(hours=2))
    run_to(replied_late, stop_before="callback")
    complete(replied_late, "callback", "huifang", **RESOLVED)
    complete(closed_late, "callback", "huifang", **RESOLVED)
    assert closed_late.closed_at > closed_late.reply_deadline >= closed_late.replied_at
    clock.freeze(shanghai(2026, 11, 20, 10, 0))


def test_the_report_counts_late_replies_not_late_callbacks(app, browser):
    _october()
    report = figures.compute(periods.month("2026-10"), trend_months=0)
    overdue = next(c for c in report["counts"] if c["name"] == "overdue")
    assert overdue["value"] == 2

    tongji = browser("tongji")
    page = tongji.get("/reports/?kind=month&month=2026-10").get_data(as_text=True)
    cell = re.search(r'data-count="overdue">(.*?)</td>', page, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", cell).strip() == "2"
    link = re.search(r'href="([^"]+)"', cell).group(1).replace("&amp;", "&")
    listed = tongji.get(link).get_data(as_text=True).split('id="ledger"')[1]
    assert [no for no in ("IN-TIME-CLOSED-LATE", "IN-TIME-WAITING", "REPLIED-LATE", "NOT-REPLIED")
            if f">{no}<" in listed] == ["REPLIED-LATE", "NOT-REPLIED"]
