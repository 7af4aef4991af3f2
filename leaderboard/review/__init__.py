"""Review: what a change to `results/` does to the leaderboards, for a pull-request comment.

In: two snapshots of the result files (two git revisions, a revision and the working tree, or two
directories), read by `git`. Out: a `diff.Review` — validation issues of the changed files, the
claims added, changed and removed, and each leaderboard's new leader, moves and conflicts — and its
Markdown and JSON forms (`report`). The names below are what the `review` and `sync` commands use.
"""

from .diff import Review, review_directories, review_revisions, review_snapshots
from .report import render_review_markdown, review_to_json

__all__ = ["Review", "render_review_markdown", "review_directories", "review_revisions", "review_snapshots",
           "review_to_json"]
