"""What each ECharts chart of a report page draws, from a report's figures (no queries here)."""

from __future__ import annotations

RATE_LABELS = {"response": "响应率", "resolution": "解决率", "satisfaction": "满意率"}


def for_report(r: dict, topic_rows: list[dict]) -> dict:
    trend = r.get("rate_trend") or []
    return {
        "rates": {"months": [m["month"] for m in trend],
                  "series": [{"name": RATE_LABELS[k], "data": [m.get(k) for m in trend],
                              "target": (trend[-1]["targets"][k] if trend else None)} for k in RATE_LABELS]},
        "daily": {"labels": [d["label"] for d in r["daily"]], "received": [d["received"] for d in r["daily"]],
                  "open": [d["open"] for d in r["daily"]]},
        "topics": {"labels": [t["label"] for t in topic_rows][:15], "values": [t["received"] for t in topic_rows][:15]},
        "sections": _stack(r["breakdowns"]["section"]["rows"]),
        "heat": r["heat"],
    }


def _stack(rows: list[dict]) -> dict:
    """Closed (when there are any: the board has only open tickets), open and overdue per row."""
    out = {"labels": [x["label"] for x in rows], "open": [x["open"] for x in rows],
           "overdue": [x["overdue"] for x in rows]}
    if any(x.get("closed") for x in rows):
        out["closed"] = [x["closed"] for x in rows]
    return out


def for_board(trend: list[dict], sections: list[dict]) -> dict:
    """督办看板's small charts: the rates of the last months, open and overdue by section."""
    return {"rates": {"months": [m["month"] for m in trend],
                      "series": [{"name": RATE_LABELS[k], "data": [m.get(k) for m in trend],
                                  "target": (trend[-1]["targets"][k] if trend else None)} for k in RATE_LABELS]},
            "sections": _stack(sections)}
