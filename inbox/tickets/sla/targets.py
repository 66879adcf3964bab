"""What a policy promises: target lengths, the warning fraction, and the defaults for each channel."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

FIRST_RESPONSE = "first_response"
NEXT_RESPONSE = "next_response"
RESOLUTION = "resolution"
TARGETS = (FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION)
TARGET_NAMES = {FIRST_RESPONSE: "First response", NEXT_RESPONSE: "Next response", RESOLUTION: "Resolution"}


@dataclass(frozen=True)
class SlaTargets:
    first_response: timedelta | None
    resolution: timedelta | None
    next_response: timedelta | None = None
    first_response_same_business_day: bool = False
    business_hours: bool = False
    # "at risk" means exactly this, everywhere: past this fraction of the time a target allows
    warning_fraction: float = 0.8

    def length(self, target: str) -> timedelta | None:
        return {FIRST_RESPONSE: self.first_response, NEXT_RESPONSE: self.next_response, RESOLUTION: self.resolution}[target]


@dataclass(frozen=True)
class DefaultPolicy:
    channel: str
    targets: SlaTargets


_SOCIAL = SlaTargets(timedelta(hours=4), timedelta(hours=24), timedelta(hours=4))

# Common practice for small teams: social 4 h first response, SMS 2 h, email 24 h, phone same
# business day. Resolution targets are generous defaults an admin is expected to tune.
DEFAULT_POLICIES: tuple[DefaultPolicy, ...] = (
    DefaultPolicy("x", _SOCIAL),
    DefaultPolicy("mastodon", _SOCIAL),
    DefaultPolicy("bluesky", _SOCIAL),
    # chat: customers expect an answer within the hour, while the team is at work
    DefaultPolicy("line", SlaTargets(timedelta(hours=1), timedelta(hours=24), timedelta(hours=1), business_hours=True)),
    DefaultPolicy("sms", SlaTargets(timedelta(hours=2), timedelta(hours=24), timedelta(hours=2))),
    DefaultPolicy("email", SlaTargets(timedelta(hours=24), timedelta(hours=72), timedelta(hours=24))),
    DefaultPolicy("phone", SlaTargets(None, timedelta(hours=16), None, first_response_same_business_day=True, business_hours=True)),
    DefaultPolicy("other", SlaTargets(timedelta(hours=24), timedelta(hours=72), timedelta(hours=24))),
)
