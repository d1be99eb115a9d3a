"""Importing a 10,000-row platform export (.xlsx) through the service layer, twice.

Run from the repo root: ``.venv/bin/python bench/import_10k.py [--rows N] [--keep FILE]``.

Generates an export with realistic Chinese rows (topics, enterprises, streets of a Beijing
district, callers, times across November 2026) and a few problems mixed in: rows with a
bad date, a bad 紧急程度 or no 标题, exact duplicates of earlier rows, and rows reusing an
earlier 工单编号 with other content. Then, on a fresh SQLite file seeded like the tests:

1. read + parse the .xlsx (openpyxl read-only), 2. preview (classify against the DB),
3. import (``ticket_import.run_import``: each new row is ``intake.receive_ticket``, one
transaction and one BPMN process start per ticket), 4. the same file again (0 created).

Prints rows/s for each step. Figures only; the script checks the counts add up.
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import timedelta

from common import T0, cpu, fresh_app, load_note, perf
from openpyxl import Workbook
from sqlalchemy import func, select

from app import bootstrap, wiring
from app.extensions import db
from app.models import ProcessInstance, Ticket
from app.services import ticket_import as ti
from app.services.events import TicketCreated
from app.wiring import Wiring

HEADER = ["工单编号", "工单类型", "问题分类", "标题", "主要内容", "来电人", "来电号码", "被反映区", "街乡镇", "社区",
          "地址", "涉及企业", "来电时间", "派单时间", "办理时限", "紧急程度", "工单性质", "来源", "备注"]
TOPICS = [
    ("文化->文化市场->网吧", "网吧接纳未成年人", "来电人反映{e}晚上有未成年人上网，前台未核验身份证，希望相关部门查处。", "{e}"),
    ("文化->文化市场->歌舞娱乐", "KTV噪音扰民", "来电人反映{e}每晚营业到凌晨两点，噪音很大，影响居民休息。", "{e}KTV"),
    ("文化->文化市场->剧本娱乐", "剧本杀店拒不退费", "来电人在{e}办理预付卡，店铺停业后拒不退还余额约两千元。", "{e}剧本杀"),
    ("旅游->旅行社->强制购物", "一日游强制购物", "来电人参加{e}组织的长城一日游，导游带至玉器店强制购物，要求退款。", "{e}国际旅行社"),
    ("旅游->景区->票务", "景区门票预约问题", "来电人反映{e}景区线上预约系统无法退票，客服电话无人接听。", "{e}景区"),
    ("旅游->在线旅游->退订", "酒店退订纠纷", "来电人通过{e}平台预订酒店，行程取消后平台拒绝退款。", "{e}网络科技有限公司"),
    ("文化->演出->票务", "演出临时取消未退票", "来电人购买{e}剧场演出票，演出临时取消，至今未收到退款。", "{e}剧场"),
    ("公共服务->艺术培训->预付卡", "艺术培训机构跑路", "来电人在{e}艺术培训中心为孩子办理课程卡，机构突然关门。", "{e}艺术培训中心"),
    ("公共服务->图书馆->服务", "图书馆开放时间建议", "来电人建议{e}图书馆周末延长开放时间至晚九点。", "{e}图书馆"),
]
NAMES = ["鑫源", "华夏", "长安", "京韵", "天坛", "金鼎", "北辰", "紫禁", "东方", "锦华", "龙潭", "永安"]
STREETS = ["东华门街道", "景山街道", "交道口街道", "安定门街道", "北新桥街道", "东四街道", "朝阳门街道", "建国门街道",
           "东直门街道", "和平里街道", "前门街道", "崇文门外街道", "东花市街道", "龙潭街道", "体育馆路街道", "天坛街道"]
ROADS = ["东华门大街", "南锣鼓巷", "簋街", "王府井大街", "和平里西街", "前门大街", "崇文门外大街", "安定门内大街"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"


def make_rows(n: int, rng: random.Random) -> tuple[list[list], dict]:
    """n data rows: mostly good, with bad rows, duplicates and conflicting reuses of a number."""
    rows: list[list] = []
    bad = dup = conflict = 0
    serial = 0
    while len(rows) < n:
        i = len(rows)
        if i > 100 and i % 997 == 0:  # an exact copy of an earlier row (exported twice)
            rows.append(list(rows[rng.randrange(i - 100)]))
            dup += 1
            continue
        if i > 100 and i % 1499 == 0:  # an earlier 工单编号 with other content
            row = list(rows[rng.randrange(i - 100)])
            row[4] = row[4] + "（补充：来电人再次来电催促）"
            rows.append(row)
            conflict += 1
            continue
        serial += 1
        topic, title, text, enterprise = rng.choice(TOPICS)
        name = rng.choice(NAMES)
        called = T0 - timedelta(days=rng.randint(0, 24), minutes=rng.randint(0, 600))
        dispatched = called + timedelta(minutes=rng.randint(20, 180))
        urgency = rng.choices(["一般", "紧急", "特急"], [90, 9, 1])[0]
        row = [f"GD2026{11:02d}{serial:06d}", rng.choices(["投诉", "举报", "咨询", "求助", "建议"], [50, 15, 20, 10, 5])[0],
               topic, title, text.format(e=name), rng.choice(SURNAMES) + rng.choice(["先生", "女士"]),
               f"1{rng.choice('3589')}{rng.randrange(10**9):09d}", "东城区", rng.choice(STREETS), "",
               f"{rng.choice(ROADS)}{rng.randint(1, 200)}号", enterprise.format(e=name),
               called.strftime("%Y-%m-%d %H:%M"),  # text, as some exports write it
               dispatched.replace(tzinfo=None, second=0, microsecond=0),  # an Excel date cell
               (dispatched + timedelta(days=7)).strftime("%Y/%m/%d %H:%M:%S"),
               urgency, "主办", rng.choice(["市级直派", "区级转派"]), ""]
        if i % 733 == 5:  # a few bad rows of each kind
            kind = (i // 733) % 3
            if kind == 0:
                row[12] = "2026-11-31 25:61"
            elif kind == 1:
                row[15] = "加急"
            else:
                row[3] = ""
            bad += 1
        rows.append(row)
    return rows, {"bad": bad, "duplicates": dup, "conflicts": conflict}


def write_xlsx(path, rows) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("工单导出")
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    wb.save(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--keep", default=None, help="also save the generated .xlsx here")
    parser.add_argument("--no-hooks", action="store_true",
                        help="run without the ticket_created hooks (repeat detection, early warning ...)")
    args = parser.parse_args()
    print(load_note())
    with fresh_app() as (_app, tmp):
        if args.no_hooks:  # the app's wiring without what follows a new ticket
            full = bootstrap.build()
            bare = Wiring()
            bootstrap.wire_bpmn_functions(bare)
            bootstrap.wire_task_handlers(bare)
            bare._subscribers.update({kind: subs for kind, subs in full._subscribers.items()
                                      if kind is not TicketCreated})
            bootstrap.wire(_app, bare)
        print("ticket_created hooks:", [line for line in wiring.current().describe()
                                        if line.startswith("on TicketCreated")] or "none")
        rows, mixed = make_rows(args.rows, random.Random(12345))
        path = tmp / "export-10k.xlsx"
        t = perf()
        write_xlsx(path, rows)
        print(f"generated {len(rows)} rows ({mixed['bad']} bad, {mixed['duplicates']} duplicates, "
              f"{mixed['conflicts']} conflicting numbers): {path.stat().st_size / 1048576:.1f} MB in {perf() - t:.1f} s")
        if args.keep:
            write_xlsx(args.keep, rows)

        t, c = perf(), cpu()
        parsed = ti.read_file(path)
        read_s, read_cpu = perf() - t, cpu() - c
        print(f"read + parse:   {read_s:6.2f} s  {len(parsed.rows) / read_s:8.0f} rows/s  (CPU {read_cpu:.2f} s)")
        t = perf()
        preview = ti.preview(parsed)
        preview_s = perf() - t
        print(f"preview:        {preview_s:6.2f} s  {len(parsed.rows) / preview_s:8.0f} rows/s  counts {preview.counts}")

        marks = []

        def progress(summary):
            if summary.done % 1000 == 0 or summary.done == summary.total:
                marks.append((summary.done, perf()))
                print(f"  {summary.done:6d}/{summary.total}  created {summary.created}", flush=True)

        t, c = perf(), cpu()
        first = ti.run_import(parsed, progress=progress)
        first_s, first_cpu = perf() - t, cpu() - c
        print(f"import:         {first_s:6.2f} s  {first.total / first_s:8.1f} rows/s  "
              f"{first.created / first_s:6.1f} tickets/s  {first_s / max(first.created, 1) * 1000:.1f} ms/ticket "
              f"(CPU {first_cpu / max(first.created, 1) * 1000:.1f} ms/ticket)")
        print(f"   created {first.created}, skipped {first.skipped}, conflicts {first.conflicts}, "
              f"invalid {first.invalid}, failed {first.failed}")
        print(f"   bad rows by number: {[p['row'] for p in first.problems][:12]} ...")
        tickets = db.session.scalar(select(func.count(Ticket.id)))
        instances = db.session.scalar(select(func.count(ProcessInstance.id)))  # tickets, alerts ...
        db.session.remove()

        t = perf()
        again = ti.run_import(ti.read_file(path))
        again_s = perf() - t
        print(f"import again:   {again_s:6.2f} s  {again.total / again_s:8.1f} rows/s  created {again.created}, "
              f"skipped {again.skipped}, conflicts {again.conflicts}, invalid {again.invalid}")
        unchanged = (db.session.scalar(select(func.count(Ticket.id))) == tickets
                     and db.session.scalar(select(func.count(ProcessInstance.id))) == instances)
        print(f"tickets {tickets}, process instances {instances}; unchanged after the second import: {unchanged}")
        ok = (first.created == preview.counts["new"] and again.created == 0 and unchanged
              and first.invalid == mixed["bad"] and first.skipped == mixed["duplicates"]
              and first.conflicts == mixed["conflicts"])
        print("counts add up" if ok else "COUNTS DO NOT ADD UP")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
