"""`trt sandbox` as a person uses it: a real process, its web chat in headless Chromium."""

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.drivers.process import get_json, sandbox_process
from tests.sandbox.test_chat_page_browser import CHROMEDRIVER, CHROMIUM, require_browser

SCREENSHOT = Path("/tmp/trt_sandbox_chat.png")
WAIT_SECONDS = 30

pytestmark = pytest.mark.browser


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[str]:
    with sandbox_process(tmp_path, "--kie-latency", "0.5") as chat_url:
        yield chat_url


def drive(url: str) -> tuple[str, str]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=900,900",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        wait = WebDriverWait(driver, WAIT_SECONDS)
        driver.get(f"{url}/")
        box = wait.until(ec.element_to_be_clickable((By.ID, "text-input")))
        box.send_keys("/start")
        driver.find_element(By.ID, "send-button").click()
        greeting = wait.until(
            ec.visibility_of_element_located((By.CSS_SELECTOR, ".from-bot .bubble .text"))
        ).text
        free = wait.until(
            ec.element_to_be_clickable(
                (By.XPATH, "//*[contains(@class,'inline-button') and contains(., 'Бесплатные')]")
            )
        )
        free.click()
        wait.until(
            ec.text_to_be_present_in_element(
                (By.CSS_SELECTOR, ".from-bot .bubble .text"), "Бесплатные модели"
            )
        )
        listing = driver.find_element(By.CSS_SELECTOR, ".from-bot .bubble .text").text
        generate_a_free_picture(driver, wait)
        driver.save_screenshot(str(SCREENSHOT))
        return greeting, listing
    finally:
        driver.quit()


def generate_a_free_picture(driver: Any, wait: Any) -> None:
    """Card -> Generate -> prompt -> summary -> Confirm -> the picture arrives in the chat."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    def press(label: str) -> None:
        xpath = f"(//*[contains(@class,'inline-button') and contains(., '{label}')])[last()]"
        wait.until(ec.element_to_be_clickable((By.XPATH, xpath))).click()

    press("Z-Image")
    press("Создать")
    box = wait.until(ec.element_to_be_clickable((By.ID, "text-input")))
    wait.until(lambda d: "Шаг" in d.page_source)
    box.send_keys("рыжий кот на подоконнике")
    driver.find_element(By.ID, "send-button").click()
    press("Подтвердить")
    wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, ".from-bot .bubble img")))
    wait.until(lambda d: "готово" in d.page_source)


async def test_a_person_browses_and_generates_a_free_picture_in_the_sandbox(sandbox: str) -> None:
    require_browser()
    greeting, listing = await asyncio.to_thread(drive, sandbox)
    assert greeting.startswith("Привет, ")
    assert listing.startswith("🆓 Бесплатные модели: 4 модели")
    status, state = get_json(f"{sandbox}/_chat/state?user_id=1001")
    assert status == 200
    sent = [m["text"] for m in state["messages"] if not m["from_bot"]]
    assert sent == ["/start", "рыжий кот на подоконнике"]
    assert any(m["media"] and m["media"]["kind"] == "photo" for m in state["messages"])
