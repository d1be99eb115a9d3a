"""Templates' links (app/web/layout.py remembered_url_for) are exactly what url_for builds, however often
and in whatever order they are asked for."""

from flask import url_for

from app.web import layout

CALLS = [
    ("tickets.index", {"overdue": 1}),
    ("tickets.index", {"overdue": True}),  # equal to 1 in Python, not in a URL
    ("tickets.index", {"overdue": "1"}),
    ("tickets.index", {"q": "网吧", "period": "2026-11"}),
    ("tickets.index", {"period": "2026-11", "q": "网吧"}),
    ("tickets.index", {"page": 2.0}),
    ("tickets.index", {"section": None, "q": "a&b=c"}),
    ("tickets.show", {"ticket_id": 3}),
    ("inbox.task", {"item_id": 3, "_anchor": "form"}),
    ("static", {"filename": "css/app.css"}),
    ("inbox.index", {}),
]


def test_every_link_is_what_url_for_builds(app):
    assert app.jinja_env.globals["url_for"] is layout.remembered_url_for
    for script_root in ("", "/jiesu"):  # behind a proxy's prefix the same endpoint is another link
        with app.test_request_context("/", environ_overrides={"SCRIPT_NAME": script_root}):
            for _round in range(2):  # the second round is answered from what the first remembered
                for endpoint, values in CALLS + CALLS[::-1]:
                    expected = dict(values)
                    if endpoint == "static":  # with its content's digest (test_static_versions.py)
                        expected["v"] = layout.static_version(app, values["filename"])
                    assert layout.remembered_url_for(endpoint, **values) == url_for(endpoint, **expected), \
                        (script_root, endpoint, values)
