from datetime import datetime

import pytest

from mashang.deadlines.calendar import SHANGHAI
from mashang.hall.testing import make_hall


def at(y, m, d, hh=10, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


@pytest.fixture
def hall(county, people):
    return make_hall(county)
