"""Logging: one line per event, never message contents, secrets or tokens."""
from __future__ import annotations

import logging
import re

_SECRETS = re.compile(r"(access_token|corpsecret|secret|token)=([^&\s]+)", re.I)
_PHONE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")  # not inside hex ids


def redact(text: str) -> str:
    return _PHONE.sub("1**********", _SECRETS.sub(r"\1=***", text))


class RedactingFilter(logging.Filter):
    """Last line of defence: scrub token-like query values and mobile numbers, also in tracebacks."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "redacted", False):  # already scrubbed when it was made (install_redaction)
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed log call: leave it to the handler's own error report
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        record.redacted = True
        return True


def _redacting_factory(base):
    scrub = RedactingFilter()

    def factory(*args, **kwargs):
        record = base(*args, **kwargs)
        scrub.filter(record)
        return record
    factory.redacting = True
    return factory


def install_redaction() -> None:
    """Redact when a record is made, so every handler (ours, gunicorn's, rq's) sees it clean."""
    if not getattr(logging.getLogRecordFactory(), "redacting", False):
        logging.setLogRecordFactory(_redacting_factory(logging.getLogRecordFactory()))


def setup(level: int = logging.INFO) -> None:
    install_redaction()
    root = logging.getLogger()
    if any(isinstance(f, RedactingFilter) for h in root.handlers for f in h.filters):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("urllib3", "werkzeug"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
