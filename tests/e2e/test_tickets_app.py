"""The flagship, examples/tickets (the whitepaper's mobile backend, A1, what `make run`
serves), through `lamina up`: the seed step's sample data and demo account, the Cognito
authorizer, each person's tickets, /info from PostgreSQL through a Secrets Manager secret,
one role per function (a function pointed at another's table is refused), the page from a
bucket through the CloudFront-compatible distribution, and a person using it in Chromium."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.clients import aws_client, until
from tests.conftest import ROOT, LaminaProcess

APP = ROOT / "examples" / "tickets"
DEMO = ("demo@example.com", "tickets4demo")  # the template's DemoEmail / DemoPassword defaults
OPEN_LINE = r"^Open (http://d[a-z0-9]+\.cloudfront\.localhost:\d+)/$"
SHOW_IDS = ["hamlet", "jazz-night", "the-tempest", "kids-matinee"]  # soonest first


def _seeded(lamina: LaminaProcess) -> LaminaProcess:
    """`lamina up` once its start step printed what SeedFunction did and the page to open."""
    assert until(lambda: "\nOpen " in lamina.output(), timeout_s=30), lamina.output()
    return lamina


@pytest.fixture(scope="module")
def lamina() -> Iterator[LaminaProcess]:
    served = LaminaProcess(APP)
    yield _seeded(served)
    served.stop()


def _site(lamina: LaminaProcess) -> str:
    """The distribution's URL, as `lamina up` says to open it."""
    found = re.search(
        r"^Open (http://d[a-z0-9]+\.cloudfront\.localhost:\d+)/$", lamina.output(), re.M
    )
    assert found, lamina.output()
    return found.group(1)


def _from_site(lamina: LaminaProcess, path: str, **options: Any) -> httpx.Response:
    """A request to the distribution: *.localhost is loopback (RFC 6761), which Python's
    resolver does not know, so it goes to 127.0.0.1 naming the distribution as its Host."""
    host = _site(lamina).removeprefix("http://")
    options.setdefault("headers", {})["Host"] = host
    return httpx.request(
        options.pop("method", "GET"), f"{lamina.base}{path}", timeout=30, **options
    )


def _config(lamina: LaminaProcess) -> dict[str, Any]:
    config: dict[str, Any] = _from_site(lamina, "/config.json").json()
    return config


def _sign_in(lamina: LaminaProcess, email: str, password: str) -> dict[str, str]:
    config = _config(lamina)
    answer = aws_client(lamina.base, "cognito-idp").initiate_auth(
        ClientId=config["clientId"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )
    return {"Authorization": answer["AuthenticationResult"]["IdToken"]}


def _new_person(lamina: LaminaProcess) -> dict[str, str]:
    """Someone who signed up and was confirmed by an administrator."""
    config = _config(lamina)
    cognito = aws_client(lamina.base, "cognito-idp")
    email = f"grace-{uuid.uuid4().hex[:8]}@example.com"
    cognito.sign_up(ClientId=config["clientId"], Username=email, Password="second4pass")
    cognito.admin_confirm_sign_up(UserPoolId=config["userPoolId"], Username=email)
    return _sign_in(lamina, email, "second4pass")


def test_lamina_up_prints_the_page_to_open_and_the_demo_user(lamina: LaminaProcess) -> None:
    output = lamina.output()
    assert (
        "Seed SeedFunction: 4 shows and 3 venue notices are in; "
        f"sign in as {DEMO[0]} with the password {DEMO[1]}"
    ) in output
    assert f"Open {_site(lamina)}/\n" in output


def test_the_page_and_its_settings_come_from_the_bucket_through_the_distribution(
    lamina: LaminaProcess,
) -> None:
    page = _from_site(lamina, "/")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["x-cache"] in ("Miss from cloudfront", "Hit from cloudfront")
    assert "<title>Tickets</title>" in page.text
    config = _config(lamina)
    assert config["userPoolId"].startswith("us-east-1_") and config["local"] is True
    assert (config["cognitoEndpoint"], config["api"]) == (None, "/api")
    # The page's origin reaches the API too, and it refuses a request without a token there.
    refused = _from_site(lamina, "/api/tickets")
    assert (refused.status_code, refused.json()) == (401, {"message": "Unauthorized"})


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/shows"), ("GET", "/tickets"), ("POST", "/tickets"), ("GET", "/info")],
)
def test_the_api_refuses_a_request_without_a_token(
    lamina: LaminaProcess, method: str, path: str
) -> None:
    refused = httpx.request(method, f"{lamina.base}/api{path}", json={}, timeout=30)
    assert refused.status_code == 401
    assert refused.json() == {"message": "Unauthorized"}


def test_a_forged_token_is_refused(lamina: LaminaProcess) -> None:
    token = _sign_in(lamina, *DEMO)["Authorization"]
    head, body, signature = token.split(".")
    forged = f"{head}.{body}.{signature[::-1]}"
    answer = httpx.get(f"{lamina.base}/api/shows", headers={"Authorization": forged}, timeout=30)
    assert answer.status_code == 401


def test_the_demo_user_sees_the_sample_shows_soonest_first(lamina: LaminaProcess) -> None:
    shows = httpx.get(f"{lamina.base}/api/shows", headers=_sign_in(lamina, *DEMO), timeout=30)
    assert shows.status_code == 200, lamina.output()[-3000:]
    assert [show["id"] for show in shows.json()] == SHOW_IDS
    assert shows.json()[0] == {
        "id": "hamlet",
        "title": "Hamlet",
        "venue": "Main Stage",
        "startsAt": "2027-03-05T19:30:00Z",
        "priceCents": 4200,
    }


def test_a_bought_ticket_is_listed_for_its_buyer_only(lamina: LaminaProcess) -> None:
    buyer, other = _new_person(lamina), _new_person(lamina)
    api = f"{lamina.base}/api/tickets"
    bought = httpx.post(api, headers=buyer, json={"showId": "jazz-night", "seats": 2}, timeout=30)
    assert bought.status_code == 201, bought.text
    ticket = bought.json()
    assert (ticket["title"], ticket["startsAt"], ticket["seats"]) == (
        "Jazz Night",
        "2027-03-12T21:00:00Z",
        2,
    )
    later = httpx.post(api, headers=buyer, json={"showId": "hamlet"}, timeout=30).json()
    listed = httpx.get(api, headers=buyer, timeout=30).json()
    assert [t["id"] for t in listed] == [later["id"], ticket["id"]]  # newest first
    assert httpx.get(api, headers=other, timeout=30).json() == []


@pytest.mark.parametrize(
    ("order", "status", "message"),
    [
        ({"showId": "no-such-show"}, 404, "no show no-such-show"),
        ({"showId": "hamlet", "seats": 0}, 400, "seats must be between 1 and 10"),
        ({"seats": 1}, 400, 'send {"showId": "...", "seats": 1}'),
    ],
)
def test_a_wrong_order_is_refused_with_its_reason(
    lamina: LaminaProcess, order: dict[str, Any], status: int, message: str
) -> None:
    answer = httpx.post(
        f"{lamina.base}/api/tickets", headers=_sign_in(lamina, *DEMO), json=order, timeout=30
    )
    assert (answer.status_code, answer.json()) == (status, {"message": message})


def test_info_comes_from_postgresql_found_through_the_secret(lamina: LaminaProcess) -> None:
    info = httpx.get(f"{lamina.base}/api/info", headers=_sign_in(lamina, *DEMO), timeout=30)
    assert info.status_code == 200, lamina.output()[-3000:]
    # Where the database is lives only in the secret the function reads.
    environment = aws_client(lamina.base, "lambda").get_function_configuration(
        FunctionName="InfoFunction"
    )["Environment"]["Variables"]
    assert set(environment) == {"DB_SECRET"}
    secret = aws_client(lamina.base, "secretsmanager").get_secret_value(
        SecretId=environment["DB_SECRET"]
    )
    where = json.loads(secret["SecretString"])
    assert where == {
        "host": "127.0.0.1",
        "port": 5432,
        "dbname": "postgres",
        "username": "postgres",
    }
    with psycopg.connect(
        host=where["host"], port=where["port"], dbname=where["dbname"], user=where["username"]
    ) as connection:
        version = connection.execute("SELECT current_setting('server_version')").fetchone()
        rows = connection.execute("SELECT title, body FROM tickets_notices ORDER BY position")
        notices = [{"title": title, "body": body} for title, body in rows.fetchall()]
    assert version is not None
    assert info.json() == {"database": f"PostgreSQL {version[0]}", "notices": notices}
    assert [notice["title"] for notice in notices[:3]] == ["Doors", "Getting here", "Access"]


def test_a_function_cannot_touch_another_functions_table() -> None:
    """Each function's role names its own tables: ShowsFunction pointed at the tickets table,
    and TicketsFunction told to write tickets into the shows table, are refused by IAM."""
    lamina = _seeded(LaminaProcess(APP))
    try:
        functions = aws_client(lamina.base, "lambda")
        tickets_table = _environment(functions, "TicketsFunction")["TICKETS_TABLE"]
        shows_table = _environment(functions, "ShowsFunction")["SHOWS_TABLE"]
        _point(functions, "ShowsFunction", SHOWS_TABLE=tickets_table)
        _point(functions, "TicketsFunction", TICKETS_TABLE=shows_table)
        denied = _invoke(functions, "ShowsFunction", {"httpMethod": "GET"})
        assert _denial("ShowsFunction", "dynamodb:Scan", tickets_table) in denied
        claims = {"claims": {"sub": "someone"}}
        order = {"httpMethod": "POST", "requestContext": {"authorizer": claims}}
        denied = _invoke(functions, "TicketsFunction", {**order, "body": '{"showId": "hamlet"}'})
        assert _denial("TicketsFunction", "dynamodb:PutItem", shows_table) in denied
    finally:
        lamina.stop()


def _environment(functions: Any, name: str) -> dict[str, str]:
    variables = functions.get_function_configuration(FunctionName=name)["Environment"]
    return dict(variables["Variables"])


def _point(functions: Any, name: str, **variables: str) -> None:
    merged = {**_environment(functions, name), **variables}
    functions.update_function_configuration(FunctionName=name, Environment={"Variables": merged})
    assert until(lambda: _environment(functions, name) == merged)


def _invoke(functions: Any, name: str, event: dict[str, Any]) -> str:
    answer = functions.invoke(FunctionName=name, Payload=json.dumps(event).encode())
    assert answer.get("FunctionError") == "Unhandled"
    return str(json.loads(answer["Payload"].read())["errorMessage"])


def _denial(function: str, action: str, table: str) -> str:
    return (
        f"/{function} is not authorized to perform: {action} on resource: "
        f"arn:aws:dynamodb:us-east-1:123456789012:table/{table} "
        f"because no identity-based policy allows the {action} action"
    )


@pytest.mark.slow
def test_a_person_signs_up_buys_tickets_and_signs_out_in_a_browser(
    lamina: LaminaProcess, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    email = f"ada-{uuid.uuid4().hex[:8]}@example.com"
    shots = iter(range(1, 100))

    def snap(page: Any, what: str) -> None:
        page.screenshot(path=str(tmp_path / f"{next(shots):02d}-{what}.png"), full_page=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"]
        )
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
            page.goto(_site(lamina) + "/")
            page.get_by_label("Email", exact=True).fill(email)
            page.get_by_label("Password", exact=True).fill("tickets4ada")
            snap(page, "sign-up")
            page.get_by_role("button", name="Create an account").click()
            expect(page.get_by_role("heading", name="Confirm your email")).to_be_visible()
            page.get_by_label("Confirmation code").fill(_code_for(lamina, email))
            snap(page, "confirm")
            page.get_by_role("button", name="Confirm and sign in").click()
            expect(page.get_by_text(f"Signed in as {email}")).to_be_visible()

            shows = page.get_by_role("list", name="Shows")
            expect(shows.get_by_role("listitem")).to_have_count(len(SHOW_IDS))
            expect(shows).to_contain_text("Hamlet")
            snap(page, "shows")
            page.get_by_role("button", name="Buy a ticket for The Tempest").click()
            tickets = page.get_by_role("list", name="Your tickets")
            expect(tickets).to_contain_text("The Tempest")
            expect(page.get_by_role("status")).to_have_text("Booked: The Tempest.")
            page.get_by_role("button", name="Shows").click()
            page.get_by_role("button", name="Buy a ticket for Jazz Night").click()
            expect(tickets.get_by_role("listitem")).to_have_count(2)
            expect(tickets.get_by_role("listitem").first).to_contain_text("Jazz Night")
            snap(page, "tickets")

            page.get_by_role("button", name="Info").click()
            expect(page.get_by_role("list", name="Venue notices")).to_contain_text("Doors open")
            expect(page.get_by_text(re.compile(r"Served from PostgreSQL \d+"))).to_be_visible()
            snap(page, "info")

            page.get_by_role("button", name="Sign out").click()
            expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
            expect(page.get_by_role("status")).to_have_text("Signed out.")
            snap(page, "signed-out")

            # Without a token the API itself refuses, whatever the page shows.
            refused = page.goto(_site(lamina) + "/api/tickets")
            assert refused is not None and refused.status == 401
            expect(page.locator("body")).to_contain_text('{"message":"Unauthorized"}')
            snap(page, "refused")
        finally:
            browser.close()
    assert len(list(tmp_path.glob("*.png"))) == 7


@pytest.mark.slow
def test_the_demo_user_signs_in_and_sees_a_wrong_password_refused_in_a_browser(
    lamina: LaminaProcess, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"]
        )
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.goto(_site(lamina) + "/")
            page.get_by_label("Email", exact=True).fill(DEMO[0])
            page.get_by_label("Password", exact=True).fill("wrong-pass1")
            page.get_by_role("button", name="Sign in", exact=True).click()
            expect(page.get_by_role("status")).to_contain_text("Incorrect username or password")
            page.get_by_label("Password", exact=True).fill(DEMO[1])
            page.get_by_role("button", name="Sign in", exact=True).click()
            expect(page.get_by_text(f"Signed in as {DEMO[0]}")).to_be_visible()
            expect(page.get_by_role("list", name="Shows")).to_contain_text("Puppets at Noon")
            page.screenshot(path=str(tmp_path / "demo-signed-in.png"), full_page=True)
        finally:
            browser.close()


def _code_for(lamina: LaminaProcess, email: str) -> str:
    messages: list[dict[str, Any]] = httpx.get(
        f"{lamina.base}/_lamina/cognito/outbox", timeout=30
    ).json()["messages"]
    return str([m for m in messages if m["destination"] == email][-1]["code"])
