"""Configuration, read from the environment (JIESU_*) with embedded defaults."""

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
MB = 1024 * 1024


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value.isdigit() else default


class Config:
    # None: app/secret_key.py loads (or creates once) instance/secret_key; a weak key is refused.
    SECRET_KEY = os.environ.get("JIESU_SECRET_KEY") or None
    JIESU_INSTANCE_DIR = os.environ.get("JIESU_INSTANCE_DIR", str(PROJECT_DIR / "instance"))
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "JIESU_DATABASE_URL", f"sqlite:///{PROJECT_DIR / 'instance' / 'jiesu.sqlite'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # 每个进程的数据库连接数 / database connections a process keeps (and as many more at a peak, closed after
    # use): twice it at least ``jiesu serve --threads``, so that no request thread waits for a connection
    JIESU_DB_POOL_SIZE = _int("JIESU_DB_POOL_SIZE", 10)
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
    # The audience hook (app/web/audiences.py) checks CSRF itself, after it has refused what the
    # user may not do and set the route's body limit, so that nothing is read before.
    WTF_CSRF_CHECK_DEFAULT = False

    # Sessions (app/services/sessions.py): server-side, ended by logout, password change, disabling.
    JIESU_HTTPS = _bool("JIESU_HTTPS", False)  # behind HTTPS: Secure cookies and HSTS
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = JIESU_HTTPS
    # The cookie lasts the session's lifetime from sign-in; the idle limit is kept on the server, so the
    # cookie is not signed and sent again on every answer.
    SESSION_REFRESH_EACH_REQUEST = False
    JIESU_SESSION_IDLE_MINUTES = _int("JIESU_SESSION_IDLE_MINUTES", 60)
    JIESU_SESSION_MAX_HOURS = _int("JIESU_SESSION_MAX_HOURS", 12)  # one shift
    # How many reverse proxies put X-Forwarded-For / -Proto in front of the app (0: none).
    JIESU_PROXY_COUNT = _int("JIESU_PROXY_COUNT", 0)

    # Logins (app/services/login_guard.py): lockout after this many failures within the window.
    JIESU_LOGIN_MAX_FAILURES = _int("JIESU_LOGIN_MAX_FAILURES", 10)
    JIESU_LOGIN_MAX_FAILURES_PER_ADDRESS = _int("JIESU_LOGIN_MAX_FAILURES_PER_ADDRESS", 30)
    JIESU_LOGIN_WINDOW_MINUTES = _int("JIESU_LOGIN_WINDOW_MINUTES", 15)
    JIESU_LOGIN_LOCK_MINUTES = _int("JIESU_LOGIN_LOCK_MINUTES", 15)
    JIESU_PASSWORD_MIN_LENGTH = _int("JIESU_PASSWORD_MIN_LENGTH", 10)

    # Request bodies: 1 MB for any route that takes no files; a route that takes files declares
    # its own limit (app/web/audiences.py), set before its body is read; `jiesu serve` makes
    # waitress refuse anything above the largest of them from the headers alone.
    MAX_CONTENT_LENGTH = 1 * MB
