"""The demo county's deliberation: meetings at a few stations, demands at every step, one turned into an order."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from app.accounts.models import User
from app.core.timeutil import LOCAL_TZ, to_local, utcnow
from app.deliberation import service
from app.extensions import db
from app.menu.models import MenuItem
from app.stations.models import Station

# (title, category, how far it got, what residents were told)
DEMANDS = (
    ("3号楼楼道堆放杂物，影响通行和消防安全", "stairwell", "reported_back", "楼道杂物已全部清理，并张贴了消防提示。"),
    ("老旧小区外墙保温和屋顶防水改造", "renovation", "in_progress", ""),
    ("冬季暖气不热，老人家里室温偏低", "heating", "accepted", ""),
    ("小区停车难，希望划定停车位", "parking", "done", ""),
    ("村口垃圾点清运不及时", "environment", "collected", ""),
    ("独居老人希望有人定期上门看看", "elderly", "accepted", ""),
    ("建议在主干道加装路灯", "safety", "declined", "路灯由县住建部门统一规划，已将诉求转交并列入明年计划。"),
)


def load_deliberation(*, rng: random.Random, villages: list[Station], staff: User) -> dict[str, int]:
    """Two meetings at each of the first three village stations, demands at every step of their lifecycle."""
    today = to_local(utcnow()).date()
    meetings = demands = 0
    order_item = db.session.scalar(db.select(MenuItem).where(MenuItem.code == "MI-15"))
    for index, village in enumerate(villages[:3]):
        for months_ago in (2, 0):
            held = today - timedelta(days=30 * months_ago + rng.randint(3, 12))
            meeting = service.record_meeting(
                user=staff,
                station_id=village.id,
                held_on=held,
                title=f"{held.month}月民主协商议事会",
                attendees_count=rng.randint(12, 40),
                topics=["环境整治", "民生实事"] if months_ago else ["冬季取暖", "邻里互助"],
                minutes="居民代表逐一发言，站点工作人员记录诉求并当场答复能办的事项。",
            )
            meetings += 1
            picks = DEMANDS[:4] if months_ago else DEMANDS[3 + index % 2 :]
            for title, category, reached, told in picks:
                demand = service.raise_demand(user=staff, meeting_id=meeting.id, title=title, category=category)
                demands += 1
                if reached == "declined":
                    service.move(user=staff, demand_id=demand.id, to_status="declined", note=told)
                    continue
                if reached == "collected":
                    continue
                service.move(
                    user=staff,
                    demand_id=demand.id,
                    to_status="accepted",
                    due_on=today + timedelta(days=rng.choice((2, 5, 14, 30))),
                )
                if reached == "in_progress" and order_item is not None:
                    day = today + timedelta(days=10)  # beyond the dispatch horizon: the demo keeps its 120 open orders
                    service.place_orders(
                        user=staff,
                        demand_id=demand.id,
                        menu_item_id=order_item.id,
                        windows=[
                            {
                                "start": datetime.combine(day, time(9), tzinfo=LOCAL_TZ),
                                "end": datetime.combine(day, time(17), tzinfo=LOCAL_TZ),
                            }
                        ],
                    )
                for step in ("in_progress", "done", "reported_back")[
                    : ("accepted", "in_progress", "done", "reported_back").index(reached)
                ]:
                    if demand.status == step:
                        continue
                    service.move(
                        user=staff, demand_id=demand.id, to_status=step, note=told if step == "reported_back" else ""
                    )
    return {"meetings": meetings, "demands": demands}
