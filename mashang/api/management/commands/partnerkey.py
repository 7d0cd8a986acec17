from django.core.management.base import BaseCommand, CommandError

from mashang.api.models import PartnerSystem, county_code


class Command(BaseCommand):
    help = (
        "Issue the Open311 api_key of a partner system (created if new, re-keyed if it exists) "
        "and print it: shown only once."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="对接系统名称，如：衡阳市12345热线")
        parser.add_argument("--jurisdiction", default=None, help="辖区代码，默认本县")
        parser.add_argument("--hourly-limit", type=int, default=None)

    def handle(self, *args, name, jurisdiction, hourly_limit, **options):
        name = name.strip()
        if not name:
            raise CommandError("请给出对接系统名称。")
        partner = PartnerSystem.objects.filter(name=name).first()
        if partner is None:
            partner = PartnerSystem(name=name, jurisdiction_id=jurisdiction or county_code())
        elif jurisdiction:
            partner.jurisdiction_id = jurisdiction
        if hourly_limit is not None:
            partner.hourly_limit = hourly_limit
        raw = partner.new_key()
        partner.save()
        self.stdout.write(raw)
