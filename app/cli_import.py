"""``jiesu import FILE``: import the platform's Excel/CSV export from the command line."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from app.cli_paths import EXISTING_FILE
from app.extensions import db
from app.models import User
from app.services import ServiceError
from app.services import ticket_import as ti

SHOW_ROWS = 10  # problem rows printed per kind in the preview
SHOW_PROBLEMS = 50  # problem rows printed after the import


def _echo_rows(title: str, rows: list, total: int) -> None:
    if not total:
        return
    click.echo(f"  {title}（共 {total} 行，前 {min(total, len(rows))} 行）：")
    for row in rows:
        for message in row.errors or [row.note or f"第 {row.row} 行"]:
            click.echo(f"    {message}")


@click.command("import")
@click.argument("path", type=EXISTING_FILE)
@click.option("--dry-run", is_flag=True, help="只预览，不写入")
@click.option("--user", "username", default=None, help="记为导入人的用户名（派单员或值班员）")
@click.option("--report", type=click.Path(dir_okay=False, writable=True), default=None,
              help="把所有未导入的行（行号、工单编号、原因）写入这个 CSV 文件")
@with_appcontext
def import_command(path, dry_run, username, report):
    """导入平台导出的工单（.xlsx 或 .csv）：先预览，再逐条导入；按工单编号去重，重复导入不会重复建单。"""
    from sqlalchemy import select

    actor = None
    if username:
        actor = db.session.scalar(select(User).where(User.username == username))
        if actor is None:
            raise click.ClickException(f"用户 {username} 不存在。")
    try:
        parsed = ti.read_file(path)
    except ti.ImportFileError as exc:
        click.echo(f"错误：{exc}", err=True)
        raise SystemExit(2) from exc
    preview = ti.preview(parsed)
    counts = preview.counts
    where = f"工作表“{parsed.sheet}”" if parsed.sheet else f"CSV，{parsed.encoding} 编码"
    click.echo(f"文件：{parsed.filename}（{where}，表头在第 {parsed.header_row} 行，{len(parsed.rows)} 行数据）")
    if parsed.ignored_columns:
        click.echo(f"忽略的列：{'、'.join(parsed.ignored_columns)}")
    click.echo(f"预览：新工单 {counts[ti.NEW]} · 已存在（相同）{counts[ti.IDENTICAL]} · "
               f"编号冲突 {counts[ti.CONFLICT]} · 数据有误 {counts[ti.INVALID]}")
    _echo_rows("数据有误", preview.first(ti.INVALID, SHOW_ROWS), counts[ti.INVALID])
    _echo_rows("编号冲突", preview.first(ti.CONFLICT, SHOW_ROWS), counts[ti.CONFLICT])
    if dry_run:
        click.echo("试运行（--dry-run）：未写入任何数据。")
        if counts[ti.NEW] + counts[ti.IDENTICAL] == 0 and counts[ti.CONFLICT] + counts[ti.INVALID] > 0:
            raise SystemExit(1)
        return

    started = time.monotonic()
    with click.progressbar(length=len(parsed.rows), label="导入中", show_pos=True, show_percent=True,
                           item_show_func=lambda s: s) as bar:
        shown = [0]

        def progress(summary):
            bar.update(summary.done - shown[0], f"新建 {summary.created}")
            shown[0] = summary.done

        try:
            summary = ti.run_import(parsed, actor, progress)
        except ServiceError as exc:
            raise click.ClickException(str(exc)) from exc
    elapsed = time.monotonic() - started
    rate = summary.total / elapsed if elapsed > 0 else 0
    click.echo(f"完成：新建 {summary.created}，跳过 {summary.skipped}（已存在），编号冲突 {summary.conflicts}，"
               f"数据有误 {summary.invalid}，保存失败 {summary.failed}。用时 {elapsed:.1f} 秒（{rate:.0f} 行/秒）。")
    if summary.problems:
        click.echo("未导入的行：")
        for problem in summary.problems[:SHOW_PROBLEMS]:
            for message in problem["messages"]:
                click.echo(f"  {message}")
        if len(summary.problems) > SHOW_PROBLEMS:
            click.echo(f"  …… 另有 {len(summary.problems) - SHOW_PROBLEMS} 行，用 --report 文件名 导出全部。")
    if report:
        with open(report, "w", newline="", encoding="utf-8") as fh:
            fh.write(ti.problems_csv(summary.problems))  # with the BOM Excel needs
        click.echo(f"问题行已写入 {report}。")
    if summary.nothing_imported_for_errors:
        raise SystemExit(1)
