"""Rooms, the room list of each member, and unread/mention counts (GET /api/rooms in one query)."""
