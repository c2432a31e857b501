"""The event topics projections fold, as stored in the log (module:Class.Event)."""

ROOM_CREATED = "hubbub.domain.room:Room.Created"
MEMBERS_JOINED = "hubbub.domain.room:Room.MembersJoined"
MEMBER_LEFT = "hubbub.domain.room:Room.MemberLeft"
OWNERSHIP_TRANSFERRED = "hubbub.domain.room:Room.OwnershipTransferred"
MUTE_CHANGED = "hubbub.domain.room:Room.MuteChanged"
MESSAGE_PINNED = "hubbub.domain.room:Room.MessagePinned"
MESSAGE_UNPINNED = "hubbub.domain.room:Room.MessageUnpinned"

MESSAGE_SENT = "hubbub.domain.message:Message.Sent"
MESSAGE_EDITED = "hubbub.domain.message:Message.Edited"
MESSAGE_DELETED = "hubbub.domain.message:Message.Deleted"
REACTION_ADDED = "hubbub.domain.message:Message.ReactionAdded"
REACTION_REMOVED = "hubbub.domain.message:Message.ReactionRemoved"

READ_MARKER_STARTED = "hubbub.domain.read_marker:ReadMarker.Started"
READ_MARKER_ADVANCED = "hubbub.domain.read_marker:ReadMarker.Advanced"

INBOX_NOTIFICATIONS_READ = "hubbub.domain.inbox:Inbox.NotificationsRead"
INBOX_ALL_READ = "hubbub.domain.inbox:Inbox.AllRead"

ACCOUNT_REGISTERED = "hubbub.domain.account:Account.Registered"
ACCOUNT_PREFS_CHANGED = "hubbub.domain.account:Account.NotificationPrefsChanged"
BROADCAST_ANNOUNCED = "hubbub.domain.broadcast:Broadcast.Announced"

ERASURE_REQUESTED = "hubbub.domain.audit:Erasure.Requested"
