"""报表周期 under a moved clock: the daily report appears by itself at 08:00 of a working day (not on a
holiday), the weekly on the week's first working day, the monthly on the month's first working day;
the analyst publishes it (figures frozen) and a correction is a new version."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.demo import history
from app.engine.clock import clock
from app.extensions import db
from app.models import ReportRecord
from app.services import Conflict, InvalidInput
from app.services.reports import archive
from app.services.timers import sweep
from tests.conftest import shanghai
from tests.helpers import user


def _reports():
    db.session.expire_all()
    return [(r.kind, r.period_key, r.version, r.status)
            for r in db.session.scalars(select(ReportRecord).order_by(ReportRecord.id))]


def _at(*args):
    clock.freeze(shanghai(*args) + timedelta(seconds=1))  # a timer fires once its instant has passed
    sweep()
    sweep()


def test_the_daily_report_appears_at_eight_on_working_days_only(app):
    # 2026-09-30 (Wed) works; 1-7 October is the National Day holiday; 8 October (Thu) works again
    clock.freeze(shanghai(2026, 9, 30, 7, 0))
    from app.models import ProcessInstance
    for instance in db.session.scalars(select(ProcessInstance)):
        instance.status = "done"  # the seeded cycle waits for 26 November: start a new one now
    db.session.commit()
    archive.ensure_cycle()
    _at(2026, 9, 30, 7, 59)
    assert _reports() == []
    _at(2026, 9, 30, 8, 0)
    assert _reports() == [("day", "2026-09-29", 1, "draft")]
    _at(2026, 10, 1, 8, 0)  # holidays: nothing
    _at(2026, 10, 2, 8, 0)
    _at(2026, 10, 5, 8, 0)
    _at(2026, 10, 7, 8, 0)
    _at(2026, 10, 8, 7, 59)
    assert len(_reports()) == 1
    _at(2026, 10, 8, 8, 0)
    made = _reports()[1:]
    # every day since 30 September, the week before (the week's first working day), September (month's first)
    assert [k for k in made if k[0] == "day"] == [("day", f"2026-{d}", 1, "draft") for d in
                                                   ("09-30", "10-01", "10-02", "10-03", "10-04", "10-05", "10-06",
                                                    "10-07")]
    assert ("week", "2026-W40", 1, "draft") in made and ("month", "2026-09", 1, "draft") in made
    assert len(made) == 10
    _at(2026, 10, 8, 8, 1)
    _at(2026, 10, 8, 12, 0)
    assert len(_reports()) == 11, "each once"
    _at(2026, 10, 9, 8, 0)
    assert _reports()[-1] == ("day", "2026-10-08", 1, "draft") and len(_reports()) == 12


def test_publish_freezes_the_figures_and_a_correction_is_a_new_version(app, browser):
    now = clock.now()
    history.seed_history(40, shanghai(2026, 11, 24), shanghai(2026, 11, 25), now, seed=1, prefix="D")
    analyst = user("tongji")
    period = archive.periods.day(shanghai(2026, 11, 24).date())
    draft = archive.create_draft(period, analyst)
    assert draft.figures["counts"][0]["value"] == 40
    published = archive.publish(draft.id, analyst, "")
    assert published.status == "published" and published.published_by_id == analyst.id
    history.seed_history(5, shanghai(2026, 11, 24, 10), shanghai(2026, 11, 24, 11), now, seed=2, prefix="L")
    db.session.expire_all()
    assert archive.get(draft.id).figures["counts"][0]["value"] == 40, "published figures do not move"
    with pytest.raises(Conflict):
        archive.refresh(draft.id, analyst)
    correction = archive.create_draft(period, analyst)
    assert correction.version == 2 and correction.corrects_id == draft.id
    assert correction.figures["counts"][0]["value"] == 45
    with pytest.raises(InvalidInput):
        archive.publish(correction.id, analyst, "")
    archive.publish(correction.id, analyst, "补录 5 件迟到的工单")
    assert [(k, v, s) for k, _p, v, s in _reports()] == [("day", 1, "superseded"), ("day", 2, "published")]
    # the list per period with downloads, as the analyst sees it
    b = browser("tongji")
    page = b.get("/reports/archive").get_data(as_text=True)
    assert "已被修订版取代" in page and "补录 5 件迟到的工单" in page
    assert b.get(f"/reports/archive/{draft.id}").status_code == 200
    assert b.get(f"/reports/archive/{correction.id}/report.xlsx").status_code == 200
    assert browser("zhuguan").post(f"/reports/archive/{correction.id}/publish", {},
                                   form_url="/reports/archive").status_code == 403


def test_next_report_time(app):
    clock.freeze(shanghai(2026, 9, 30, 9, 0))
    assert archive.next_report_cycle_at() == (shanghai(2026, 10, 8, 8, 0)).isoformat()
    assert archive.next_report_cycle_at(shanghai(2026, 10, 9, 7, 0).isoformat()) == shanghai(2026, 10, 9, 8).isoformat()
    assert archive.next_report_cycle_at((shanghai(2026, 10, 10, 8) - timedelta(seconds=1)).isoformat()) == \
        shanghai(2026, 10, 10, 8).isoformat()  # Saturday 10 October 2026 is a make-up working day (调休)
