"""The event topics projections fold, as stored in the log (module:Class.Event)."""

ROOM_CREATED = "domain.room:Room.Created"
MEMBERS_JOINED = "domain.room:Room.MembersJoined"
MEMBER_LEFT = "domain.room:Room.MemberLeft"
OWNERSHIP_TRANSFERRED = "domain.room:Room.OwnershipTransferred"
MUTE_CHANGED = "domain.room:Room.MuteChanged"
MESSAGE_PINNED = "domain.room:Room.MessagePinned"
MESSAGE_UNPINNED = "domain.room:Room.MessageUnpinned"

MESSAGE_SENT = "domain.message:Message.Sent"
MESSAGE_EDITED = "domain.message:Message.Edited"
MESSAGE_DELETED = "domain.message:Message.Deleted"
REACTION_ADDED = "domain.message:Message.ReactionAdded"
REACTION_REMOVED = "domain.message:Message.ReactionRemoved"

READ_MARKER_STARTED = "domain.read_marker:ReadMarker.Started"
READ_MARKER_ADVANCED = "domain.read_marker:ReadMarker.Advanced"

INBOX_NOTIFICATIONS_READ = "domain.inbox:Inbox.NotificationsRead"
INBOX_ALL_READ = "domain.inbox:Inbox.AllRead"

ACCOUNT_REGISTERED = "domain.account:Account.Registered"
ACCOUNT_PREFS_CHANGED = "domain.account:Account.NotificationPrefsChanged"
BROADCAST_ANNOUNCED = "domain.broadcast:Broadcast.Announced"
