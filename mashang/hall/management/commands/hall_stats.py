from mashang.hall.metrics import figures
from mashang.stats.section_command import SectionStatsCommand


class Command(SectionStatsCommand):
    help = "The hall's figures (大厅统计) as JSON: the same definitions as the figures page."
    figures = staticmethod(figures)
