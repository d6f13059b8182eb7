"""Real concurrency on PostgreSQL: threads redeem against a served app; stock and balances never go negative."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from app.extensions import db
from app.incentives import service
from app.incentives.models import PointsBalance, PointsEntry, Redemption, ShopItem


@pytest.fixture()
def live_url(app, db) -> Iterator[str]:  # noqa: ANN001
    """The app served by a threaded WSGI server on PostgreSQL (SQLite has one writer, nothing to race)."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("needs TEST_DATABASE_URL on PostgreSQL (CI sets it)")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


def _race(url: str, headers: dict[str, str], bodies: list[dict]) -> list[tuple[int, dict]]:
    """POST every body to the redemptions endpoint at once (a barrier lines the threads up)."""
    barrier = threading.Barrier(len(bodies))
    results: list[tuple[int, dict]] = [(0, {})] * len(bodies)

    def post(index: int, body: dict) -> None:
        request = urllib.request.Request(
            url + "/api/v1/incentives/shop/redemptions",
            data=json.dumps(body).encode(),
            headers={**headers, "Content-Type": "application/json"},
            method="POST",
        )
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                results[index] = (response.status, json.loads(response.read()))
        except urllib.error.HTTPError as error:
            results[index] = (error.code, json.loads(error.read()))

    threads = [threading.Thread(target=post, args=(i, b)) for i, b in enumerate(bodies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _ledger_matches_balances() -> None:
    db.session.expire_all()
    balances = dict(db.session.execute(db.select(PointsBalance.volunteer_id, PointsBalance.points)).all())
    sums = dict(
        db.session.execute(
            db.select(PointsEntry.volunteer_id, db.func.sum(PointsEntry.points)).group_by(PointsEntry.volunteer_id)
        ).all()
    )
    assert balances == {k: int(v) for k, v in sums.items()}
    assert min(balances.values()) >= 0


def test_concurrent_redemptions_never_oversell_stock(live_url, world, serve, token_for) -> None:
    crew = {key: 600 for key in ("v1", "v2", "v3", "v4", "v5", "v6")}  # 100 points each
    serve(crew)
    item = service.create_item(
        user=world.users["county"], station_id=world.stations["PY"].id, name="爱心礼包", points_cost=10, stock=4
    )
    db.session.commit()
    bodies = [{"item_id": item.id, "volunteer_id": world.volunteers[key].id} for key in crew for _ in range(4)]
    results = _race(live_url, token_for("county"), bodies)
    codes = Counter(status for status, _ in results)
    assert codes == {201: 4, 409: 20}, results
    assert {body["code"] for status, body in results if status == 409} == {"out_of_stock"}
    db.session.expire_all()
    assert db.session.get(ShopItem, item.id).stock == 0
    assert db.session.scalar(db.select(db.func.count(Redemption.id))) == 4
    assert db.session.scalar(db.select(db.func.sum(PointsBalance.points))) == 600 - 40
    _ledger_matches_balances()


def test_concurrent_redemptions_never_overdraw_a_balance(live_url, world, serve, token_for) -> None:
    serve({"v1": 600})  # 100 points
    item = service.create_item(
        user=world.users["staff"], station_id=world.stations["PY-BY-01"].id, name="大米", points_cost=30, stock=50
    )
    db.session.commit()
    results = _race(live_url, token_for("volunteer"), [{"item_id": item.id}] * 12)
    codes = Counter(status for status, _ in results)
    assert codes == {201: 3, 409: 9}, results
    assert {body["code"] for status, body in results if status == 409} == {"insufficient_points"}
    db.session.expire_all()
    assert service.balance_of(world.volunteers["v1"].id) == 10
    assert db.session.get(ShopItem, item.id).stock == 47  # every refused redemption put its item back
    _ledger_matches_balances()
