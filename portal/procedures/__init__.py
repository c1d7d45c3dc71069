"""Administrative procedures: the finder, the procedure page and the national-database import."""
