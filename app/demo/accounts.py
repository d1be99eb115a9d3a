"""The demo desk's accounts: one user for every role (password ``jiesu2026``), never for production."""

from __future__ import annotations

DEMO_PASSWORD = "jiesu2026"
DEMO_USERS = [
    # username, name, roles, section
    ("paidan", "张敏", "dispatcher", None),
    ("zhiban", "刘洋", "duty,dispatcher", None),
    ("wenhua", "王磊", "handler", "culture_market"),
    ("wenhua2", "赵静", "handler", "culture_market"),
    ("lvyou", "陈晨", "handler", "tourism_market"),
    ("gonggong", "孙丽", "handler", "public_service"),
    ("shenhe", "周强", "reviewer", None),
    ("huifang", "吴芳", "callback", None),
    ("tongji", "郑欣", "analyst", None),
    ("jiancha", "冯刚", "inspector", None),
    ("zhuguan", "李主任", "supervisor", None),
    ("fenguan", "赵副局长", "leader", None),
    ("liucheng", "何工", "process_owner,admin", None),
]
