"""Entry point for gunicorn: `gunicorn wsgi:app`."""

import gc

from portal import create_app
from portal.layout import warm_up

app = create_app()
warm_up(app)
# What the worker holds now (templates, mappers, catalogs) lives as long as the worker: kept
# out of the garbage collector's full passes, which would otherwise walk it during a page.
gc.freeze()
