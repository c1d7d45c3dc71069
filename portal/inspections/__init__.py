"""Inspections: plans, conclusions, findings and their follow-up, with unit scorecards."""

from portal.inspections import models  # noqa: F401 (registers the tables)
from portal.inspections.views import bp

__all__ = ["bp"]
