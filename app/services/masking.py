"""Masking of citizens' personal data for roles that do not need it (pages, exports, API, reports)."""

from __future__ import annotations


def mask_phone(value: str) -> str:
    """13812345678 -> 138****5678"""
    value = (value or "").strip()
    if len(value) > 7:
        return value[:3] + "*" * (len(value) - 7) + value[-4:]
    return value[:1] + "*" * (len(value) - 1)


def mask_name(value: str) -> str:
    """李先生 -> 李**"""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1) if len(value) > 1 else "*"
