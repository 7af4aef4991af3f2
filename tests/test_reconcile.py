import json

import pytest

from leaderboard.compile.reconcile import (
    canonical_model_id,
    canonical_setting,
    display_names,
    is_placeholder,
    load_model_aliases,
)
from leaderboard.errors import RegistryError
from leaderboard.ids import is_safe_id


@pytest.mark.parametrize("name", ["LLaMA-2 7B", "Llama 2 7B", "llama-2-7b", "Llama2-7B", "LLAMA_2_7b", "Llama-2 7 B",
                                  "llama 2 7.0b", "meta-llama/Llama-2-7b"])
def test_llama_2_spellings_are_one_model(name):
    assert canonical_model_id(name, {}) == "llama-2-7b"


def test_instruct_and_chat_variants_stay_distinct():
    ids = {canonical_model_id(n, {}) for n in ("Llama-2-7B", "Llama-2-7B-Chat", "Llama-2-7B-Instruct")}
    assert len(ids) == 3


def test_size_moves_to_the_end_so_word_order_around_it_does_not_matter():
    assert canonical_model_id("Qwen2.5-7B-Instruct", {}) == canonical_model_id("Qwen 2.5 Instruct 7B", {})
    assert canonical_model_id("Mixtral 8x7B", {}) == canonical_model_id("mixtral-8x7b", {}) == "mixtral-8x7b"


def test_versions_and_one_letter_names_are_kept():
    assert canonical_model_id("GPT-3.5", {}) == "gpt-3.5" != canonical_model_id("GPT-35", {})
    assert canonical_model_id("gpt4o", {}) == canonical_model_id("GPT-4o", {}) == "gpt-4o"
    assert canonical_model_id("T5", {}) == "t5"
    assert canonical_model_id("DeepSeek R1", {}) == canonical_model_id("DeepSeek-R1", {}) == "deepseek-r1"


def test_params_complete_a_name_without_size():
    assert canonical_model_id("AQLM", {}, params="7B") == "aqlm-7b"
    assert canonical_model_id("AQLM", {}, params="70B") == "aqlm-70b"
    assert canonical_model_id("Llama-3", {}, params="8B") == canonical_model_id("Llama 3 8B", {}, params="8B")
    # a size in the name wins over params
    assert canonical_model_id("Llama-3-8B", {}, params="70B") == "llama-3-8b"


def test_placeholders_are_scoped_to_their_paper():
    a = canonical_model_id("(prior SOTA)", {}, paper_id="aaaaaaaaaa")
    b = canonical_model_id("(prior SOTA)", {}, paper_id="bbbbbbbbbb")
    assert a != b and a == "prior-sota--aaaaaaaaaa"
    assert canonical_model_id("(baseline)", {}, paper_id="a1", params="3B") == "baseline-3b--a1"
    assert is_placeholder("(unnamed)") and not is_placeholder("Foo (upcycled)")


@pytest.mark.parametrize("name", ["../../etc", "Icon^{2}", "ÉtoilE-7B", "a" * 300, "(…)", "con"])
def test_ids_are_always_safe(name):
    assert is_safe_id(canonical_model_id(name, {}, paper_id="0a1b2c3d4e"))


def test_shipped_alias_file_merges_what_rules_cannot():
    aliases = load_model_aliases()
    assert canonical_model_id("GPT-4 Omni", aliases) == canonical_model_id("gpt4o", aliases) == "gpt-4o"
    assert canonical_model_id("Claude-3-7-Sonnet", aliases) == canonical_model_id("Claude 3.7 Sonnet", aliases)
    assert canonical_model_id("Meta-Llama-3-8B-Instruct", aliases) == canonical_model_id("Llama-3-8B-Instruct", aliases)
    # ChatGPT has served several models: it is not aliased to any one of them
    assert canonical_model_id("ChatGPT", aliases) == "chatgpt"


def test_alias_file_is_validated(tmp_path):
    path = tmp_path / "models.json"
    path.write_text(json.dumps({"version": 1, "models": [{"id": "x", "aliases": []}]}), encoding="utf-8")
    with pytest.raises(RegistryError, match="/models/0/aliases"):
        load_model_aliases(path)


def test_custom_alias_file(tmp_path):
    path = tmp_path / "models.json"
    path.write_text(json.dumps({"version": 1, "models": [{"id": "gpt-3.5-turbo", "aliases": ["GPT 3.5 Turbo 0613"]}]}))
    assert canonical_model_id("gpt-3.5-turbo-0613", load_model_aliases(path)) == "gpt-3.5-turbo"


def test_display_name_is_the_most_common_spelling_with_stable_ties():
    names = display_names([("llama-2-7b", "Llama 2 7B"), ("llama-2-7b", "LLaMA-2 7B"), ("llama-2-7b", "LLaMA-2 7B"),
                           ("gpt-4o", "gpt4o"), ("gpt-4o", "GPT-4o")])
    assert names == {"llama-2-7b": "LLaMA-2 7B", "gpt-4o": "GPT-4o"}


@pytest.mark.parametrize("text, expected", [(None, None), ("  ", None), ("Zero-shot", "zero-shot"),
                                            ("0-shot", "zero-shot"), ("5-shot", "5-shot"), ("CoT", "cot"),
                                            ("chain-of-thought", "cot"), ("few shot", "few-shot")])
def test_settings(text, expected):
    assert canonical_setting(text) == expected


@pytest.mark.parametrize("name, expected", [
    ("qwen2.5-7b", "qwen-2.5-7b"), ("Qwen2.5 7B", "qwen-2.5-7b"), ("llama2", "llama-2"), ("o1", "o1"),
    ("Mixtral-8x7B", "mixtral-8x7b"), ("v2 model", "v2-model"), ("GPT 3.5 v.2", "gpt-3.5-v-2"),
    ("phi-3.5-mini 3.8b", "phi-3.5-mini-3.8b"), ("7B llama", "llama-7b"), ("1.5 t", "1.5t"),
])
def test_tokens_glued_words_sizes_and_dots(name, expected):
    assert canonical_model_id(name, {}) == expected


def test_rule_ids_are_cached_and_unhashable_params_still_work():
    from leaderboard.compile.reconcile import rule_model_id

    assert rule_model_id("Llama 2 7B") == rule_model_id("Llama 2 7B") == "llama-2-7b"
    assert rule_model_id("Llama 2 7B", ["70B"]) == "llama-2-7b"  # a size in the name: params unused, not hashed
    with pytest.raises(AttributeError):
        rule_model_id("AQLM", ["70B"])  # as before caching: params must be text


def test_display_names_keep_first_seen_order_and_break_ties_alphabetically():
    names = display_names([("b", "Zed"), ("a", "y"), ("b", "Alpha"), ("a", "x"), ("b", "Zed"), ("b", "Alpha")])
    assert list(names.items()) == [("b", "Alpha"), ("a", "x")]
    assert display_names(iter([("m", "Only")])) == {"m": "Only"}
    assert display_names([]) == {}
