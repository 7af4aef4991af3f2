"""Compile: from checked result files to ranked leaderboards.

In: `models.ResultFile`s (their invalid claims already dropped), the registry, the model alias file
and the publishing policy. Out: a `models.Compiled` — one ranked `Table` per (benchmark, metric,
setting) with merged duplicates and the conflicts between papers (`tables.compile_results`), after
`reconcile` gave every model and setting one canonical id; and the review queue of unreviewed
claims (`queue`).
"""
