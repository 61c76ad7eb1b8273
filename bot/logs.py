"""Logging: one line per event, never message contents, secrets or tokens."""
from __future__ import annotations

import logging
import re
import time

_SECRETS = re.compile(r"(access_token|corpsecret|secret|token)=([^&\s]+)", re.I)
_PHONE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")  # not inside hex ids


_DIGITS = re.compile(r"\d{11}")  # what a mobile number needs; most lines have no such run


def redact(text: str) -> str:
    # Two cheap tests first: the regular expressions cost more than the rest of a log line.
    # casefold() folds as re.I does (「ſ」 is an s, 「K」 a k), so no line the pattern matches is skipped.
    folded = text.casefold()
    if "=" in text and ("token" in folded or "secret" in folded):
        text = _SECRETS.sub(r"\1=***", text)
    if _DIGITS.search(text):
        text = _PHONE.sub("1**********", text)
    return text


class RedactingFilter(logging.Filter):
    """Last line of defence: scrub token-like query values and mobile numbers, also in tracebacks."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "redacted", False):  # already scrubbed when it was made (install_redaction)
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed log call: leave it to the handler's own error report
            return True
        # The message is formatted here once; the handler's formatter then finds no arguments.
        record.msg, record.args = redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        record.redacted = True
        return True


class Formatter(logging.Formatter):
    """The standard format; the date and time are formatted once a second, not for every line
    (time.strftime took about 15% of what a log line cost)."""

    _second: tuple[int, str] = (-1, "")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        if datefmt is not None:
            return super().formatTime(record, datefmt)
        second, text = self._second
        if int(record.created) != second:
            second = int(record.created)
            text = time.strftime(self.default_time_format, self.converter(record.created))
            self._second = (second, text)  # one assignment: threads see the pair whole
        return self.default_msec_format % (text, record.msecs)


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
    handler.setFormatter(Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("urllib3", "werkzeug"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
