"""HTTP endpoints of the web chat page: the user's side of a chat, as JSON, under ``/_chat``.

``GET /_chat/state?user_id=&since=&wait=`` long-polls: it answers once the chats changed past
version ``since`` (or after ``wait`` seconds) with the chat's messages as the user sees them.
The POST endpoints act as the user: send text or a command, upload a photo, press a button,
pay an invoice. Files are served without the bot token under ``/_chat/files/<file_id>``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from trt.sandbox.botapi.chat_view import chat_view
from trt.sandbox.botapi.user import UserDriver

if TYPE_CHECKING:
    from trt.sandbox.botapi.server import BotApiEmulator

PAGE_DIR = Path(__file__).resolve().parent.parent / "chat_page"
STATIC_FILES = {"chat.js": "text/javascript", "chat.css": "text/css"}
MAX_WAIT_SECONDS = 25.0
PRESS_TIMEOUT_SECONDS = 3.0
DEFAULT_USER_ID = 1001


class ChatPage:
    def __init__(self, emulator: BotApiEmulator) -> None:
        self._emulator = emulator

    def _driver(self, values: Any) -> UserDriver:
        try:
            user_id = int(values.get("user_id") or DEFAULT_USER_ID)
        except (TypeError, ValueError):
            raise web.HTTPBadRequest(text="user_id must be an integer") from None
        return self._emulator.user(
            user_id=user_id,
            first_name=str(values.get("first_name") or "Sandbox User"),
            language_code=str(values.get("language_code") or "ru"),
            username=values.get("username") or None,
        )

    async def index(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(PAGE_DIR / "index.html")

    async def static(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in STATIC_FILES:
            raise web.HTTPNotFound()
        body = (PAGE_DIR / name).read_bytes()
        return web.Response(body=body, content_type=STATIC_FILES[name], charset="utf-8")

    async def state(self, request: web.Request) -> web.Response:
        driver = self._driver(request.query)
        changes = self._emulator.ctx.chats.changes
        try:
            since = int(request.query.get("since", "-1"))
            wait = min(float(request.query.get("wait", "0")), MAX_WAIT_SECONDS)
        except ValueError:
            raise web.HTTPBadRequest(text="since and wait must be numbers") from None
        if since >= 0:
            await changes.wait_newer(since, wait)
        view = chat_view(self._emulator.ctx, driver.chat)
        return web.json_response({"version": changes.version, **view})

    async def send(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        driver = self._driver(body)
        text = str(body.get("text") or "").strip()
        if not text:
            raise web.HTTPBadRequest(text="text is empty")
        message = await driver.send_text(text)
        return web.json_response({"ok": True, "message_id": message.message_id})

    async def command(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        driver = self._driver(body)
        message = await driver.send_command(
            str(body.get("command") or "/start"), body.get("payload")
        )
        return web.json_response({"ok": True, "message_id": message.message_id})

    async def photo(self, request: web.Request) -> web.Response:
        form = await request.post()
        upload = form.get("photo")
        if not isinstance(upload, web.FileField):
            raise web.HTTPBadRequest(text="photo file is missing")
        driver = self._driver(form)
        caption = form.get("caption")
        try:
            message = await driver.send_photo(
                upload.file.read(), caption=caption if isinstance(caption, str) else None
            )
        except ValueError as error:
            raise web.HTTPBadRequest(text=str(error)) from None
        return web.json_response({"ok": True, "message_id": message.message_id})

    async def press(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        driver = self._driver(body)
        try:
            result = await driver.press(
                int(body["message_id"]), str(body["callback_data"]), timeout=PRESS_TIMEOUT_SECONDS
            )
        except (KeyError, ValueError, LookupError) as error:
            raise web.HTTPBadRequest(text=f"cannot press: {error}") from None
        return web.json_response(
            {
                "answered": result.answered,
                "text": result.text,
                "show_alert": result.show_alert,
                "url": result.url,
            }
        )

    async def pay(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        driver = self._driver(body)
        try:
            outcome = await driver.pay(int(body["message_id"]), email=body.get("email") or None)
        except (KeyError, ValueError, LookupError) as error:
            raise web.HTTPBadRequest(text=f"cannot pay: {error}") from None
        return web.json_response(
            {
                "status": outcome.status,
                "error_message": outcome.error_message,
                "telegram_payment_charge_id": outcome.telegram_payment_charge_id,
            }
        )

    async def file(self, request: web.Request) -> web.Response:
        stored = self._emulator.ctx.files.get(request.match_info["file_id"])
        if stored is None:
            raise web.HTTPNotFound()
        return web.Response(body=stored.data, content_type=stored.mime_type)


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="expected a JSON object") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="expected a JSON object")
    return body


def add_chat_routes(app: web.Application, emulator: BotApiEmulator) -> None:
    page = ChatPage(emulator)
    app.router.add_get("/", page.index)
    app.router.add_get("/chat", page.index)
    app.router.add_get("/_chat/static/{name}", page.static)
    app.router.add_get("/_chat/state", page.state)
    app.router.add_post("/_chat/send", page.send)
    app.router.add_post("/_chat/command", page.command)
    app.router.add_post("/_chat/photo", page.photo)
    app.router.add_post("/_chat/press", page.press)
    app.router.add_post("/_chat/pay", page.pay)
    app.router.add_get("/_chat/files/{file_id}", page.file)
