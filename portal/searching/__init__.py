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
    records.py    the portal's records as documents, and which keys a changed row affects
    sync.py       the change log: apply after commit, sync, rebuild, check, prune

analysis.py and codec.py define classes pickled into the index: keep their dotted paths.
"""
