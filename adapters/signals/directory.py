"""Who shares which room, answered from the rooms read model on the query threads."""

from __future__ import annotations

from uuid import UUID

from hubbub.application.read_side import ReadSide


class ReadModelDirectory:
    def __init__(self, reads: ReadSide):
        self.reads, self.read_models = reads, reads.models

    async def is_member(self, user_id: UUID, room_id: UUID) -> bool:
        return user_id in await self.members_of(room_id)

    async def members_of(self, room_id: UUID) -> list[UUID]:
        return await self.reads.ask(self._members_of, room_id)

    async def peers_of(self, user_id: UUID) -> set[UUID]:
        return await self.reads.ask(self._peers_of, user_id)

    async def rooms_up_to(self, user_id: UUID, max_members: int) -> list[UUID]:
        return await self.reads.ask(self._rooms_up_to, user_id, max_members)

    def _rooms_up_to(self, user_id: UUID, max_members: int) -> list[UUID]:
        return [room_id for room_id, size in self.read_models.room_sizes_of(user_id).items() if size <= max_members]

    def _members_of(self, room_id: UUID) -> list[UUID]:
        room = self.read_models.room(room_id)
        return [UUID(str(m["user_id"])) for m in room["members"]] if room else []

    def _peers_of(self, user_id: UUID) -> set[UUID]:
        peers = {user_id}
        for room in self.read_models.rooms_of(user_id):
            peers.update(self._members_of(UUID(str(room["room_id"]))))
        return peers
