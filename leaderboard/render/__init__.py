"""Render: the compiled leaderboards as files people read.

In: a `models.Compiled` and the registry. Out: the static site's pages, built in memory as
{relative path: bytes} (`site`, with `chart` for the SVG charts and `highlight` for the marked-up
abstracts), its CSV/JSON downloads (`downloads`), the Markdown tables (`markdown`), and the site
written into its directory in two phases under a lock (`output`). `format` holds the number, date and
link formatting they all share. Every renderer is a pure function of its input.
"""
