"""The agency directory: the tree and agency pages (views.py), merging duplicates (merge.py)."""
