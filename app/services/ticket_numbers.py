"""工单编号 for tickets entered at the desk without a platform number (a walk-in visitor, a letter).

The number is the channel's prefix, the local date and a sequence of the day: ``LF202612010001``
is the first 来访 of 2026-12-01. The next number is the day's highest plus one; the ticket
number's unique index is what makes it safe under concurrency: of two entries that took the
same number, the second fails on insert and ``tickets.create_ticket`` tries the next one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.engine.clock import LOCAL_TZ, clock
from app.extensions import db
from app.models import Ticket

PREFIXES = {"来访": "LF", "电话": "DH", "信件": "XJ", "网络": "WL"}
OTHER_PREFIX = "SG"  # 手工录入 without a channel
DIGITS = 4


def prefix_for(channel: str, now: datetime | None = None) -> str:
    day = (now or clock.now()).astimezone(LOCAL_TZ).strftime("%Y%m%d")
    return PREFIXES.get(channel, OTHER_PREFIX) + day


def next_number(channel: str, now: datetime | None = None) -> str:
    """The day's next free number for ``channel`` (read in the caller's transaction)."""
    prefix = prefix_for(channel, now)
    # a range over the unique index: numbers of this prefix and exactly DIGITS more digits
    highest = db.session.scalar(
        select(Ticket.ticket_no).where(Ticket.ticket_no >= prefix + "0" * DIGITS,
                                       Ticket.ticket_no <= prefix + "9" * DIGITS)
        .order_by(Ticket.ticket_no.desc()).limit(1))
    sequence = int(highest[len(prefix):]) + 1 if highest and highest[len(prefix):].isdigit() else 1
    return f"{prefix}{sequence:0{DIGITS}d}"
