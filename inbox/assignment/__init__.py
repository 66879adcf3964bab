"""Automatic assignment: round-robin or least-loaded among available agents, within each one's capacity."""
