"""The audit index: who did what through which request, by position, actor, aggregate and type."""
