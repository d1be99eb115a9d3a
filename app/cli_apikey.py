"""``jiesu apikey create|list|revoke``: the platforms' API keys for /api/v1."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.engine.expressions import to_iso
from app.services import ServiceError
from app.services.apikeys import create_key, revoke_key
from app.services.apikeys import list_keys as keys


@click.group("apikey")
def apikey_group():
    """API keys of the city and district platforms (市级平台、区级平台)."""


@apikey_group.command("create")
@click.option("--platform", required=True, help="市级平台 or 区级平台 (also: 市级, 区级, city, district)")
@click.option("--label", default="", help="a note (备注), e.g. who holds the key; at most 80 characters")
@click.option("--scopes", default=None, help="space- or comma-separated, default: tickets:write tickets:read "
                                            "messages:write outbox; add all_platforms to reach other platforms' tickets")
@with_appcontext
def create(platform, label, scopes):
    """Create a key; it is shown once and only its hash is stored."""
    try:
        row, key = create_key(platform, label, scopes.replace(",", " ").split() if scopes else None)
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"已为{row.platform}创建 API 密钥（编号 {row.id}）。密钥只显示这一次，请妥善交给平台：")
    click.echo(key)


@apikey_group.command("list")
@with_appcontext
def list_keys():
    """All keys: id, platform, prefix, created, last used, revoked."""
    rows = keys()
    if not rows:
        click.echo("还没有 API 密钥。用 jiesu apikey create --platform 市级平台 创建。")
        return
    for row in rows:
        state = f"已吊销 {to_iso(row.revoked_at)}" if row.revoked_at else "有效"
        used = to_iso(row.last_used_at) if row.last_used_at else "从未使用"
        click.echo(f"{row.id}\t{row.platform}\t{row.prefix}…\t{row.scopes}\t创建 {to_iso(row.created_at)}\t最近使用 {used}\t{state}"
                   + (f"\t{row.label}" if row.label else ""))


@apikey_group.command("revoke")
@click.argument("key_id", type=int)
@with_appcontext
def revoke(key_id):
    """Revoke a key by its id: requests with it get 401 from now on."""
    try:
        row = revoke_key(key_id)
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"API 密钥 {row.id}（{row.platform}，{row.prefix}…）已吊销。")
