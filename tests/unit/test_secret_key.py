"""The session key: weak keys refused, a generated one kept once with mode 0600."""

import os
import stat

import pytest

from app import secret_key


def config(tmp_path, **values):
    return {"SECRET_KEY": None, "TESTING": False, "JIESU_INSTANCE_DIR": str(tmp_path), **values}


@pytest.mark.parametrize("key", ["dev-only-change-me", "changeme", "short-key", "a" * 40, "ab" * 20])
def test_a_weak_key_refuses_to_start(tmp_path, key):
    with pytest.raises(secret_key.InsecureSecretKey, match="拒绝启动"):
        secret_key.resolve(config(tmp_path, SECRET_KEY=key))


def test_without_a_key_one_is_generated_once_with_mode_0600(tmp_path):
    first = secret_key.resolve(config(tmp_path))
    path = tmp_path / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 48 and secret_key.weakness(first) is None
    assert secret_key.resolve(config(tmp_path)) == first, "the next start reads the same key"
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"], "no temporary file is left"


def test_a_key_file_others_can_read_is_refused(tmp_path):
    secret_key.resolve(config(tmp_path))
    os.chmod(tmp_path / "secret_key", 0o644)
    with pytest.raises(secret_key.InsecureSecretKey, match="权限过宽"):
        secret_key.resolve(config(tmp_path))
