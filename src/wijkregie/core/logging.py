"""Structured log lines on standard output: one JSON object per event.

Fields: time, level, event, actor, organisation, action, object, result, origin, plus
whatever the caller adds. Nothing personal beyond what the audit needs: callers pass ids
and labels, never names, contact data or free text from residents.
"""

import json
import logging
from datetime import UTC, datetime

logger = logging.getLogger("wijkregie.events")

STANDARD_ATTRS = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        line.update(
            {k: v for k, v in vars(record).items() if k not in STANDARD_ATTRS and k[0] != "_"}
        )
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def log_event(event: str, *, level: int = logging.INFO, **fields) -> None:
    """Log one structured event (login, refusal, audit, error) with its fields."""
    logger.log(level, event, extra=fields)
