"""The glue between the portal and its search engine (portal.searching).

    documents.py  every searchable record as the engine's Document, and which keys a row affects
    sync.py       the change log: apply after commit, sync, rebuild, check, prune

The engine knows nothing of the portal; this package knows the models and the engine, and
no feature.
"""
