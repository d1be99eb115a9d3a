"""The app's commands (``jiesu init-db``, ``serve``, ``worker`` ...), registered by ``create_app``.

The ``jiesu`` entry point itself, and ``jiesu demo``, are in app/console.py."""

from __future__ import annotations

import gc
import signal
import threading
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import select
from waitress import serve as waitress_serve

from app import demo
from app.cli_apikey import apikey_group
from app.cli_import import import_command
from app.cli_paths import EXISTING_FILE
from app.cli_report import report_command
from app.extensions import db
from app.models import User
from app.seed import seed_base
from app.services import ServiceError, deployment, ledger_export, textsim
from app.services.export_runner import ExportRunner
from app.services.scheduler import Scheduler
from app.services.settings import load_clock_offset
from app.services.timers import sweep
from app.services.users import add_user, reset_password, unlock
from app.web.audiences import largest_body


def register_cli(app):
    for command in (init_db, seed, serve, worker, user_group, deploy, lint, import_command, apikey_group,
                    report_command, exports_group):
        app.cli.add_command(command)


def upgrade_database():
    """Bring the schema to the latest Alembic revision."""
    upgrade(directory=str(Path(__file__).parent / "migrations"))


@click.command("init-db")
@with_appcontext
def init_db():
    """Create or upgrade the schema and seed calendar, sections and processes."""
    upgrade_database()
    seed_base()
    click.echo("数据库已就绪。")


@click.command("seed")
@click.option("--demo-data/--no-demo-data", default=True, help="demo users and tickets")
@with_appcontext
def seed(demo_data):
    seed_base()
    if demo_data:
        demo.seed_demo()
    click.echo("已写入基础数据" + ("和演示数据" if demo_data else "") + "。")


@click.command("deploy")
@click.argument("path", type=EXISTING_FILE)
@click.option("--comment", default="")
@with_appcontext
def deploy(path, comment):
    """Deploy a BPMN diagram as a new process version (refused with the deploy check's problems)."""
    try:
        version = deployment.deploy(Path(path).read_bytes(), comment=comment)
    except deployment.DeployRefused as exc:
        for problem in exc.report.problems:
            click.echo(f"{path}: {problem.line()}", err=True)
        raise SystemExit(2) from exc
    except deployment.Unchanged as exc:
        click.echo(str(exc))
        return
    for warning in getattr(version, "check_warnings", []):
        click.echo(f"{path}: 提醒 {warning}", err=True)
    click.echo(f"已部署 {version.process_key} 第 {version.version} 版。")


@click.command("lint")
@click.argument("paths", nargs=-1, required=True, type=EXISTING_FILE)
@click.option("--dry-run", "dry_run", is_flag=True, help="also start each diagram on a virtual clock; print JSON")
@click.option("--data", "data", default="", help="sample variables for the dry run, as a JSON object")
@with_appcontext
def lint(paths, dry_run, data):
    """Check diagrams as deploy would: one line per problem, exit 1 if any would be refused."""
    import json

    sample = json.loads(data) if data else {}
    refused = False
    results = []
    for path in paths:
        xml = Path(path).read_bytes()
        if dry_run:
            report = deployment.dry_run(xml, sample)
            results.append({"file": path, **report.as_dict()})
            refused |= not report.ok
            continue
        report = deployment.lint(xml)
        for problem in report.problems:
            click.echo(f"{path}: {problem.line()}")
        refused |= not report.ok
    if dry_run:
        click.echo(json.dumps(results[0] if len(results) == 1 else results, ensure_ascii=False, indent=2))
    raise SystemExit(1 if refused else 0)


@click.command("worker")
@click.option("--once", is_flag=True, help="one sweep, then exit")
@click.option("--max-sleep", default=30.0, show_default=True,
              help="seconds between looks at the due index while notifications arrive (PostgreSQL)")
@with_appcontext
def worker(once, max_sleep):
    """Fire due BPMN timers and make the queued ledger exports (run one or more next to the web
    servers). SIGTERM or Ctrl+C: the instance in hand is fired and committed, an export in hand goes
    back to the queue, then the worker exits with status 0."""
    if once:
        load_clock_offset()
        result = sweep()
        click.echo(f"扫描完成：{result.instances} 个流程实例，触发 {result.fired} 个定时器，{result.errors} 个出错。")
        click.echo(f"导出任务：完成 {ledger_export.run_pending()} 个。")
        return
    app = current_app._get_current_object()
    scheduler = Scheduler(app, max_sleep=max_sleep)
    exports = ExportRunner(app, max_sleep=max_sleep)

    def stop(signum, _frame):
        scheduler.stop()
        exports.stop()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)
    click.echo("定时器进程已启动（Ctrl+C 或 SIGTERM 退出）。", err=True)
    _freeze_long_lived()
    exports.start()
    scheduler.run()
    exports.join(30)
    click.echo("定时器进程已停止。", err=True)


def _freeze_long_lived() -> None:
    """What start-up made (models, diagrams, the app, jieba's dictionary) lives as long as the process:
    it is taken out of the garbage collector's full passes, which otherwise stopped a request for about
    0.2 s every few hundred requests to walk it all again."""
    gc.collect()
    gc.freeze()


def _warm_up() -> None:
    textsim.tokenizer()
    _freeze_long_lived()


def serve_app(app, host, port, with_worker, threads=8):
    # jieba's dictionary (0.7-4 s) is loaded while the server starts, not by the first search or push,
    # which would hold every request needing it behind the load
    threading.Thread(target=_warm_up, name="jieba-warm-up", daemon=True).start()
    if with_worker:
        app.extensions["jiesu_scheduler"] = scheduler = Scheduler(app)
        scheduler.start()
        app.extensions["jiesu_export_runner"] = exports = ExportRunner(app)
        exports.start()
    options = app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})
    pool, overflow = options.get("pool_size"), options.get("max_overflow", 0)
    wanted = threads + (2 if with_worker else 0)  # (the in-process scheduler and export runner take one each)
    if pool and wanted > pool + overflow:  # (0: no limit)
        click.echo(f"注意：--threads {threads} 多于数据库连接数的上限 {pool + overflow}（JIESU_DB_POOL_SIZE={pool}，"
                   f"高峰时再开同样多）：多出的请求要等连接。请把 JIESU_DB_POOL_SIZE 设为不少于 {-(-wanted // 2)}。",
                   err=True)
    click.echo(f"接诉工单台：http://{host}:{port}（{threads} 个线程）")
    # bodies above the largest route limit are refused from their Content-Length, before any is read
    waitress_serve(app, host=host, port=port, threads=threads, max_request_body_size=largest_body(app.config))


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256),
              help="waitress worker threads (requests served at once by this process)")
@click.option("--with-worker/--without-worker", default=False,
              help="also fire timers and make queued exports in this process")
@with_appcontext
def serve(host, port, threads, with_worker):
    """Serve the desk with waitress (production-style, no debugger)."""
    serve_app(current_app._get_current_object(), host, port, with_worker, threads)


@click.group("user")
def user_group():
    """Manage users."""


def _password(from_stdin: bool, prompt: bool = True) -> str | None:
    if from_stdin:
        line = click.get_text_stream("stdin").readline().rstrip("\r\n")
        if not line:
            raise click.ClickException("标准输入中没有密码。")
        return line
    if not prompt:
        return None
    return click.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码")


@user_group.command("add")
@click.argument("username")
@click.option("--name", required=True, help="姓名")
@click.option("--roles", required=True, help="comma-separated: dispatcher,handler,reviewer,callback,duty,"
                                              "analyst,inspector,supervisor,leader,process_owner,admin")
@click.option("--section", default=None, help="section code (科室代码)")
@click.option("--password", default=None, help="the password (prefer --password-stdin: a command line is visible "
                                                "to other users of the machine)")
@click.option("--password-stdin", is_flag=True, help="read the password from the first line of standard input")
@with_appcontext
def user_add(username, name, roles, section, password, password_stdin):
    """Add a user (the password rules apply: at least 10 characters, not the user name, not a common one)."""
    if password is None:
        password = _password(password_stdin)
    try:
        user = add_user(username, name, [r.strip() for r in roles.split(",") if r.strip()], section, password)
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"已添加用户 {user.username}（{'、'.join(user.role_labels)}）。")


def _user_id(username: str) -> int:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"用户 {username} 不存在。")
    return user.id


@user_group.command("reset-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="read the new password from standard input (else generated)")
@with_appcontext
def user_reset_password(username, password_stdin):
    """Give a user a temporary password (they must change it at the next sign-in); their sessions end."""
    try:
        user, password = reset_password(_user_id(username), None, _password(password_stdin, prompt=False))
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"已重置 {user.username} 的密码，下次登录须修改。" + ("" if password_stdin else f"临时密码：{password}"))


@user_group.command("unlock")
@click.argument("key")
@click.option("--address", is_flag=True, help="KEY is an address, not a user name")
@with_appcontext
def user_unlock(key, address):
    """Lift a login lockout of a user name (or, with --address, of an address) before it expires."""
    lifted = unlock("address" if address else "account", key, None)
    click.echo(f"已解除 {key} 的 {lifted} 个登录锁定。" if lifted else f"{key} 当前没有登录锁定。")


@click.group("exports")
def exports_group():
    """Ledger exports made in the background (导出任务)."""


@exports_group.command("purge")
@with_appcontext
def exports_purge():
    """Remove the exports (jobs and files) older than a week (the worker does it hourly too)."""
    click.echo(f"已删除 {ledger_export.purge_expired()} 个超过 {ledger_export.KEEP_DAYS} 天的导出任务及其文件。")


@exports_group.command("run")
@with_appcontext
def exports_run():
    """Make the queued exports now, one after another, then exit."""
    load_clock_offset()
    click.echo(f"导出任务：完成 {ledger_export.run_pending()} 个。")
