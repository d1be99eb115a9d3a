"""processes/report_cycle.bpmn: the daily/weekly/monthly report drafts (app/services/reports/archive.py)."""

from app.diagrams import Process

PROCESS = Process("report_cycle", "report_cycle.bpmn")
NEXT_REPORT_TIME = PROCESS.variable("next_report_time")
MADE_REPORTS = PROCESS.variable("made_reports")
