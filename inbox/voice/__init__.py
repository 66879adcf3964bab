"""The customer's voice: the weekly sentiment export, recurring themes, the trend page and surveys."""
