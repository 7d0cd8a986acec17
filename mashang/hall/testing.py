"""A small hall for tests: the county centre with two zones and three windows."""

from datetime import time
from types import SimpleNamespace

from .choices import HallKind
from .models import Hall, HallHours, Window, Zone


def make_hall(county, *, hours: bool = True) -> SimpleNamespace:
    """Zones A (综合) and B (社保); windows 1 and 5 综合, window 9 for B only; open 08:30–12:00,
    12:00–14:30 (延时办) and 14:30–17:30 on weekdays and 09:00–12:00 on Saturday (延时办)."""
    h = Hall.objects.create(
        code="centre",
        name="衡南县政务服务中心",
        kind=HallKind.CENTRE,
        division=county.county,
        unit=county.units.centre,
    )
    a = Zone.objects.create(hall=h, letter="A", name="综合受理区", order=1)
    b = Zone.objects.create(hall=h, letter="B", name="社保医保区", order=2)
    w1 = Window.objects.create(hall=h, number=1, name="综合窗口")
    w5 = Window.objects.create(hall=h, number=5, name="综合窗口")
    w9 = Window.objects.create(hall=h, number=9, name="社保窗口", accepts_all=False)
    w9.zones.add(b)
    if hours:
        for wd in range(5):
            HallHours.objects.create(hall=h, weekday=wd, opens=time(8, 30), closes=time(12, 0))
            HallHours.objects.create(
                hall=h, weekday=wd, opens=time(12, 0), closes=time(14, 30), after_hours=True
            )
            HallHours.objects.create(hall=h, weekday=wd, opens=time(14, 30), closes=time(17, 30))
        HallHours.objects.create(
            hall=h, weekday=5, opens=time(9), closes=time(12), after_hours=True
        )
    return SimpleNamespace(hall=h, a=a, b=b, w1=w1, w5=w5, w9=w9)
