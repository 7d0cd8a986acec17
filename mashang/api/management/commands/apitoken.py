from django.core.management.base import BaseCommand, CommandError

from mashang.api.models import ApiToken
from mashang.directory.models import Staff


class Command(BaseCommand):
    help = "Issue an API bearer token for a member of staff and print it (shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="脚本")

    def handle(self, *args, username, name, **options):
        user = Staff.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"没有名为 {username} 的在岗工作人员。")
        _token, raw = ApiToken.issue(user, name)
        self.stdout.write(raw)
