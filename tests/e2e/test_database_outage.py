"""The database goes away while users write to the bot: each of them is told, in their own
language, that something went wrong (the error handler needs nothing from the database), and
the bot serves them again once it is back. PostgreSQL behind a TCP proxy that cuts it."""

import pytest
import sqlalchemy as sa

from tests.drivers.tcp_proxy import TcpProxy
from tests.e2e.conftest import running_stack

pytestmark = pytest.mark.postgres

GENERIC_EN = "Something went wrong"
GENERIC_RU = "Что-то пошло не так"


async def test_users_are_told_when_the_database_is_down_and_served_after(clean_pg_url: str) -> None:
    url = sa.make_url(clean_pg_url)
    proxy = await TcpProxy(target_port=url.port or 5432).start()
    proxied = url.set(port=proxy.port).render_as_string(hide_password=False)
    try:
        async with running_stack(proxied) as stack:
            english = stack.telegram.user(user_id=7401, language_code="en")
            russian = stack.telegram.user(user_id=7402, language_code="ru")
            proxy.refuse_for(60)

            await english.send_command("/start")
            await russian.send_command("/start")

            told_en = await english.wait_for(lambda m: m.from_bot, timeout=20)
            told_ru = await russian.wait_for(lambda m: m.from_bot, timeout=20)
            assert told_en.text.startswith(GENERIC_EN)
            assert told_ru.text.startswith(GENERIC_RU)

            proxy.heal()
            await english.send_command("/start")
            welcome = await english.wait_for(
                lambda m: m.from_bot and not m.text.startswith(GENERIC_EN), timeout=20
            )
            assert welcome.buttons  # the main menu
    finally:
        await proxy.stop()
