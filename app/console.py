"""The ``jiesu`` command line (``[project.scripts]``): the app's commands plus ``jiesu demo``."""

from __future__ import annotations

import os
import time
from pathlib import Path

import click
from flask.cli import FlaskGroup
from sqlalchemy.exc import OperationalError, ProgrammingError

from app import create_app
from app.cli import serve_app, upgrade_database
from app.config import PROJECT_DIR
from app.demo import history, seed_demo
from app.engine.clock import clock
from app.extensions import db
from app.seed import seed_base


class JiesuGroup(FlaskGroup):
    """Commands run against a database without its tables (the wrong database, or before ``init-db``)
    are told so in one line instead of a SQLAlchemy traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (OperationalError, ProgrammingError) as exc:
            if not missing_table(exc):
                raise
            url = os.environ.get("JIESU_DATABASE_URL") or "instance/jiesu.sqlite"
            raise click.ClickException(
                f"数据库 {url} 还没有建表：先运行 jiesu init-db；演示库（jiesu demo）在 instance/demo.sqlite，"
                "请设置 JIESU_DATABASE_URL=sqlite:///$PWD/instance/demo.sqlite 后再运行") from exc


def missing_table(exc: Exception) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return "no such table" in text or ("relation" in text and "does not exist" in text)


@click.group(cls=JiesuGroup, create_app=lambda: create_app(), add_default_commands=False)
def main():
    """接诉 Jiesu: the 12345 work-order desk."""


@main.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--reset", is_flag=True, help="start from an empty demo database")
@click.option("--no-history", is_flag=True, help="without the year of closed tickets the reports show")
def demo(host, port, reset, no_history):
    """Start the desk with demo data on SQLite, timers firing in-process and a movable clock."""
    db_path = Path(os.environ.get("JIESU_DEMO_DB", PROJECT_DIR / "instance" / "demo.sqlite"))
    if reset:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "JIESU_SIMULATION": True})
    with app.app_context():
        upgrade_database()
        seed_base()
        seed_demo()
        if not no_history:
            history.seed_demo_history(clock.now())
        db.session.remove()
    time.sleep(0)
    serve_app(app, host, port, with_worker=True)



if __name__ == "__main__":
    main()
