"""Site search: one box across every content type (the engine is portal.searching)."""
