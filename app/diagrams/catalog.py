"""Every process the product starts, each with what its code relies on (see ``app/diagrams``)."""

from app.diagrams import (
    carried,
    early_warning,
    exclusion,
    extension,
    inspection,
    licence_watch,
    report_cycle,
    supervision,
    ticket_lifecycle,
)

PROCESSES = (ticket_lifecycle.PROCESS, inspection.PROCESS, extension.PROCESS, exclusion.PROCESS, carried.PROCESS,
             carried.REVIEW_CYCLE, supervision.PROCESS, early_warning.PROCESS, licence_watch.PROCESS,
             report_cycle.PROCESS)
BY_KEY = {str(p): p for p in PROCESSES}
