"""Automation rules: a pure evaluation (rules.py), the service that applies what fires, admin pages."""
