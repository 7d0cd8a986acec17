"""Queue messages inside the caller's transaction; the worker delivers them."""

import json
import re
import threading
import time
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from .backends import get_backend
from .models import Message, MessageStatus, MessageTemplate
from .templates_default import DEFAULTS

MAX_ATTEMPTS = 20  # with the backoff below: retried for about four hours, as GOV.UK Notify
PLACEHOLDER = re.compile(r"\(\((\w+)\)\)")


_texts: tuple[float, dict[str, str]] | None = None


def clear_cache() -> None:
    global _texts
    _texts = None


def _template_text(key: str) -> str:
    """Administrators' texts over the defaults, read at most once a minute."""
    global _texts
    if _texts is None or time.monotonic() - _texts[0] > 60:
        _texts = (time.monotonic(), dict(MessageTemplate.objects.values_list("key", "text")))
    return _texts[1].get(key) or DEFAULTS[key]


def render(key: str, params: dict) -> str:
    return PLACEHOLDER.sub(lambda m: str(params.get(m.group(1), "")), _template_text(key))


def queue_sms(phone: str, template: str, params: dict, *, appeal=None) -> Message:
    """Write an SMS row; call inside the transaction of the change that causes it."""
    # Secrets (codes) are in the body only, which is encrypted; params keep nothing secret.
    public_params = {k: v for k, v in params.items() if k not in {"code", "query_code", "link"}}
    return Message.objects.create(
        to_phone=phone,
        template=template,
        body=render(template, params),
        params=public_params,
        send_params=json.dumps(params, ensure_ascii=False),
        appeal=appeal,
    )


def queue_unit_message(unit, template: str, params: dict, *, appeal=None) -> Message:
    """An in-app message to a unit's workbench (no SMS), in the caller's transaction."""
    message = unit_message(unit, template, params, appeal=appeal)
    message.save()
    return message


def unit_message(unit, template: str, params: dict, *, appeal=None) -> Message:
    """The unsaved row, for callers that write many at once (bulk_create)."""
    return Message(
        channel="inapp",
        to_unit=unit,
        template=template,
        body=render(template, params),
        params=params,
        appeal=appeal,
        status=MessageStatus.DELIVERED,
        sent_at=timezone.now(),
    )


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 900))


LEASE = timedelta(minutes=5)  # a row "sending" longer than this was left by a dead worker


def _claim(limit: int, now) -> list[Message]:
    """Take due messages, marking them sending; PostgreSQL skips rows another worker holds.

    A row left in "sending" by a worker that died is taken again once its lease is over."""
    with transaction.atomic():
        qs = Message.objects.filter(
            Q(status__in=[MessageStatus.CREATED, MessageStatus.RETRY], next_attempt_at__lte=now)
            | Q(status=MessageStatus.SENDING, claimed_at__lt=now - LEASE)
        ).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        batch = list(qs[:limit])
        if batch:
            Message.objects.filter(pk__in=[m.pk for m in batch]).update(
                status=MessageStatus.SENDING, attempts=F("attempts") + 1, claimed_at=now
            )
    for m in batch:
        m.attempts += 1
    return batch


def backlog(now=None) -> int:
    """Messages due now and not yet sent (including those being sent): /metrics shows it."""
    now = now or timezone.now()
    return Message.objects.filter(
        Q(status__in=[MessageStatus.CREATED, MessageStatus.RETRY], next_attempt_at__lte=now)
        | Q(status=MessageStatus.SENDING)
    ).count()


# What this process sent or claimed when the database failed under it (a restart, a lost
# connection): settled first on the next pass, so a sent message is marked delivered at once
# instead of waiting out its lease and going out a second time, and a claimed one not yet sent
# goes back to the queue instead of waiting five minutes. A process that dies forgets them: the
# lease covers that (and the gateway gets each message's id as out_id to drop a repeat).
# Per thread: a worker is one thread, and two in one process must not settle each other's.
_pending = threading.local()


def _settle_after_fault() -> tuple[dict, set]:
    """Record what the last pass could not (raises while the database is still down)."""
    if not hasattr(_pending, "sent"):
        _pending.sent, _pending.claimed = {}, set()
    sent_unmarked, claimed_unsent = _pending.sent, _pending.claimed
    for pk, sent_at in list(sent_unmarked.items()):
        Message.objects.filter(pk=pk, status=MessageStatus.SENDING).update(
            status=MessageStatus.DELIVERED, sent_at=sent_at, last_error=""
        )
        del sent_unmarked[pk]
    if claimed_unsent:
        Message.objects.filter(pk__in=claimed_unsent, status=MessageStatus.SENDING).update(
            status=MessageStatus.RETRY, attempts=F("attempts") - 1
        )
        claimed_unsent.clear()
    return sent_unmarked, claimed_unsent


def send_due_messages(limit: int = 100, backend=None, now=None) -> int:
    """One pass: deliver what is due. Returns the number delivered."""
    backend = backend or get_backend()
    now = now or timezone.now()
    sent_unmarked, claimed_unsent = _settle_after_fault()
    delivered = 0
    batch = _claim(limit, now)
    claimed_unsent.update(m.pk for m in batch)
    for message in batch:
        try:
            backend.send(message)
        except Exception as exc:  # any failure of the gateway is retried
            dead = message.attempts >= MAX_ATTEMPTS
            Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
                status=MessageStatus.DEAD if dead else MessageStatus.RETRY,
                last_error=str(exc)[:255],
                next_attempt_at=now + _backoff(message.attempts),
            )
            claimed_unsent.discard(message.pk)
            continue
        sent_at = timezone.now()
        claimed_unsent.discard(message.pk)
        sent_unmarked[message.pk] = sent_at
        Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
            status=MessageStatus.DELIVERED, sent_at=sent_at, last_error=""
        )
        del sent_unmarked[message.pk]
        delivered += 1
    return delivered
