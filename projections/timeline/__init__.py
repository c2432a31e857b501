"""Each room's messages as they stand now (edits, deletions, reactions applied), by position."""
