"""Each room's durable events as clients receive them, by room and position, and who was a
member when: what the socket gateway delivers live and replays from any position."""
