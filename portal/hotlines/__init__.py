"""The hotline directory, and the staff pages that keep its numbers right."""
