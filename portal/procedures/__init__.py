"""Administrative procedures: the finder, the procedure page and the national-database import."""

from portal.procedures.views import bp

__all__ = ["bp"]
