import json
import logging

from mashang.core.logs import JsonFormatter


def _record(**extra):
    logger = logging.getLogger("mashang.worker")
    record = logger.makeRecord(
        "mashang.worker", logging.INFO, __file__, 1, "job %s: %s", ("sweep", 3), None, extra=extra
    )
    return record


def test_a_json_log_line_is_one_object_with_time_level_logger_and_message():
    line = json.loads(JsonFormatter().format(_record()))
    assert line["level"] == "INFO"
    assert line["logger"] == "mashang.worker"
    assert line["message"] == "job sweep: 3"
    assert line["time"].endswith("+00:00")


def test_a_json_log_line_keeps_extra_fields_and_the_traceback():
    try:
        raise ValueError("坏了")
    except ValueError:
        import sys

        record = _record(job="sweep")
        record.exc_info = sys.exc_info()
    line = json.loads(JsonFormatter().format(record))
    assert line["job"] == "sweep"
    assert "ValueError: 坏了" in line["exception"]
