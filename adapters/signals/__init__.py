"""Live signals the socket gateway calls: typing, presence and read receipts (transport-neutral)."""
