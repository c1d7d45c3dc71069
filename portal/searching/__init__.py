"""Full-text search for the portal: Vietnamese/English analysis and a small engine over Whoosh.

    engine.py     SearchIndex, Document, Hit, Results: the interface the app uses
    documents.py  what is indexed and returned; the Whoosh schema
    analysis.py   normalising, folding, tone placement, terms; the index's field classes
    query.py      what a visitor typed → clauses; "did you mean"
    masks.py      a segment's term/facet masks, precomputed beside it at rebuild
    docsets.py    masks over all segments, cached per process; facets, filters, date order
    ranking.py    BM25-like scores summed as bit planes; partial matches
    snippets.py   highlighted, escaped snippets
    codec.py      Whoosh's W3 codec with lighter per-posting work
    segments.py   a rebuild's segments, written whole by forked writer processes

analysis.py and codec.py define classes pickled into the index: keep their dotted paths.
The engine imports nothing of the portal outside this package: portal/indexing/ is the glue
that turns the portal's records into documents and keeps the index in step.
"""
