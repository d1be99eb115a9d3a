"""What each ECharts chart of a report page draws, from a report's figures (no queries here); names in the
reader's language (the words drawn by reports.js itself come with reports/_chart_scripts.html)."""

from __future__ import annotations

from app.services import N_, _

RATE_LABELS = {"response": N_("响应率"), "resolution": N_("解决率"), "satisfaction": N_("满意率")}


def _rates(trend: list[dict]) -> dict:
    """The rates of some months and each one's target line, named in the reader's language."""
    series = []
    for key, label in RATE_LABELS.items():
        target = trend[-1]["targets"][key] if trend else None
        series.append({"name": _(label), "data": [m.get(key) for m in trend], "target": target,
                       "target_label": _("目标 %(p)s", p=f"{target:g}%") if target is not None else None})
    return {"months": [m["month"] for m in trend], "series": series}


def for_report(r: dict, topic_rows: list[dict]) -> dict:
    trend = r.get("rate_trend") or []
    return {
        "rates": _rates(trend),
        "daily": {"labels": [d["label"] for d in r["daily"]], "received": [d["received"] for d in r["daily"]],
                  "open": [d["open"] for d in r["daily"]]},
        "topics": {"labels": [t["label"] for t in topic_rows][:15], "values": [t["received"] for t in topic_rows][:15]},
        "sections": _stack(r["breakdowns"]["section"]["rows"]),
        "heat": r["heat"],
    }


def _stack(rows: list[dict]) -> dict:
    """Closed (when there are any: the board has only open tickets), open and overdue per row."""
    out = {"labels": [_(x["label"]) for x in rows], "open": [x["open"] for x in rows],  # （未分派） in the reader's words
           "overdue": [x["overdue"] for x in rows]}
    if any(x.get("closed") for x in rows):
        out["closed"] = [x["closed"] for x in rows]
    return out


def for_board(trend: list[dict], sections: list[dict]) -> dict:
    """督办看板's small charts: the rates of the last months, open and overdue by section."""
    return {"rates": _rates(trend), "sections": _stack(sections)}
