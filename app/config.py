"""Configuration, read from the environment (JIESU_*) with embedded defaults."""

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    SECRET_KEY = os.environ.get("JIESU_SECRET_KEY", "dev-only-change-me")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "JIESU_DATABASE_URL", f"sqlite:///{PROJECT_DIR / 'instance' / 'jiesu.sqlite'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # 在进程内运行定时器扫描（演示模式，单进程） / run the timer sweep in-process (demo)
    JIESU_INPROCESS_WORKER = _bool("JIESU_INPROCESS_WORKER", False)
    # 模拟时钟：允许管理员拨动时钟 / let an admin move the clock (demo and simulation only)
    JIESU_SIMULATION = _bool("JIESU_SIMULATION", False)
    JIESU_PROCESS_DIR = os.environ.get("JIESU_PROCESS_DIR", str(PROJECT_DIR / "processes"))
    JIESU_UPLOAD_DIR = os.environ.get("JIESU_UPLOAD_DIR", str(PROJECT_DIR / "instance" / "uploads"))
    # 导入的上传文件在服务器上保留多久（小时） / how long an uploaded import file waits for its confirmation
    JIESU_STAGED_UPLOAD_HOURS = int(os.environ.get("JIESU_STAGED_UPLOAD_HOURS", "24"))
    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    BABEL_TRANSLATION_DIRECTORIES = str(PACKAGE_DIR / "translations")
    LANGUAGES = {"zh_Hans_CN": "简体中文", "en": "English"}
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
