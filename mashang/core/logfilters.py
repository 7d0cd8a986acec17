"""Log filters: a refused request is one line, not a traceback."""

import logging


class RefusalsWithoutTraceback(logging.Filter):
    """403/404 and other 4xx answers are expected (a wrong role, a mistyped address): log the
    line Django writes, without the traceback that would bury the demo's SMS codes."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
