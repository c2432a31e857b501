"""Each user's notifications: mentions, replies to their messages, DMs, reactions to their messages."""
