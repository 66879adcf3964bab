"""Surveys after resolution: CSAT (1–5), optionally NPS (0–10) or CES (1–7), one answer per ticket."""
