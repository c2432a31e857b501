"""The Socket.IO gateway: durable events from the feed read model to sockets, socket commands to
the application. DESIGN.md says why it is built this way."""
