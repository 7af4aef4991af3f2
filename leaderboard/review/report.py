"""The review for people and machines: a Markdown pull-request comment and a JSON document.

Every piece of text that comes from a result file is escaped in the Markdown, so a hostile file
cannot add links, mentions or HTML to the comment.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict

from ..models import Issue
from ..render.format import format_number, format_score
from ..render.markdown import markdown_text
from .diff import ClaimView, EntryView, FieldChange, FileChange, LeaderboardChange, Review, plural
from .git import WORKING_TREE


def _code(text: object) -> str:
    """Inline code: nothing inside is a link, a mention or HTML; a backtick could end it, so none stay."""
    return "`" + " ".join(str(text).replace("`", "'").split()) + "`"


def _md(text: object) -> str:
    return markdown_text(str(text)) if text is not None else ""


def _score(value: object, unit: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_score(float(value), unit if isinstance(unit, str) else None)
    return str(value)


def _describe_claim(claim: ClaimView) -> str:
    """"Model: MMLU accuracy 91.2% (5-shot), absolute, added": every part escaped."""
    setting = f" ({_md(claim.setting)})" if claim.setting else ""
    score = _md(_score(claim.value, claim.unit))
    return (f"**{_md(claim.model)}**: {_md(claim.benchmark_name)} {_md(claim.metric)} {score}{setting}, "
            f"{_md(claim.kind)}, {_md(claim.status)}")


def _where(claim: ClaimView) -> str:
    title = f" in *{_md(claim.paper_title)}*" if claim.paper_title else ""
    return f"{_code(claim.path)}{title}, claim {_code(claim.claim_id or '?')}"


def _describe_field(change: FieldChange) -> str:
    if change.name == "value":
        return f"value {_md(_plain(change.old))} → {_md(_plain(change.new))}"
    return f"{_md(change.name)} {_md(_plain(change.old))} → {_md(_plain(change.new))}"


def _plain(value: object) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, float):
        return format_number(value)
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _render_issue(issue: Issue) -> str:
    where = _code(issue.file) + (f" at {_code(issue.pointer)}" if issue.pointer else "")
    hint = f" (fix: {_md(issue.hint)})" if issue.hint else ""
    label = _md(f"{issue.severity}[{issue.code}]")
    return f"- {where}: **{label}** {_md(issue.message)}{hint}"


def _render_entry(entry: EntryView) -> str:
    return f"#{entry.rank} **{_md(entry.model)}** {_md(_score(entry.value, entry.unit))} (*{_md(entry.paper_title)}*)"


def _render_leaderboard(change: LeaderboardChange) -> list[str]:
    status = {"new": " (new leaderboard)", "removed": " (now empty)"}.get(change.status, "")
    lines = [f"#### {_md(change.heading)}{status}", ""]
    if change.leader_changed:
        was = f", was **{_md(change.old_leader.model)}**" if change.old_leader else ""
        lines.append(f"- 🏆 New leader: **{_md(change.new_leader.model)}** "
                     f"{_md(_score(change.new_leader.value, change.new_leader.unit))}{was}")
    for move in change.moved:
        scores = f"{_md(_score(move.old_value, move.unit))} → {_md(_score(move.new_value, move.unit))}"
        if move.old_rank == move.new_rank:
            lines.append(f"- Score changed: **{_md(move.model)}** {scores} (still #{move.new_rank})")
        else:
            value = "" if move.old_value == move.new_value else f", {scores}"
            lines.append(f"- Moved: **{_md(move.model)}** #{move.old_rank} → #{move.new_rank}{value}")
    lines += [f"- New entry: {_render_entry(e)}" for e in change.added]
    lines += [f"- Dropped: {_render_entry(e)}" for e in change.dropped]
    for conflict in change.new_conflicts:
        values = " vs ".join(f"{_md(_score(v, conflict.unit))} (*{_md(t)}*)" for v, t in conflict.values)
        lines.append(f"- ⚠ New conflict: **{_md(conflict.model)}**: {values}")
    return lines + [""]


def render_review_markdown(review: Review) -> str:
    """The report for a pull-request comment: validation errors first, then claims, then leaderboards,
    then the verdict. Every piece of text from a result file is escaped."""
    if not review.results_changed:
        return f"No changes under {_code(review.prefix + '/')} between {_code(review.base)} and {_code(review.head)}: " \
               "nothing to review.\n"
    lines = ["## Leaderboard review", "", f"{_compared(review)}: {plural(len(review.files), 'file')} changed.", ""]
    lines += [_render_file(f) for f in review.files] + [""]
    if review.errors:
        lines += [f"### ❌ Validation errors ({len(review.errors)})", ""]
        lines += [_render_issue(i) for i in review.errors] + [""]
    if review.warnings:
        lines += [f"### Warnings ({len(review.warnings)})", ""]
        lines += [_render_issue(i) for i in review.warnings] + [""]
    lines += _render_claims(review)
    lines += ["### Leaderboards", ""]
    if review.leaderboards:
        for change in review.leaderboards:
            lines += _render_leaderboard(change)
    else:
        lines += ["No leaderboard changes.", ""]
    lines.append(f"**Verdict:** {_md(review.verdict)}")
    return "\n".join(lines) + "\n"


def _compared(review: Review) -> str:
    """What was compared: a results directory at two revisions, or two directories."""
    if review.head == review.prefix:  # two plain directories
        return f"{_code(review.head + '/')} compared with {_code(review.base + '/')}"
    head = "in the working tree" if review.head == WORKING_TREE else f"at {_code(review.head)}"
    return f"{_code(review.prefix + '/')} {head} compared with {_code(review.base)}"


def _render_file(change: FileChange) -> str:
    fields = f" (paper fields: {', '.join(_md(n) for n in change.paper_fields)})" if change.paper_fields else ""
    return f"- {_code(change.path)}: {change.status}{fields}"


def _render_claims(review: Review) -> list[str]:
    lines = [f"### Claims: {len(review.added)} added, {len(review.changed)} changed, {len(review.removed)} removed", ""]
    if not (review.added or review.changed or review.removed):
        return lines + ["No claims changed.", ""]
    if review.added:
        lines += ["**Added**", ""] + [f"- {_describe_claim(c)} ({_where(c)})" for c in review.added] + [""]
    decisions = status_changes(review)
    if decisions:
        lines += ["**Review decisions:** " + ", ".join(f"{n} {_md(old)} → {_md(new)}" for (old, new), n in decisions),
                  ""]
    if review.changed:
        lines += ["**Changed**", ""]
        for change in review.changed:
            fields = "; ".join(_describe_field(f) for f in change.fields)
            lines.append(f"- {_describe_claim(change.new)}: {fields} ({_where(change.new)})")
        lines.append("")
    if review.removed:
        lines += ["**Removed**", ""] + [f"- {_describe_claim(c)} ({_where(c)})" for c in review.removed] + [""]
    return lines


def status_changes(review: Review) -> list[tuple[tuple[str, str], int]]:
    """How many claims went from one status to another (extracted -> verified ...), most first."""
    moves = Counter((_plain(f.old), _plain(f.new)) for change in review.changed for f in change.fields
                    if f.name == "status")
    return sorted(moves.items(), key=lambda item: (-item[1], item[0]))


def review_to_json(review: Review) -> dict:
    """The same review for machines: plain JSON types, stable keys."""
    return _json_types({
        "base": review.base,
        "head": review.head,
        "results_dir": review.prefix,
        "results_changed": review.results_changed,
        "valid": review.valid,
        "verdict": review.verdict,
        "files": [asdict(f) for f in review.files],
        "issues": [asdict(i) for i in review.issues],
        "claims": {
            "added": [asdict(c) for c in review.added],
            "changed": [asdict(c) for c in review.changed],
            "removed": [asdict(c) for c in review.removed],
            "status_changes": [{"from": old, "to": new, "claims": n} for (old, new), n in status_changes(review)],
        },
        "leaderboards": [{**asdict(c), "leader_changed": c.leader_changed} for c in review.leaderboards],
    })


def _json_types(value: object) -> object:
    """Tuples become lists, so that the document equals its own JSON round trip."""
    if isinstance(value, dict):
        return {k: _json_types(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_types(v) for v in value]
    return value
