"""The key that signs session cookies: given in JIESU_SECRET_KEY, or generated once into the instance folder.

A weak key (short, the old built-in ``dev-only-change-me``, a well-known placeholder) is refused
at start-up, whatever the mode: anyone who knows the key can sign a cookie. Without a key, one
is generated with ``secrets`` into ``<instance>/secret_key`` (mode 0600) the first time and read
from there afterwards, so several processes on one machine share it; machines behind one
address must be given the same JIESU_SECRET_KEY. Tests get a random key per app.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

import click

MIN_LENGTH = 32
# Keys that have been published (the old default) or that people type as placeholders.
KNOWN_WEAK = {"dev-only-change-me", "changeme", "change-me", "secret", "secret-key", "secretkey",
              "your-secret-key", "development", "dev", "test", "jiesu", "please-change-me"}
FILE_NAME = "secret_key"


class InsecureSecretKey(click.ClickException):
    """The server refuses to start: the message says why and what to do."""

    exit_code = 2


def weakness(key: str) -> str | None:
    """Why ``key`` must not sign cookies, or None."""
    if key.strip().lower() in KNOWN_WEAK:
        return "JIESU_SECRET_KEY 是公开的默认值或占位符"
    if len(key) < MIN_LENGTH:
        return f"JIESU_SECRET_KEY 太短（{len(key)} 个字符，至少 {MIN_LENGTH} 个）"
    if len(set(key)) < 10:
        return "JIESU_SECRET_KEY 重复字符过多，不是随机生成的"
    return None


def _refuse(reason: str) -> InsecureSecretKey:
    return InsecureSecretKey(
        f"拒绝启动：{reason}。请设置足够强的 JIESU_SECRET_KEY（例如 python -c \"import secrets; "
        f"print(secrets.token_urlsafe(48))\" 的输出），或不设置它，由系统在实例目录中生成一次。")


def _read(path: Path) -> str:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise InsecureSecretKey(f"拒绝启动：密钥文件 {path} 的权限过宽（{stat.filemode(mode)}），"
                                f"请执行 chmod 600 {path}。")
    key = path.read_text(encoding="utf-8").strip()
    reason = weakness(key)
    if reason:
        raise _refuse(f"密钥文件 {path} 中的密钥不可用（{reason.removeprefix('JIESU_SECRET_KEY ')}）")
    return key


def _generate(path: Path) -> str:
    """Write a new key with mode 0600 under a temporary name and link it into place: two processes
    starting at once agree on one key (the second link fails and that process reads the first)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(secrets.token_urlsafe(48) + "\n")
        with contextlib.suppress(FileExistsError):  # another process linked its key first: use that one
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return _read(path)


def resolve(config) -> str:
    """The key to sign cookies with, from the app's config (raises InsecureSecretKey)."""
    key = config.get("SECRET_KEY")
    if key:
        reason = weakness(str(key))
        if reason:
            raise _refuse(reason)
        return str(key)
    if config.get("TESTING"):
        return secrets.token_urlsafe(48)
    path = Path(config["JIESU_INSTANCE_DIR"]) / FILE_NAME
    return _read(path) if path.exists() else _generate(path)
