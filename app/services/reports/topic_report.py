"""专题分析报告: one topic (a topic path, e.g. 文化->文化市场->网吧) over a period, assembled from the
figures (counts, trend, streets, enterprises, keywords, difficult cases, representative tickets
masked for the reader) with the analyst's own text, as a Word document (python-docx)."""

from __future__ import annotations

import io
import unicodedata

from sqlalchemy import func, select

from app.engine.clock import LOCAL_TZ, clock
from app.extensions import db
from app.models import Ticket, User
from app.services import InvalidInput, _
from app.services.reports import conditions as cond
from app.services.reports import documents, figures, hotspots, keywords
from app.services.reports.figures import _args, _scope
from app.services.reports.periods import Period, month

MAX_TEXT = 20000


def topics_seen() -> list[str]:
    """Every topic path and its parents (the form's choices)."""
    paths = set()
    for (topic,) in db.session.execute(select(Ticket.topic).distinct()):
        parts = [p.strip() for p in (topic or "").split("->") if p.strip()]
        for i in range(1, len(parts) + 1):
            paths.add("->".join(parts[:i]))
    return sorted(paths)


def assemble(topic: str, period: Period, user: User, text: str = "") -> dict:
    topic = (topic or "").strip()
    if not topic:
        raise InvalidInput({"topic": _("请选择问题分类。")})
    if any(unicodedata.category(c) == "Cc" for c in topic):  # it names the Word file: a header cannot hold them
        raise InvalidInput({"topic": _("问题分类含有换行等控制字符，请从列表中选择。")})
    if len(text or "") > MAX_TEXT:
        raise InvalidInput({"text": _("分析文字不能超过 %(n)s 个字。", n=MAX_TEXT)})
    where = cond.topic_under(topic)
    base = dict(period.ledger_args(), topic_path=topic)
    now, before, year = (figures.counts(p, where) for p in (period, period.previous(), period.year_ago()))
    trend = []
    last = month(period.months(1)[0])
    for i in range(5, -1, -1):
        m = last.shifted(-i)
        trend.append({"month": m.key, **figures.counts(m, where)})
    streets = _top(period, Ticket.street, where)
    enterprises = _top(period, Ticket.enterprise, where)
    texts = [masked for _i, path, masked in hotspots._texts(period)
             if path == topic or (path or "").startswith(topic + "->")]
    words = keywords.extract(texts, top=15) if texts else {"tfidf": [], "textrank": []}
    cases = list(db.session.scalars(select(Ticket).where(_scope(period), where)
                                    .order_by(Ticket.rework_count.desc(), Ticket.supervised.desc(),
                                              Ticket.received_at.desc()).limit(5)))
    return {"topic": topic, "period": period, "text": (text or "").strip(), "counts": now,
            "previous": before, "year_ago": year, "labels": dict(figures.COUNTS), "trend": trend,
            "streets": streets, "enterprises": enterprises,
            "keywords": [w for w, _x in words["tfidf"] if not hotspots._NUMBERISH.search(w)],
            "cases": hotspots.representatives(cases, user), "args": _args(base),
            "share": figures._percent(now["received"], figures.counts(period)["received"])}


def _top(period: Period, column, where, limit: int = 8) -> list[tuple[str, int]]:
    return [(k or "（未填）", int(n)) for k, n in db.session.execute(
        select(column, func.count().label("n")).where(_scope(period), where).group_by(column)
        .order_by(func.count().desc()).limit(limit))]


def title_of(r: dict) -> str:
    return f"关于“{r['topic'].split('->')[-1]}”类诉求的专题分析报告"


def docx(r: dict) -> bytes:
    """The topic report as a Word document in the form of a government report."""
    from docx import Document  # noqa: PLC0415 - python-docx only when a document is asked for
    from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: PLC0415
    from docx.oxml.ns import qn  # noqa: PLC0415
    from docx.shared import Pt, RGBColor  # noqa: PLC0415

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name, style.font.size = "宋体", Pt(12)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")

    def centered(text, size, bold=False, color=None):
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = p.add_run(text)
        run.font.size, run.bold = Pt(size), bold
        if color:
            run.font.color.rgb = RGBColor(*color)
        return p

    def table(header, rows):
        t = doc.add_table(rows=1, cols=len(header))
        t.style = "Table Grid"
        for cell, text in zip(t.rows[0].cells, header, strict=True):
            cell.text = str(text)
        for row in rows:
            cells = t.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                cell.text = "" if value is None else str(value)
        return t

    p, c, prev, year, labels = r["period"], r["counts"], r["previous"], r["year_ago"], r["labels"]
    centered(documents.unit_name(), 16, True, (0xC0, 0, 0))
    centered(title_of(r), 20, True)
    centered(f"（{p.title}）", 12)
    centered(f"编制单位：{documents.unit_name()}　编制日期：{clock.now().astimezone(LOCAL_TZ):%Y-%m-%d}", 10)

    doc.add_heading("一、基本情况", level=2)
    share = "—" if r["share"] is None else f"{r['share']}%"
    doc.add_paragraph(
        f"{p.title}，本局共受理“{r['topic']}”类诉求 {c['received']} 件，占同期受理总量的 {share}；"
        f"上期 {prev['received']} 件，去年同期 {year['received']} 件。其中办结 {c['closed']} 件，未办结 {c['open']} 件，"
        f"超期 {c['overdue']} 件，延期 {c['extended']} 件，剔除 {c['excluded']} 件，挂账 {c['carried']} 件，督办 {c['supervised']} 件。")
    table(["项目", "本期", "上期", "去年同期"],
          [[labels[k], c[k], prev[k], year[k]] for k in ("received", "closed", "open", "overdue", "returned", "supervised")])

    doc.add_heading("二、变化趋势（近六个月）", level=2)
    table(["月份", "受理", "办结", "未办结", "超期"],
          [[m["month"], m["received"], m["closed"], m["open"], m["overdue"]] for m in r["trend"]])

    doc.add_heading("三、热点分布", level=2)
    doc.add_paragraph("关键词：" + ("、".join(r["keywords"]) or "无"))
    doc.add_paragraph("主要街乡镇：" + ("；".join(f"{s} {n} 件" for s, n in r["streets"]) or "无"))
    doc.add_paragraph("涉及企业：" + ("；".join(f"{s} {n} 件" for s, n in r["enterprises"]) or "无"))

    doc.add_heading("四、典型案例", level=2)
    for i, case in enumerate(r["cases"], start=1):
        doc.add_paragraph(f"{i}. {case['ticket_no']}（{case['street'] or '未填街乡镇'}，{case['state']}）{case['title']}："
                          f"{case['content']}")
    if not r["cases"]:
        doc.add_paragraph("本期无。")

    doc.add_heading("五、分析与建议", level=2)
    for para in (r["text"] or "（统计员未填写）").splitlines():
        if para.strip():
            doc.add_paragraph(para.strip())
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def file_name(r: dict) -> str:
    """专题分析报告-网吧-2026-11.docx; the topic is typed, so only its letters, digits and - _ are kept (no
    quotes, slashes or ``..`` in a download's name)."""
    last = "".join(c for c in r["topic"].split("->")[-1] if c.isalnum() or c in "-_")[:40] or "topic"
    return f"专题分析报告-{last}-{r['period'].key}.docx"


