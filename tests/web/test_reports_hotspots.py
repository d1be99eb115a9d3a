"""热点、难点: a topic that rises is flagged with its measure, keywords come from the texts with the
analyst's dictionary and stop words, similar complaints cluster, difficult cases list masked tickets."""

from __future__ import annotations

from datetime import timedelta

from app.demo import history
from app.engine.clock import clock
from app.extensions import db
from app.services.reports import hotspots, keywords, periods
from tests.conftest import shanghai
from tests.helpers import user

PHONE = "13912345678"


def _seed():
    now = clock.now()
    sections = history.section_ids()
    history.seed_history(120, shanghai(2026, 10, 1), shanghai(2026, 11, 1), now, seed=2, prefix="O")
    history.seed_history(120, shanghai(2026, 11, 1), shanghai(2026, 11, 20), now, seed=1, prefix="N")
    surge = history.make_rows(25, shanghai(2026, 11, 10), shanghai(2026, 11, 20), now, seed=9, sections=sections,
                              prefix="S")
    for n, row in enumerate(surge):
        row.update(topic="文化->文化市场->网吧", ticket_type="投诉", street="东华街道", enterprise="极速网咖",
                   title="网吧接纳未成年人", excluded=False,
                   content=f"来电人{PHONE}反映极速网咖晚上接纳未成年人上网，不核验身份证，第{n}次。",
                   reply_deadline=now - timedelta(days=1), closed_at=None, state="办理中")
    history.insert_rows(surge)
    db.session.commit()


def test_rising_topics_keywords_clusters_and_difficult_cases(app):
    _seed()
    period = periods.month("2026-11")
    h = hotspots.analyse(period, user("tongji"))
    top = h["topics"][0]
    assert top["key"] == "文化->文化市场->网吧" and top["rising"]
    assert top["delta"] == top["current"] - top["previous"] > 20
    assert top["args"]["topic_path"] == "文化->文化市场->网吧"
    words = [k["word"] for k in h["keywords"]]
    assert "未成年人" in words and "来电人" not in words  # a stop word
    cafe = next(k for k in h["keywords"] if k["word"] == "未成年人")
    assert cafe["current"] > cafe["previous"]
    biggest = h["clusters"][0]
    assert biggest["topic"] == "文化->文化市场->网吧" and biggest["size"] >= 25
    overdue = next(d for d in h["difficult"] if d["key"] == "overdue")
    assert overdue["count"] >= 25 and overdue["tickets"]
    shown = " ".join(t["content"] for d in h["difficult"] for t in d["tickets"])
    assert PHONE not in shown  # the analyst reads masked texts


def test_the_analyst_edits_the_dictionary_and_stop_words(app, browser):
    _seed()
    b = browser("tongji")
    page = b.get("/reports/hotspots?kind=month&month=2026-11").get_data(as_text=True)
    assert "上升的问题分类" in page and "网吧" in page and PHONE not in page
    response = b.post("/reports/keywords", {"user_words": "极速网咖\n身份证", "stop_words": "未成年人\n来电人",
                                            "next": "/reports/hotspots?kind=month&month=2026-11"},
                      form_url="/reports/hotspots")
    assert response.status_code == 302
    assert keywords.stop_words() == ["未成年人", "来电人"] and "极速网咖" in keywords.user_words()
    words = [k["word"] for k in hotspots.keyword_rise(periods.month("2026-11"))]
    assert "未成年人" not in words and "极速网咖" in words
    assert browser("zhuguan").post("/reports/keywords", {"user_words": "", "stop_words": ""},
                                   form_url="/reports/hotspots").status_code == 403


def test_a_topic_report_on_internet_cafes_as_word(app, browser):
    import io

    from docx import Document

    _seed()
    b = browser("tongji")
    url = "/reports/topic?kind=month&month=2026-11&topic=文化->文化市场->网吧"
    page = b.get(url).get_data(as_text=True)
    assert "关于“网吧”类诉求的专题分析报告" in page and "一、基本情况" in page and PHONE not in page
    text = "网吧接纳未成年人问题集中在东华街道，建议联合属地开展专项检查。"
    response = b.post(url, {"topic": "文化->文化市场->网吧", "text": text}, form_url=url)
    assert response.status_code == 200 and "wordprocessingml" in response.mimetype
    doc = Document(io.BytesIO(response.data))
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "关于“网吧”类诉求的专题分析报告" in body and "2026年11月" in body and text in body
    assert "五、分析与建议" in body and "东华街道" in body and PHONE not in body
    assert len(doc.tables) == 2 and doc.tables[0].rows[1].cells[0].text == "受理"


def test_a_topic_with_a_line_break_is_refused_with_a_message(app, browser):
    """The topic names the Word file: a typed line break (a header the server cannot send: a 500) is refused."""
    b = browser("tongji")
    url = "/reports/topic?kind=month&month=2026-11"
    response = b.post(url, {"topic": '网吧"\r\nX-Evil: 1', "text": "分析"}, form_url=url)
    assert response.status_code == 200 and "X-Evil" not in str(response.headers)
    assert "问题分类含有换行等控制字符" in response.get_data(as_text=True)


def test_a_cluster_of_complaints_shows_no_callers_name_among_its_words(app):
    """A caller whose name the texts repeat (张三丰反映…): the cluster's words once listed it to analysts."""
    now = clock.now()
    rows = history.make_rows(4, shanghai(2026, 11, 10), shanghai(2026, 11, 20), now, seed=3,
                             sections=history.section_ids(), prefix="Z")
    for row in rows:
        row.update(topic="文化->文化市场->网吧", ticket_type="投诉", caller_name="张三丰", title="张三丰反映网吧接纳未成年人",
                   content="张三丰反映极速网咖接纳未成年人上网，张三丰要求查处。", excluded=False)
    history.insert_rows(rows)
    db.session.commit()
    clusters = hotspots.clusters(periods.month("2026-11"))
    assert clusters and "极速网咖" in clusters[0]["words"]
    assert not any("张三丰" in w for c in clusters for w in c["words"])


def test_a_typed_topic_gives_the_word_file_a_plain_name(app, browser):
    b = browser("tongji")
    url = "/reports/topic?kind=month&month=2026-11"
    response = b.post(url, {"topic": '文化->网吧"; filename="../../evil.exe', "text": ""}, form_url=url)
    assert response.status_code == 200 and "wordprocessingml" in response.mimetype
    disposition = response.headers["Content-Disposition"]
    assert "evil.exe" not in disposition and "/" not in disposition and '\\"' not in disposition
    assert "%E7%BD%91%E5%90%A7filenameevilexe-2026-11.docx" in disposition  # 网吧filenameevilexe
