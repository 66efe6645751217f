"""examples/notes (`make run APP=examples/notes`) used as a person would, in a real
browser: create an account, confirm it with the code Lamina keeps in its outbox, sign in,
add notes, delete one, sign out; and the API refuses anyone without a token."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import LaminaProcess

APP = Path(__file__).resolve().parents[2] / "examples" / "notes"


@pytest.fixture(scope="module")
def lamina() -> Iterator[LaminaProcess]:
    served = LaminaProcess(APP)
    yield served
    served.stop()


def test_the_api_needs_a_token(lamina: LaminaProcess) -> None:
    assert httpx.get(f"{lamina.base}/api/notes", timeout=30).status_code == 401
    config = httpx.get(f"{lamina.base}/config.json", timeout=30).json()
    assert config["cognitoEndpoint"] == "/" and config["userPoolId"].startswith("us-east-1_")


@pytest.mark.slow
def test_sign_up_sign_in_and_keep_notes_in_a_browser(lamina: LaminaProcess) -> None:
    from playwright.sync_api import expect, sync_playwright

    email = f"ada-{uuid.uuid4().hex[:8]}@example.com"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"]
        )
        try:
            page = browser.new_page()
            page.goto(lamina.base + "/")
            page.get_by_label("Email", exact=True).fill(email)
            page.get_by_label("Password", exact=True).fill("notes4ever")
            page.get_by_role("button", name="Create an account").click()
            expect(page.get_by_role("heading", name="Confirm your email")).to_be_visible()
            page.get_by_label("Confirmation code").fill(_code_for(lamina, email))
            page.get_by_role("button", name="Confirm and sign in").click()
            expect(page.get_by_text(f"Signed in as {email}")).to_be_visible()

            for text in ("buy milk", "call Ada"):
                page.get_by_label("New note").fill(text)
                page.get_by_role("button", name="Add").click()
                expect(page.get_by_role("list", name="Your notes")).to_contain_text(text)
            page.get_by_role("button", name='Delete "buy milk"').click()
            notes = page.get_by_role("list", name="Your notes")
            expect(notes).not_to_contain_text("buy milk")
            expect(notes).to_contain_text("call Ada")

            page.get_by_role("button", name="Sign out").click()
            expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
            page.get_by_label("Email", exact=True).fill(email)
            page.get_by_label("Password", exact=True).fill("wrong-pass1")
            page.get_by_role("button", name="Sign in", exact=True).click()
            expect(page.get_by_role("status")).to_contain_text("Incorrect username or password")
        finally:
            browser.close()


def _code_for(lamina: LaminaProcess, email: str) -> str:
    messages: list[dict[str, Any]] = httpx.get(
        f"{lamina.base}/_lamina/cognito/outbox", timeout=30
    ).json()["messages"]
    return str([m for m in messages if m["destination"] == email][-1]["code"])
