import io
import json

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from mashang.applications import actions, metrics
from mashang.applications.choices import Decision
from mashang.testing import PASSWORD

from .conftest import reload


def _history(apply, catalog, people):
    fast = apply(brought=[catalog.id_card, catalog.photo])
    actions.accept_application(fast, acting_user=people.window_clerk)
    actions.decide(fast, Decision.APPROVE, acting_user=people.reviewer_a)
    corrected = apply()
    actions.request_correction(corrected, {}, acting_user=people.window_clerk)
    ids = set(corrected.materials.values_list("pk", flat=True))
    actions.supplement(corrected, received=ids, acting_user=people.window_clerk)
    actions.accept_application(corrected, acting_user=people.window_clerk)
    actions.decide(corrected, Decision.APPROVE, acting_user=people.reviewer_a)
    instant = apply(catalog.instant, brought=[catalog.id_card])
    actions.finish_instantly(instant, acting_user=people.window_clerk)
    apply(online=True)  # waiting for 预审
    actions.rate_application(reload(instant).rating_token, "2")
    return fast, corrected, instant


def test_headline_figures_follow_their_formulas(apply, catalog, people):
    _history(apply, catalog, people)
    h = metrics.headline()
    assert (h["received"], h["decided"], h["online"], h["window"]) == (4, 3, 1, 3)
    assert h["first_time_rate"] == round(100 * 2 / 3, 2)  # the corrected one needed a 补正
    assert h["instant_rate"] == round(100 / 3, 2)
    assert h["on_time_rate"] == 100.0
    r = metrics.ratings()
    assert (r["rated"], r["bad"], r["satisfaction"]) == (1, 1, 0.0)
    assert (h["rated"], h["satisfaction_rate"]) == (1, 0.0)
    unit = next(row for row in metrics.by_unit() if row["unit"] == catalog.house.unit.name)
    assert unit["rated"] == 1 and unit["satisfaction_rate"] == 0.0


def test_the_figures_take_a_constant_number_of_queries(apply, catalog, people):
    _history(apply, catalog, people)
    with CaptureQueriesContext(connection) as few:
        metrics.figures()
    for _ in range(3):
        _history(apply, catalog, people)
    with CaptureQueriesContext(connection) as many:
        metrics.figures()
    assert len(few) == len(many)


def test_the_command_prints_the_same_figures_as_json(apply, catalog, people):
    _history(apply, catalog, people)
    out = io.StringIO()
    call_command("application_stats", "--json", stdout=out)
    data = json.loads(out.getvalue())
    # The command counts the one default period of every figure (up to yesterday 24:00).
    from mashang.stats.metrics import period

    assert data["headline"] == json.loads(json.dumps(metrics.headline(*period(None, None))))


def test_the_export_writes_typed_text_never_as_a_formula(client, catalog, people):
    actions.file_application(
        applicant=actions.Applicant('=HYPERLINK("http://x")', "13900139000", "43042219900101123X"),
        channel="window",
        item=catalog.house,
        acting_user=people.window_clerk,
    )
    client.login(username=people.window_clerk.username, password=PASSWORD)
    from datetime import timedelta

    from mashang.applications import facts

    tomorrow = f"{facts.today() + timedelta(days=1):%Y-%m-%d}"
    response = client.get(reverse("application_export") + f"?to={tomorrow}")
    ws = load_workbook(io.BytesIO(response.content)).active
    cell = ws.cell(row=4, column=6)  # under the title, the 口径 and the headers
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_the_figures_page_shows_formulas(client, apply, catalog, people):
    _history(apply, catalog, people)
    client.login(username=people.supervisor.username, password=PASSWORD)
    page = client.get(reverse("application_figures")).content.decode()
    assert "一次办成率" in page and "未经补正即作出决定的件数" in page


def test_benchdata_writes_applications_the_figures_can_read(catalog):
    out = io.StringIO()
    call_command("benchdata", "--applications", "300", stdout=out, stderr=io.StringIO())
    from mashang.applications.models import Application

    assert Application.objects.filter(parent__isnull=True).count() == 300
    h = metrics.headline()
    assert h["received"] == 300 and h["decided"] > 200
    assert 0 < h["on_time_rate"] <= 100
    assert metrics.ratings()["rated"] > 0
