"""The SLA engine: targets, business calendars, the clock replay (pure), the policies in force, the one
writer of SLA state (outcomes), the sweep that records breaches and warnings, and the team metrics.

Everything that asks "when is this due, is it at risk, was it met" asks `outcomes.refresh` /
`clock.replay`; nothing else computes a due time.
"""
from .targets import FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION, TARGET_NAMES, TARGETS

__all__ = ["FIRST_RESPONSE", "NEXT_RESPONSE", "RESOLUTION", "TARGET_NAMES", "TARGETS"]
