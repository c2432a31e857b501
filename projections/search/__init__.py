"""Full-text search over message bodies, within the rooms the caller may read."""
