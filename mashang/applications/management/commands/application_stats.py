from mashang.applications.metrics import figures
from mashang.stats.section_command import SectionStatsCommand


class Command(SectionStatsCommand):
    help = "Applications' figures (办件统计) as JSON: the same definitions as the figures page."
    figures = staticmethod(figures)
