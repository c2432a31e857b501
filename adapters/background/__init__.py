"""The background host: where every log consumer runs (projectors, and tomorrow the relay, the
digest engine and audit), under the background lease of the read store.

HUBBUB_PROJECTIONS says where it runs: `process` (a child of `hubbub serve`: process.py),
`thread` (inside the web process), `off` (`hubbub projections run` apart: run.py). consumers.py
is where a consumer is registered; cli.py is `hubbub projections`.
"""
