"""Sources: where papers come from.

In: Hugging Face Daily Papers page dumps (the embedded `corpus/`, or any directory of them) and the
JSON listings that `fetch` downloads from the Daily Papers and arXiv APIs. Out: `models.Paper`
objects, one per paper, duplicates across listings merged (`ingest.ingest`), ready for `extract`.
`listing` is the fetched-listing format, `ingest` reads every listing format, `fetch` talks to the
network. Nothing here knows about claims.
"""
