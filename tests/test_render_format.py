"""The formatting helpers the pages call per row (cached): the same answers on every call, odd input included."""

from __future__ import annotations

import datetime as dt

import pytest

from leaderboard.render.format import (
    anchor_id,
    date_sort_key,
    format_date,
    page_name,
    params_count,
    parse_date,
    size_class,
)


@pytest.mark.parametrize("text, shown, key", [
    ("2019-09-17", "Sep 17, 2019", "2019-09-17"),
    ("--01-19", "Jan 19", "0000-01-19"),
    ("--13-01", "--13-01", "0000-13-01"),  # not a month: shown as written
    ("2019-02-30", "2019-02-30", ""),  # not a day: shown as written, sorts first
    ("soon", "soon", ""),
    ("", "", ""),
    (None, "", ""),
])
def test_dates_read_and_sort_the_same_on_every_call(text, shown, key):
    for _ in range(3):
        assert format_date(text) == shown
        assert date_sort_key(text) == key


def test_parsed_dates_are_dates():
    assert parse_date("2024-02-29") == dt.date(2024, 2, 29)
    assert parse_date("2023-02-29") is None and parse_date(None) is None


@pytest.mark.parametrize("params, count, size", [
    ("8x7B", 56e9, "10-70B"), ("350M", 350e6, "<3B"), ("1.2T", 1.2e12, ">70B"), ("big", None, "unknown"),
    (None, None, "unknown"),
])
def test_model_sizes_the_same_on_every_call(params, count, size):
    for _ in range(3):
        assert params_count(params) == count
        assert size_class(params) == size


def test_anchor_ids_join_page_names():
    assert anchor_id("table", "mmlu/accuracy") == "table--" + page_name("mmlu/accuracy")
    assert anchor_id("conflict", "x", "GPT 4") == "--".join(("conflict", "x", page_name("GPT 4")))
    assert page_name("GPT 4") == page_name("GPT 4") != page_name("gpt-4!")
