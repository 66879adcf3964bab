"""Pure: which agent gets the next ticket, and in which order tickets are handed out."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

MODES = {"off": "Off", "round_robin": "Round-robin", "least_loaded": "Least loaded"}
PRIORITY_RANK = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
_NEVER = datetime.min.replace(year=1970)


@dataclass(frozen=True)
class Agent:
    id: int
    load: int  # open tickets assigned now
    capacity: int
    last_assigned_at: datetime | None
    away: bool = False
    last_seen_at: datetime | None = None
    active: bool = True


def available(agent: Agent, now: datetime, online_window: timedelta) -> bool:
    """Active, not away, seen within the window (signed in and working), and under capacity."""
    return (agent.active and not agent.away and agent.last_seen_at is not None
            and now - agent.last_seen_at <= online_window and agent.load < agent.capacity)


def ranked(agents: list[Agent], mode: str) -> list[Agent]:
    """Candidates best first. Round-robin: whoever got an automatic ticket longest ago (never first);
    least loaded: fewest open tickets relative to capacity, then round-robin order among equals."""
    def turn(agent: Agent) -> tuple:
        return (agent.last_assigned_at.replace(tzinfo=None) if agent.last_assigned_at else _NEVER, agent.id)

    if mode == "least_loaded":
        return sorted(agents, key=lambda a: (a.load / a.capacity if a.capacity else 1.0, *turn(a)))
    return sorted(agents, key=turn)


def ticket_order(priority: str, due_at: datetime | None, opened_at: datetime) -> tuple:
    """Most urgent first (priority, then the nearest deadline), then the oldest."""
    far = datetime.max.replace(year=9999)
    return (PRIORITY_RANK.get(priority, 2), (due_at or far.replace(tzinfo=opened_at.tzinfo)), opened_at)
