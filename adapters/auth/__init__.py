"""Tokens and the keys that sign them: pyjwt with one pinned algorithm."""
