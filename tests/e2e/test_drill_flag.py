"""`/incident declare drill …`: a real incident in every way but its title and the metrics."""

from __future__ import annotations

from sqlalchemy import select

from app.store.models import Incident
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import RunningBeacon, eventually


def test_a_declared_drill_is_marked_and_left_out_of_metrics(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    response = beacon.command("declare drill P3 Game day: search is slow services: search")
    assert response.status_code == 200
    channel = eventually(lambda: slack.channel_by_name("inc-1-drill-game-day-search-is-slow"))
    eventually(lambda: channel.pins)
    with beacon.beacon.uow() as session:
        incident = session.scalars(select(Incident)).one()
        assert incident.drill
        assert incident.title == "[DRILL] Game day: search is slow"
    announced = eventually(lambda: slack.messages("incidents"))
    assert "[DRILL]" in announced[0].text + str(announced[0].blocks)
    metrics = beacon.http.get("/metrics").text
    assert 'beacon_open_incidents{severity="P3"} 0.0' in metrics
