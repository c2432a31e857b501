"""Structured logs: one JSON object per line, each carrying the request id it was written under."""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar
from datetime import datetime, timezone

import msgspec

request_id_var: ContextVar[str | None] = ContextVar("hubbub_request_id", default=None)

# uvicorn adds `color_message`, the same text with terminal colours.
_STANDARD_FIELDS = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "color_message"}
_encoder = msgspec.json.Encoder(enc_hook=str)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "pid": record.process,  # which worker, under `hubbub serve --workers N`
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
        }
        line.update({k: v for k, v in vars(record).items() if k not in _STANDARD_FIELDS and k != "request_id"})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return _encoder.encode(line).decode()


def configure_logging(level: str = "INFO") -> None:
    """Route every logger (ours, uvicorn's, litestar's) through one JSON handler on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "litestar"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
