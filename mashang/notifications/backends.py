"""Where messages go: chosen by SMS_BACKEND (console by default; file for tests and audits)."""

import json
import os
import sys
import threading
from pathlib import Path

from django.utils import timezone


class SendError(Exception):
    """Temporary failure: the outbox will retry."""


class ConsoleBackend:
    def send(self, message) -> None:
        print(f"[短信] 发往 {message.to_phone}：{message.body}", file=sys.stdout, flush=True)


class FileBackend:
    """Appends one JSON line per message to SMS_FILE_PATH (default var/sms.log)."""

    _lock = threading.Lock()

    def __init__(self, path: str | None = None):
        from django.conf import settings

        self.path = Path(path or os.environ.get("SMS_FILE_PATH") or settings.VAR_DIR / "sms.log")

    def send(self, message) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {
                "id": message.pk,
                "to": message.to_phone,
                "template": message.template,
                "body": message.body,
                "at": timezone.now().isoformat(),
            },
            ensure_ascii=False,
        )
        with self._lock, self.path.open("a", encoding="utf-8") as f:
            f.write(line + "\n")


BACKENDS = {"console": ConsoleBackend, "file": FileBackend}


def get_backend():
    name = os.environ.get("SMS_BACKEND", "console")
    try:
        return BACKENDS[name]()
    except KeyError:
        raise ValueError(f"SMS_BACKEND {name!r} is not one of {sorted(BACKENDS)}") from None
