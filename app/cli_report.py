"""``jiesu report daily|weekly|monthly|assessment|range``: a report as xlsx, pdf or json, for automation."""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from app.services import ServiceError
from app.services.reports import documents, figures, periods

KINDS = {"daily": "day", "weekly": "week", "monthly": "month", "assessment": "assessment", "range": "range"}


@click.command("report")
@click.argument("kind", type=click.Choice(list(KINDS)))
@click.option("--date", "day", help="日报、周报：YYYY-MM-DD（默认今天）")
@click.option("--month", help="月报、考核期：YYYY-MM（默认本月）")
@click.option("--from", "first", help="区间：开始日期 YYYY-MM-DD")
@click.option("--to", "last", help="区间：结束日期 YYYY-MM-DD（含）")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "pdf", "json"]), default="xlsx", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="文件（默认标准输出，仅 json）")
@with_appcontext
def report_command(kind, day, month, first, last, fmt, output):
    """统计报表：导出一期报表（Excel、PDF 或 JSON）。"""
    args = {"kind": KINDS[kind], "date": day, "month": month, "from": first, "to": last}
    try:
        period = periods.from_args({k: v for k, v in args.items() if v})
        r = figures.compute(period)
        if fmt == "json":
            content = json.dumps(r, ensure_ascii=False, indent=1).encode("utf-8")
        elif fmt == "xlsx":
            content = documents.report_xlsx(r)
        else:
            from app.web.reports import document_html  # noqa: PLC0415 - the page template, rendered offline

            with current_app.test_request_context("/", base_url="http://localhost/"):
                content = documents.html_to_pdf(document_html(period, r), "http://localhost/")
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from exc
    if output:
        with open(output, "wb") as handle:
            handle.write(content)
        click.echo(f"已写入 {output}：{period.kind_label} {period.title}，受理 {r['counts'][0]['value']} 件。")
    elif fmt == "json":
        sys.stdout.write(content.decode("utf-8") + "\n")
    else:
        raise click.ClickException("Excel 和 PDF 请用 -o 指定文件。")
