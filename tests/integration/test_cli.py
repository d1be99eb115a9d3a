"""The jiesu command: users, deployment, the timer worker."""

from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from app.engine.clock import clock
from app.extensions import db
from app.models import Alert, User
from tests.helpers import new_ticket, run_to


def test_user_add_hashes_the_password_and_validates_roles(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["user", "add", "li", "--name", "李四", "--roles", "handler",
                                 "--section", "culture_market", "--password", "s3cret-pass"])
    assert result.exit_code == 0, result.output
    assert "已添加用户 li" in result.output
    user = db.session.scalar(select(User).where(User.username == "li"))
    assert user.password_hash != "s3cret-pass" and user.check_password("s3cret-pass")
    assert user.groups == {"handler", "culture_market"}
    result = runner.invoke(args=["user", "add", "wang", "--name", "王五", "--roles", "boss",
                                 "--password", "s3cret-pass"])
    assert result.exit_code != 0 and "未知角色：boss" in result.output
    result = runner.invoke(args=["user", "add", "zhao", "--name", "赵六", "--roles", "handler",
                                 "--section", "nowhere", "--password", "s3cret-pass"])
    assert result.exit_code != 0 and "科室代码 nowhere 不存在" in result.output
    assert db.session.scalar(select(func.count(User.id)).where(User.username.in_(["wang", "zhao"]))) == 0


def test_worker_once_fires_due_timers(app):
    ticket = new_ticket(urgency="紧急")  # 2-hour response limit (特急 would also raise an early warning)
    run_to(ticket, stop_before="respond")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["worker", "--once"])
    assert "触发 0 个定时器" in result.output
    clock.advance(timedelta(hours=2, minutes=1))
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0 and "触发 1 个定时器" in result.output
    assert db.session.scalar(select(func.count(Alert.id))) == 1


def test_deploy_refuses_a_broken_file(app, tmp_path):
    broken = tmp_path / "broken.bpmn"
    broken.write_text("<definitions>", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["deploy", str(broken)])
    assert result.exit_code == 2 and "不是有效的 BPMN XML" in result.output
    good = Path(app.config["JIESU_PROCESS_DIR"]) / "ticket.bpmn"
    result = app.test_cli_runner().invoke(args=["deploy", str(good), "--comment", "test"])
    assert result.exit_code == 0 and "与当前版本相同，未部署" in result.output
    changed = tmp_path / "ticket.bpmn"
    changed.write_bytes(good.read_bytes().replace('name="回访"'.encode(), 'name="电话回访"'.encode(), 1))
    result = app.test_cli_runner().invoke(args=["deploy", str(changed), "--comment", "test"])
    assert result.exit_code == 0 and "第 2 版" in result.output


def test_a_command_on_a_database_without_tables_says_so_in_chinese(tmp_path):
    """``jiesu apikey list`` against the wrong database (the demo's is another file) is one clear line."""
    import os
    import subprocess
    import sys

    jiesu = Path(sys.executable).with_name("jiesu")
    env = dict(os.environ, JIESU_DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite'}")
    result = subprocess.run([str(jiesu), "apikey", "list"], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "还没有建表：先运行 jiesu init-db" in result.stderr and "instance/demo.sqlite" in result.stderr
    assert "Traceback" not in result.stderr and "sqlalchemy" not in result.stderr.lower()
