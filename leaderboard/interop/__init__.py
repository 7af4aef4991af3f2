"""Interop: the formats other tools keep results in, both ways.

Out (`export`): the compiled leaderboards as Hugging Face `model-index` YAML, the Papers with Code
`evaluation-tables.json` shape, and every claim as JSON Lines or Parquet. In (`import_`): those same
formats read back into result files under `results/`, each claim validated and traced to its source.
"""
