import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from mashang.applications.generate import generate_applications


class Command(BaseCommand):
    help = "Generate N applications over the last year across the catalogue, for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--applications", type=int, required=True)
        parser.add_argument("--seed", type=int, default=13)

    def handle(self, *args, applications, seed, **options):
        if applications <= 0:
            raise CommandError("--applications 须为正整数")
        start = time.perf_counter()
        try:
            made = generate_applications(applications, now=timezone.now(), seed=seed)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"已生成 {made:,} 件办件，用时 {time.perf_counter() - start:.1f} 秒")
