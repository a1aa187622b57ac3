"""The input wizard's router: the card's "Generate" button, the steps, the summary, confirm.

Include it after the menu router (so /start and /cancel win during a step) and before the
fallback (which answers whatever the wizard does not expect).
"""

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, F, Router
from aiogram.types import CallbackQuery, Message, TelegramObject

from trt.bot.callbacks import GenerateCb, WizAction, WizCb
from trt.bot.wizard import confirm
from trt.bot.wizard.flow import WizardFlow
from trt.bot.wizard.state import WizardStates, accepts_files
from trt.domain.catalog import FieldType
from trt.domain.errors import StaleButtonError
from trt.domain.inputs import MediaInput

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
PHOTO_MIME_TYPE = "image/jpeg"  # Telegram re-encodes every photo as JPEG


class FlowMiddleware(BaseMiddleware):
    """Inner middleware: hands matched handlers a `WizardFlow` built from workflow data."""

    def __init__(self, *, free_quota: int) -> None:
        self._free_quota = free_quota

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        data["flow"] = WizardFlow(
            state=data["state"],
            t=data["t"],
            catalog=data["catalog"],
            pricing=data["pricing"],
            accounts=data["accounts"],
            generation=data["generation"],
            user_id=data["account"].user_id,
            free_quota=self._free_quota,
        )
        return await handler(event, data)


def media_of(message: Message) -> MediaInput | None:
    """The file a message carries, described from the Telegram object (nothing downloaded)."""
    if message.photo:
        largest = message.photo[-1]
        return MediaInput(
            ref=largest.file_id, mime_type=PHOTO_MIME_TYPE, size=largest.file_size or 0
        )
    if message.document:
        document = message.document
        return MediaInput(
            ref=document.file_id,
            mime_type=document.mime_type or "application/octet-stream",
            size=document.file_size or 0,
            file_name=document.file_name,
        )
    return None


def build_wizard_router(*, free_quota: int) -> Router:
    router = Router(name="wizard")
    router.message.middleware(FlowMiddleware(free_quota=free_quota))
    router.callback_query.middleware(FlowMiddleware(free_quota=free_quota))
    _register_step_buttons(router)
    _register_summary_buttons(router)
    _register_messages(router)
    return router


def _register_step_buttons(router: Router) -> None:
    @router.callback_query(GenerateCb.filter())
    async def generate(query: CallbackQuery, callback_data: GenerateCb, flow: WizardFlow) -> None:
        await flow.begin(query, callback_data)

    @router.callback_query(WizCb.filter(F.action == WizAction.SET))
    async def choose(query: CallbackQuery, callback_data: WizCb, flow: WizardFlow) -> None:
        session = await flow.load(callback_data, step=True)
        value: object = callback_data.arg
        if session.field.type is FieldType.ENUM:
            options = session.field.options
            if not callback_data.arg.isdigit() or int(callback_data.arg) >= len(options):
                raise StaleButtonError("an option that is gone")
            value = options[int(callback_data.arg)].value
        await flow.submit(query, session, value)

    @router.callback_query(WizCb.filter(F.action == WizAction.PAGE))
    async def page(query: CallbackQuery, callback_data: WizCb, flow: WizardFlow) -> None:
        session = await flow.load(callback_data, step=True)
        number = int(callback_data.arg) if callback_data.arg.isdigit() else 0
        await flow.turn_page(query, session, number)

    @router.callback_query(WizCb.filter(F.action == WizAction.DONE))
    async def done(query: CallbackQuery, callback_data: WizCb, flow: WizardFlow) -> None:
        await flow.finish_files(query, await flow.load(callback_data, step=True))

    @router.callback_query(WizCb.filter(F.action == WizAction.RESET))
    async def reset(query: CallbackQuery, callback_data: WizCb, flow: WizardFlow) -> None:
        await flow.reset(query, await flow.load(callback_data, step=True))


def _register_summary_buttons(router: Router) -> None:
    @router.callback_query(WizCb.filter(F.action == WizAction.EDIT))
    async def edit(query: CallbackQuery, callback_data: WizCb, flow: WizardFlow) -> None:
        session = await flow.load(callback_data)
        if not session.in_summary or not session.model.has_field(callback_data.field):
            raise StaleButtonError("an edit button off the summary")
        await flow.show_step(query, session, callback_data.field, editing=True)

    @router.callback_query(WizCb.filter(F.action == WizAction.SUMMARY))
    async def summary(query: CallbackQuery, callback_data: WizCb, flow: WizardFlow) -> None:
        session = await flow.load(callback_data)
        if not session.in_summary:
            raise StaleButtonError("the summary is gone")
        await flow.show_summary(query, session)

    @router.callback_query(WizCb.filter(F.action == WizAction.CONFIRM))
    async def confirm_(query: CallbackQuery, callback_data: WizCb, flow: WizardFlow) -> None:
        await confirm.confirm(flow, query, callback_data)

    @router.callback_query(WizCb.filter(F.action == WizAction.BACK))
    async def back(query: CallbackQuery, callback_data: WizCb, flow: WizardFlow) -> None:
        await flow.back(query, await flow.load(callback_data))

    @router.callback_query(WizCb.filter(F.action == WizAction.CANCEL))
    async def cancel(query: CallbackQuery, callback_data: WizCb, flow: WizardFlow) -> None:
        await flow.load(callback_data)
        await flow.cancel(query)


def _register_messages(router: Router) -> None:
    @router.message(WizardStates.step, F.text, ~F.text.startswith("/"))
    async def typed(message: Message, flow: WizardFlow) -> None:
        session = await flow.load()
        if accepts_files(session.field):
            await flow.ask(message, session)
        else:
            await flow.submit(message, session, message.text)

    @router.message(WizardStates.step, F.photo | F.document)
    async def file(message: Message, flow: WizardFlow) -> None:
        session = await flow.load()
        media = media_of(message)
        if media is None or not accepts_files(session.field):
            await flow.ask(message, session)
        else:
            await flow.add_file(message, session, media)

    @router.message(WizardStates.step, ~F.text.startswith("/"))
    async def unexpected(message: Message, flow: WizardFlow) -> None:
        await flow.ask(message, await flow.load())

    @router.message(WizardStates.summary, ~F.text.startswith("/"))
    async def on_summary(message: Message, flow: WizardFlow) -> None:
        session = await flow.load()
        await flow.show_summary(message, session, note=flow.t("wiz-use-buttons") + "\n\n")
