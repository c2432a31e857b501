"""Notifications beyond the inbox: digests, their delivery to sockets, and external channels."""
