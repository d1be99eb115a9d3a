"""统计报表: reports over a period (day, week, month, assessment period, any range), computed in SQL.

- ``periods``: what a report covers and the periods it is compared with
- ``conditions``: the SQL condition of every count, shared with the ledger's filter
- ``figures``: the figures of one report (a plain dict, what a published report freezes)
"""

from app.services.reports.periods import Period

__all__ = ["Period"]
