"""Password rules: long enough, not the user name, not a well-known password, not a run of one key.

The list of well-known passwords ships in the package (app/data/common_passwords.txt); the
demo's published password is on it, so it can never become a real one.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from flask import current_app, has_app_context

from app.services import InvalidInput, _

LIST_PATH = Path(__file__).resolve().parents[1] / "data" / "common_passwords.txt"
MAX_LENGTH = 128


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = LIST_PATH.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


DEFAULT_MIN_LENGTH = 10


def min_length() -> int:
    return current_app.config.get("JIESU_PASSWORD_MIN_LENGTH", DEFAULT_MIN_LENGTH) if has_app_context() \
        else DEFAULT_MIN_LENGTH


def _sequential(text: str) -> bool:
    """1234567890, abcdefgh, 9876543210 ...: each character one step from the last."""
    steps = {ord(b) - ord(a) for a, b in zip(text, text[1:], strict=False)}
    return len(steps) == 1 and steps <= {1, -1}


def _common_repeated(lowered: str) -> bool:
    """jiesu2026jiesu2026, password123password123: a well-known password written twice (or more)."""
    for size in range(4, len(lowered) // 2 + 1):
        if len(lowered) % size == 0 and lowered[:size] * (len(lowered) // size) == lowered:
            return lowered[:size] in common_passwords()
    return False


def problem(password: str, username: str = "", name: str = "") -> str | None:
    """Why ``password`` is not acceptable, or None."""
    password = password or ""
    lowered = password.lower()
    if len(password) < min_length():
        return _("密码至少 %(n)s 位。", n=min_length())
    if len(password) > MAX_LENGTH:
        return _("密码不能超过 %(n)s 位。", n=MAX_LENGTH)
    user = (username or "").strip().lower()
    if len(user) >= 3 and (user in lowered or user[::-1] in lowered):
        return _("密码不能包含用户名。")
    if name and len(name.strip()) > 1 and name.strip().lower() in lowered:
        return _("密码不能包含姓名。")
    core = re.sub(r"[\d!@#$%^&*.?_\-]+$", "", lowered)  # Password2026! is password
    if lowered in common_passwords() or (len(core) >= 4 and core in common_passwords()) or _common_repeated(lowered):
        return _("这是常见密码，很容易被猜中，请换一个。")
    if len(set(password)) < 4 or _sequential(lowered):
        return _("密码过于简单（字符重复或连续），请换一个。")
    return None


def require_acceptable(password: str, username: str = "", name: str = "", field: str = "password") -> None:
    """Raise InvalidInput on ``field`` if the password breaks a rule."""
    message = problem(password, username, name)
    if message:
        raise InvalidInput({field: message})
