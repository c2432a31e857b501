"""Audit: inspection of the log, its hash chain and signed checkpoints, erasure (see DESIGN.md)."""
