from django.core.management.base import BaseCommand
from django.db import transaction

from mashang.core.crypto import key_id_of, keyring
from mashang.core.progress import progress


class Command(BaseCommand):
    help = "Re-encrypt personal data under the current (first) key of FIELD_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        from django.apps import apps

        from mashang.core.crypto import EncryptedTextField

        current, _keys = keyring()
        # Every encrypted column of every model: a new one is rotated without touching this.
        targets = [
            (model, [f.name for f in model._meta.fields if isinstance(f, EncryptedTextField)])
            for model in apps.get_models()
        ]
        total = 0
        for model, fields in targets:
            if not fields:
                continue
            stale = self._stale_pks(model, fields, current)
            label = f"重新加密 {model._meta.verbose_name}"
            batches = range(0, len(stale), 500)
            for start in progress(batches, desc=label, unit="批", stream=self.stderr):
                with transaction.atomic():
                    objs = list(model.objects.filter(pk__in=stale[start : start + 500]))
                    model.objects.bulk_update(objs, fields)  # saving re-encrypts with `current`
                total += len(objs)
        self.stdout.write(f"已用密钥 {current} 重新加密 {total} 条记录。")

    @staticmethod
    def _stale_pks(model, fields, current) -> list:
        """Rows with a column under an old key id, read from the raw (encrypted) columns."""
        from django.db import connection

        table = model._meta.db_table
        cols = ", ".join(connection.ops.quote_name(model._meta.get_field(f).column) for f in fields)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, {cols} FROM {connection.ops.quote_name(table)}")
            return [
                row[0]
                for row in cursor.fetchall()
                if any(v and key_id_of(v) != current for v in row[1:])
            ]
