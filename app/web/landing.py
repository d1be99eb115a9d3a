"""Where each role starts after signing in: the supervisor on the board, the analyst on the rates,
everyone else on the inbox (which shows 待认领 when 我的待办 is empty)."""

from flask import url_for

# first match wins; roles are the user's own (admin passes every role *check*, but lands on the inbox)
LANDING = (("supervisor", "supervisor.index"), ("analyst", "supervisor.rate_details"))


def landing_url(user) -> str:
    roles = user.role_set
    for role, endpoint in LANDING:
        if role in roles:
            return url_for(endpoint)
    return url_for("inbox.index")
