from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Division


@receiver([post_save, post_delete], sender=Division)
def _divisions_changed(sender, **kwargs):
    from .queries import forget_townships

    forget_townships()
