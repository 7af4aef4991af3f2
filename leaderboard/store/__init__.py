"""Store: the reviewed data on disk and the rules it must follow.

In: extracted `models.Claim`s with their papers, people's edits (`leaderboard claim`), and the
registry and JSON Schemas under `schemas/`. Out: one canonical JSON result file per paper under
`results/` (`results`), read back as `models.ResultFile`s; the benchmark registry (`registry`);
validation issues, all at once and never an exception (`validate`); and the publishing policy with
the claim edits that keep a file valid under a lock (`curate`).
"""
