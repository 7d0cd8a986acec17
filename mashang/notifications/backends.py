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


class HttpGatewayBackend:
    """A generic HTTP SMS gateway in the form Chinese providers use: a template id and its
    parameters, POSTed as JSON with a bearer key. `out_id` (our message id) lets the gateway
    drop a repeat if we ever resend after a crash between its answer and our bookkeeping.

    SMS_HTTP_URL      the gateway endpoint (required)
    SMS_HTTP_TOKEN    sent as "Authorization: Bearer …"
    SMS_SIGN          the approved signature, e.g. 衡南码上办
    SMS_HTTP_TIMEOUT  seconds, default 10
    """

    def __init__(self):
        self.url = os.environ.get("SMS_HTTP_URL", "")
        if not self.url:
            raise ValueError("SMS_BACKEND=http needs SMS_HTTP_URL")
        self.token = os.environ.get("SMS_HTTP_TOKEN", "")
        self.sign = os.environ.get("SMS_SIGN", "衡南码上办")
        self.timeout = float(os.environ.get("SMS_HTTP_TIMEOUT", "10"))

    def send(self, message) -> None:
        import urllib.error
        import urllib.request

        from .models import MessageTemplate

        template_id = (
            MessageTemplate.objects.filter(key=message.template)
            .values_list("provider_template_id", flat=True)
            .first()
        ) or message.template
        payload = {
            "phone": message.to_phone,
            "sign": self.sign,
            "template_id": template_id,
            "params": json.loads(message.send_params or "{}"),
            "out_id": str(message.pk),
        }
        request = urllib.request.Request(
            self.url,
            data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            headers={
                "Content-Type": "application/json; charset=utf-8",
                **({"Authorization": f"Bearer {self.token}"} if self.token else {}),
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read(2000).decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            raise SendError(f"网关返回 {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SendError(f"网关不可达：{exc}") from exc
        try:
            answer = json.loads(body)
        except ValueError as exc:
            raise SendError("网关应答不是 JSON") from exc
        if str(answer.get("code", "OK")).upper() not in {"OK", "0", "200"}:
            raise SendError(f"网关拒绝：{answer.get('message', answer)}"[:200])


BACKENDS = {"console": ConsoleBackend, "file": FileBackend, "http": HttpGatewayBackend}


def get_backend():
    name = os.environ.get("SMS_BACKEND", "console")
    try:
        return BACKENDS[name]()
    except KeyError:
        raise ValueError(f"SMS_BACKEND {name!r} is not one of {sorted(BACKENDS)}") from None
