"""The bot's own profile (``getMe``, commands, descriptions) and how it receives updates."""

from __future__ import annotations

import json
import re
from typing import Any

from trt.sandbox.botapi.context import Context, Handler
from trt.sandbox.botapi.errors import bad_request
from trt.sandbox.botapi.params import Params
from trt.sandbox.botapi.webhook import WebhookConfig

COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
TEXT_LIMITS = {"description": 512, "short_description": 120, "name": 64}


async def get_me(ctx: Context, p: Params) -> dict[str, Any]:
    return dict(ctx.profile.user)


async def accept(ctx: Context, p: Params) -> bool:
    """``logOut`` and ``close``: nothing to do against an emulator."""
    return True


def _commands_key(p: Params) -> tuple[str, str]:
    scope = p.json_value("scope")
    if not isinstance(scope, dict):
        scope = {"type": "default"}
    return json.dumps(scope, sort_keys=True), p.text("language_code") or ""


async def set_my_commands(ctx: Context, p: Params) -> bool:
    commands = p.json_value("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("commands must be an array of at most 100 BotCommand")
    for command in commands:
        if not isinstance(command, dict) or not COMMAND.match(str(command.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    stored = [{"command": c["command"], "description": c["description"]} for c in commands]
    ctx.profile.commands[_commands_key(p)] = stored
    return True


async def get_my_commands(ctx: Context, p: Params) -> list[dict[str, Any]]:
    return list(ctx.profile.commands.get(_commands_key(p), []))


async def delete_my_commands(ctx: Context, p: Params) -> bool:
    ctx.profile.commands.pop(_commands_key(p), None)
    return True


def profile_text(field: str) -> tuple[Handler, Handler]:
    """A ``setMy<Field>`` / ``getMy<Field>`` pair stored per language."""

    async def set_text(ctx: Context, p: Params) -> bool:
        value = p.text(field) or ""
        if len(value) > TEXT_LIMITS[field]:
            raise bad_request(f"{field.upper()}_INVALID")
        ctx.profile.texts[(field, p.text("language_code") or "")] = value
        return True

    async def get_text(ctx: Context, p: Params) -> dict[str, Any]:
        language = p.text("language_code") or ""
        return {field: ctx.profile.texts.get((field, language), "")}

    return set_text, get_text


async def set_chat_menu_button(ctx: Context, p: Params) -> bool:
    button = p.json_value("menu_button")
    ctx.profile.menu_button = button if isinstance(button, dict) else {"type": "default"}
    return True


async def get_chat_menu_button(ctx: Context, p: Params) -> dict[str, Any]:
    return dict(ctx.profile.menu_button)


async def get_updates(ctx: Context, p: Params) -> list[dict[str, Any]]:
    allowed = p.json_value("allowed_updates")
    return await ctx.updates.get_updates(
        offset=p.integer("offset"),
        limit=p.integer("limit") or 100,
        wait_seconds=float(p.integer("timeout") or 0),
        allowed=[str(kind) for kind in allowed] if isinstance(allowed, list) else None,
    )


async def set_webhook(ctx: Context, p: Params) -> bool:
    url = p.text("url") or ""
    if p.flag("drop_pending_updates"):
        ctx.updates.drop_pending()
    if not url:
        await ctx.webhook.configure(None)
        return True
    if not url.startswith(("https://", "http://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = p.text("secret_token")
    if secret is not None and not SECRET.match(secret):
        raise bad_request("secret token contains unallowed characters")
    allowed = p.json_value("allowed_updates")
    max_connections = p.integer("max_connections") or 40
    if not 1 <= max_connections <= 100:
        raise bad_request("bad webhook: max_connections must be 1-100")
    config = WebhookConfig(
        url=url,
        secret_token=secret,
        allowed_updates=[str(kind) for kind in allowed] if isinstance(allowed, list) else None,
        max_connections=max_connections,
        ip_address=p.text("ip_address"),
    )
    await ctx.webhook.configure(config)
    return True


async def delete_webhook(ctx: Context, p: Params) -> bool:
    if p.flag("drop_pending_updates"):
        ctx.updates.drop_pending()
    await ctx.webhook.configure(None)
    return True


async def get_webhook_info(ctx: Context, p: Params) -> dict[str, Any]:
    return ctx.webhook.info()


_set_description, _get_description = profile_text("description")
_set_short, _get_short = profile_text("short_description")
_set_name, _get_name = profile_text("name")

HANDLERS: dict[str, Handler] = {
    "getMe": get_me,
    "logOut": accept,
    "close": accept,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "setMyDescription": _set_description,
    "getMyDescription": _get_description,
    "setMyShortDescription": _set_short,
    "getMyShortDescription": _get_short,
    "setMyName": _set_name,
    "getMyName": _get_name,
    "setChatMenuButton": set_chat_menu_button,
    "getChatMenuButton": get_chat_menu_button,
    "getUpdates": get_updates,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
}
