"""Users and their balance rows. Repository functions never commit."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from trt.storage.tables import balances, users
from trt.storage.upsert import insert_ignoring_conflict, upsert


@dataclass(frozen=True, slots=True)
class UserProfile:
    id: int
    username: str | None
    first_name: str | None
    language: str | None
    is_banned: bool
    is_active: bool
    referrer_id: int | None
    created_at: datetime


async def ensure_user(
    tx: AsyncConnection,
    *,
    user_id: int,
    now: datetime,
    username: str | None = None,
    first_name: str | None = None,
    language: str | None = None,
) -> None:
    """Create the user and an empty balance if new; refresh the profile fields if known.

    A known user is active again: they reached the bot, so they no longer block it.
    """
    await tx.execute(
        upsert(
            tx,
            users,
            conflict_on=["id"],
            update=["username", "first_name", "last_seen_at", "is_active"],
        ),
        {
            "id": user_id,
            "username": username,
            "first_name": first_name,
            "language": language,
            "is_active": True,
            "created_at": now,
            "last_seen_at": now,
        },
    )
    await tx.execute(
        insert_ignoring_conflict(tx, balances, conflict_on=["user_id"]),
        {"user_id": user_id, "available": 0, "held": 0, "updated_at": now},
    )


async def get_user(tx: AsyncConnection, user_id: int) -> UserProfile | None:
    row = (await tx.execute(sa.select(users).where(users.c.id == user_id))).mappings().first()
    if row is None:
        return None
    return UserProfile(
        id=row["id"],
        username=row["username"],
        first_name=row["first_name"],
        language=row["language"],
        is_banned=row["is_banned"],
        is_active=row["is_active"],
        referrer_id=row["referrer_id"],
        created_at=row["created_at"],
    )


async def set_language(tx: AsyncConnection, user_id: int, language: str) -> None:
    await tx.execute(sa.update(users).where(users.c.id == user_id).values(language=language))
