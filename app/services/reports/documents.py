"""A report as documents: an Excel workbook (a sheet per breakdown, native charts) and a PDF.

The PDF is the printable page (templates/reports/document.html, rendered by the web layer)
through WeasyPrint; where WeasyPrint or its system libraries (Pango) are missing the caller gets
a Chinese ServiceError and offers the printable page instead.
"""

from __future__ import annotations

import logging
from pathlib import Path

from app.services import ServiceError, _, settings
from app.services.reports.figures import MEASURES
from app.services.spreadsheets import ChartSpec, Sheet, workbook

log = logging.getLogger(__name__)
DEFAULT_UNIT = "区文化和旅游局 12345 接诉即办工作专班"


def unit_name() -> str:
    """编制单位 printed on every report (setting ``report_unit_name``)."""
    return str(settings.get("report_unit_name", DEFAULT_UNIT))


def file_name(period, ext: str) -> str:
    return f"{period.kind_label}-{period.key}.{ext}"


def _measure_sheet(title: str, first: str, rows: list[dict], chart: str | None = None) -> Sheet:
    header = [first] + [label for _n, label in MEASURES]
    lines = [[r["label"]] + [r[n] for n, _l in MEASURES] for r in rows]
    charts = [ChartSpec(chart, values=[3, 4], kind="bar" if len(rows) > 8 else "col", anchor="I2",
                        height=max(8, min(20, len(rows) * 0.6)))] if chart and rows else []
    return Sheet(title, header, lines, widths=[28] + [9] * len(MEASURES), charts=charts)


def _topic_lines(nodes: list[dict], out: list) -> list:
    for n in nodes:
        parts = n["path"].split("->") if n["path"] != "-" else ["（未分类）"]
        out.append([n["level"], *(parts + ["", "", ""])[:3]] + [n[m] for m, _l in MEASURES])
        _topic_lines(n["children"], out)
    return out


def report_xlsx(r: dict) -> bytes:
    """The report as a workbook: 总体情况, 三率, trend, daily volume, every breakdown, timeliness, callbacks."""
    p = r["period"]
    prev, year = r["comparison"]["previous"], r["comparison"]["year_ago"]
    summary = [[c["label"], c["value"], prev["figures"][c["name"]]["before"], prev["figures"][c["name"]]["change"],
                year["figures"][c["name"]]["before"], year["figures"][c["name"]]["change"]] for c in r["counts"]]
    sheets = [
        Sheet("总体情况", ["项目", f"本期（{p['title']}）", f"上期（{prev['title']}）", "环比%",
                       f"去年同期（{year['title']}）", "同比%"], summary, widths=[14, 24, 24, 10, 24, 10],
              charts=[ChartSpec("本期与上期、去年同期", values=[2, 3, 5], anchor="H2")]),
        Sheet("三率", ["指标", "分子", "分母", "本期%", "目标%", "是否达标"],
              [[x["label"], x["numerator"], x["denominator"], x["value"], x["target"],
                "" if x["meets"] is None else ("达标" if x["meets"] else "未达标")] for x in r["rates"]],
              widths=[12, 10, 10, 10, 10, 10]),
    ]
    if r.get("rate_trend"):
        sheets.append(Sheet("三率趋势", ["考核期", "响应率%", "解决率%", "满意率%"],
                            [[m["month"], m["response"], m["resolution"], m["satisfaction"]] for m in r["rate_trend"]],
                            widths=[12, 10, 10, 10],
                            charts=[ChartSpec("三率趋势", values=[2, 3, 4], kind="line", anchor="F2")]))
    sheets.append(Sheet("受理量", ["日期" if p["kind"] != "day" else "时段", "受理", "其中未办结"],
                        [[d["label"], d["received"], d["open"]] for d in r["daily"]], widths=[14, 10, 12],
                        charts=[ChartSpec("每日受理量", values=[2, 3], anchor="E2", width=24)]))
    sheets.append(Sheet("问题分类", ["层级", "一级", "二级", "三级"] + [label for _n, label in MEASURES],
                        _topic_lines(r["topics"], []), widths=[6, 12, 14, 16] + [9] * len(MEASURES)))
    titles = {"section": ("承办科室", "科室"), "street": ("街乡镇", "街乡镇"), "enterprise_kind": ("企业类型", "企业类型"),
              "enterprise": ("涉及企业", "企业"), "source": ("来源", "来源"), "ticket_type": ("工单类型", "类型")}
    for name, (title, first) in titles.items():
        sheets.append(_measure_sheet(title, first, r["breakdowns"][name]["rows"], chart=f"按{title}：办结与未办结"))
    t = r["timeliness"]
    sheets.append(Sheet("办理时效", ["首次联系用时", "件数", "", "回复用时", "件数"],
                        [[a["label"], a["count"], "", b["label"], b["count"]]
                         for a, b in zip(t["response"]["buckets"], t["reply"]["buckets"], strict=False)]
                        + [[], ["时限内响应", t["response"]["in_limit"], "", "时限内回复", t["reply"]["in_limit"]],
                           ["超时响应", t["response"]["late"], "", "超时回复", t["reply"]["late"]],
                           ["时限内占比%", t["response"]["share"], "", "时限内占比%", t["reply"]["share"]]],
                        widths=[16, 8, 2, 16, 8],
                        charts=[ChartSpec("首次联系用时分布", values=[2], anchor="G2", height=7),
                                ChartSpec("回复用时分布", values=[5], categories=4, anchor="G17", height=7)]))
    cb = r["callbacks"]
    sheets.append(Sheet("回访情况", ["项目", "件数"],
                        [["有效回访", cb["reached"]], ["未能回访", cb["unreached"]]]
                        + [[f"是否解决：{a['label']}", a["count"]] for a in cb["resolved"]]
                        + [[f"是否满意：{a['label']}", a["count"]] for a in cb["satisfied"]], widths=[20, 10]))
    return workbook(*sheets)  # figures only: no personal data in it


def print_css() -> str:
    """The print stylesheet, put into the PDF's page (WeasyPrint must not fetch from our own server)."""
    return (Path(__file__).resolve().parents[2] / "static" / "css" / "report-print.css").read_text(encoding="utf-8")


def html_to_pdf(html: str, base_url: str) -> bytes:
    """The printable page as PDF (WeasyPrint). ServiceError in Chinese when it cannot run here."""
    try:
        from weasyprint import HTML  # noqa: PLC0415 - loads Pango through cffi: only when a PDF is asked for
    except (ImportError, OSError) as exc:
        log.warning("WeasyPrint unavailable: %s", exc)
        raise ServiceError(_("本机未安装 PDF 组件（WeasyPrint/Pango），请使用“打印版”页面，用浏览器打印或另存为 PDF。")) from exc
    try:
        return HTML(string=html, base_url=base_url, url_fetcher=_no_fetch).write_pdf()
    except Exception as exc:  # noqa: BLE001 - a font or library problem must not become a 500
        log.exception("PDF rendering failed")
        raise ServiceError(_("生成 PDF 失败，请使用“打印版”页面打印或另存为 PDF。")) from exc


def _no_fetch(url, *args, **kwargs):
    raise ValueError(f"not fetched: {url}")  # everything the PDF needs is in the page
