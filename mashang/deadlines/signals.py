from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from mashang.notifications.models import MessageTemplate

from .models import CalendarYear, DeadlineRule, Holiday


@receiver([post_save, post_delete], sender=Holiday)
@receiver([post_save, post_delete], sender=CalendarYear)
def _holidays_changed(sender, **kwargs):
    from .calendar import clear_cache

    clear_cache()


@receiver([post_save, post_delete], sender=DeadlineRule)
def _rules_changed(sender, **kwargs):
    from .rules import clear_cache

    clear_cache()


@receiver([post_save, post_delete], sender=MessageTemplate)
def _texts_changed(sender, **kwargs):
    from mashang.notifications.outbox import clear_cache

    clear_cache()
