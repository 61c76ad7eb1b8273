"""Logging: one line per event, never message contents, secrets or tokens."""
from __future__ import annotations

import logging
import re

_SECRETS = re.compile(r"(access_token|corpsecret|secret|token)=([^&\s]+)", re.I)
_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


class RedactingFilter(logging.Filter):
    """Last line of defence: scrub token-like query values and mobile numbers."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = _PHONE.sub("1**********", _SECRETS.sub(r"\1=***", message))
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def setup(level: int = logging.INFO) -> None:
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
