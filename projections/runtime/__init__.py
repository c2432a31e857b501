"""The projection runtime: how log consumers (projectors and the others) are fed from the log,
apart from the read models they build. See projections/README.md, "How the background host runs"."""
