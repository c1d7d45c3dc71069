"""Inspections: plans, conclusions, findings and their follow-up, with unit scorecards."""
