"""The web application example (examples/webapp, architecture A3) through `lamina up`: the
React front end built from source with npm (once per test session, kept while
package-lock.json and the sources are unchanged), served by the CloudFront-compatible
edge from its bucket; the REST API behind a Cognito authorizer (refusals without or with
a forged token, each person's own projects, tasks and comments); one role per function
(a read function cannot write); and a person using the page in Chromium."""

from __future__ import annotations

import fcntl
import hashlib
import itertools
import json
import re
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.clients import aws_client, until
from tests.conftest import ROOT, LaminaProcess

APP = ROOT / "examples" / "webapp"
FRONTEND = APP / "frontend"
DIST = FRONTEND / "dist"
# Beside the packages npm ci installs (not in dist/, which the bucket mirrors).
HASH_FILE = FRONTEND / "node_modules" / ".lamina-dist-hash"
PASSWORD = "tracker4all"


def _source_hash() -> str:
    """What the built site depends on: the locked packages and the front end's sources."""
    digest = hashlib.sha256()
    sources = [FRONTEND / n for n in ("package-lock.json", "package.json", "index.html")]
    sources += [FRONTEND / "vite.config.js", *sorted((FRONTEND / "src").rglob("*"))]
    for path in sources:
        if path.is_file():
            digest.update(str(path.relative_to(FRONTEND)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="session")
def site() -> Path:
    """frontend/dist as `make -C examples/webapp build` writes it (npm ci, vite build),
    rebuilt only when its sources changed; one build at a time across test workers."""
    wanted = _source_hash()
    lock_path = Path(tempfile.gettempdir()) / "lamina-webapp-build.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if HASH_FILE.is_file() and HASH_FILE.read_text() == wanted:
            return DIST
        done = subprocess.run(
            ["make", "-B", "-C", str(APP), "build"], capture_output=True, text=True, timeout=600
        )
        if done.returncode != 0:
            pytest.fail(
                "building examples/webapp's front end failed (`make -C examples/webapp build`: "
                "npm ci, then vite build). If npm could not reach its registry, connect to "
                "it once; later builds reuse npm's cache (--prefer-offline).\n"
                + done.stdout[-3000:]
                + done.stderr[-3000:],
                pytrace=False,
            )
        HASH_FILE.write_text(wanted)
    return DIST


@pytest.fixture(scope="module")
def lamina(site: Path) -> Iterator[LaminaProcess]:
    served = LaminaProcess(APP)
    yield served
    served.stop()


def _config(lamina: LaminaProcess) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.get(f"{lamina.base}/api/config", timeout=30).json()
    return answer


def _person(lamina: LaminaProcess) -> dict[str, str]:
    """Someone who signed up, confirmed with the code from Lamina's outbox and signed in."""
    config = _config(lamina)
    cognito = aws_client(lamina.base, "cognito-idp")
    email = f"ada-{uuid.uuid4().hex[:8]}@example.com"
    cognito.sign_up(
        ClientId=config["clientId"],
        Username=email,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": email}],
    )
    cognito.confirm_sign_up(
        ClientId=config["clientId"], Username=email, ConfirmationCode=_code_for(lamina, email)
    )
    answer = cognito.initiate_auth(
        ClientId=config["clientId"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )
    return {"Authorization": answer["AuthenticationResult"]["IdToken"]}


def _code_for(lamina: LaminaProcess, email: str) -> str:
    messages: list[dict[str, Any]] = httpx.get(
        f"{lamina.base}/_lamina/cognito/outbox", timeout=30
    ).json()["messages"]
    return str([m for m in messages if m["destination"] == email][-1]["code"])


def _api(lamina: LaminaProcess, method: str, path: str, token: dict[str, str], **kw: Any) -> Any:
    return httpx.request(method, f"{lamina.base}/api{path}", headers=token, timeout=30, **kw)


def test_the_config_needs_no_token_but_the_api_does(lamina: LaminaProcess) -> None:
    config = _config(lamina)
    assert config["userPoolId"].startswith("us-east-1_")
    assert config["cognitoEndpoint"] == f"{lamina.base}/"  # Lamina's Cognito API
    for method, path in (("GET", "/projects"), ("POST", "/projects"), ("GET", "/projects/x")):
        refused = httpx.request(method, f"{lamina.base}/api{path}", timeout=30)
        assert (refused.status_code, refused.json()) == (401, {"message": "Unauthorized"})


def test_a_forged_token_is_refused(lamina: LaminaProcess) -> None:
    token = _person(lamina)["Authorization"]
    head, claims, signature = token.split(".")
    forged = f"{head}.{claims}.{signature[::-1]}"
    refused = _api(lamina, "GET", "/projects", {"Authorization": forged})
    assert refused.status_code == 401


def test_projects_tasks_and_comments_belong_to_their_owner(lamina: LaminaProcess) -> None:
    ada, grace = _person(lamina), _person(lamina)
    project = _api(lamina, "POST", "/projects", ada, json={"name": "Launch"})
    assert project.status_code == 201
    pid = project.json()["id"]
    task = _api(lamina, "POST", f"/projects/{pid}/tasks", ada, json={"title": "Write docs"})
    tid = task.json()["id"]
    assert task.json() == {
        "id": tid,
        "projectId": pid,
        "title": "Write docs",
        "done": False,
        "created": task.json()["created"],
    }
    done = _api(lamina, "PATCH", f"/projects/{pid}/tasks/{tid}", ada, json={"done": True})
    assert done.json()["done"] is True
    comments = f"/projects/{pid}/tasks/{tid}/comments"
    for text in ("first draft", "reviewed"):
        assert _api(lamina, "POST", comments, ada, json={"text": text}).status_code == 201
    assert [c["text"] for c in _api(lamina, "GET", comments, ada).json()] == [
        "first draft",
        "reviewed",
    ]
    assert [p["name"] for p in _api(lamina, "GET", "/projects", ada).json()] == ["Launch"]

    # Another person sees none of it and cannot add to it.
    assert _api(lamina, "GET", "/projects", grace).json() == []
    assert _api(lamina, "GET", f"/projects/{pid}", grace).status_code == 404
    assert _api(lamina, "GET", comments, grace).status_code == 404
    stranger = _api(lamina, "POST", f"/projects/{pid}/tasks", grace, json={"title": "x"})
    assert (stranger.status_code, stranger.json()) == (404, {"message": "no such project"})

    # Deleting the project removes its tasks and comments too.
    assert _api(lamina, "DELETE", f"/projects/{pid}", ada).status_code == 204
    assert _api(lamina, "GET", "/projects", ada).json() == []
    assert _api(lamina, "GET", comments, ada).status_code == 404


def test_a_read_function_cannot_write(site: Path) -> None:
    """Each function's role is its own: ProjectsReadFunction's (DynamoDBReadPolicy) running
    the write handler is refused PutItem by IAM, the same code ProjectsWriteFunction runs."""
    lamina = LaminaProcess(APP)
    try:
        functions = aws_client(lamina.base, "lambda")
        functions.update_function_configuration(
            FunctionName="ProjectsReadFunction", Handler="projects.write"
        )
        assert until(
            lambda: (
                functions.get_function_configuration(FunctionName="ProjectsReadFunction")["Handler"]
                == "projects.write"
            )
        )
        event = {
            "httpMethod": "POST",
            "body": '{"name": "sneaky"}',
            "requestContext": {"authorizer": {"claims": {"sub": "someone"}}},
        }
        answer = functions.invoke(
            FunctionName="ProjectsReadFunction", Payload=json.dumps(event).encode()
        )
        assert answer.get("FunctionError") == "Unhandled"
        message = str(json.loads(answer["Payload"].read())["errorMessage"])
        assert "/ProjectsReadFunction is not authorized to perform: dynamodb:PutItem" in message
    finally:
        lamina.stop()


def _site(lamina: LaminaProcess) -> str:
    """The distribution's address, as `lamina up` prints it."""
    found = re.search(r"(http://d[a-z0-9]+\.cloudfront\.localhost:\d+)/", lamina.output())
    assert found is not None, lamina.output()
    return found.group(1)


def test_the_distribution_serves_the_built_site_and_the_api(
    lamina: LaminaProcess, site: Path
) -> None:
    host = _site(lamina).removeprefix("http://")
    edge = httpx.Client(base_url=lamina.base, headers={"Host": host}, timeout=30)
    page = edge.get("/")
    assert page.status_code == 200 and page.headers["content-type"] == "text/html"
    assert page.text == (site / "index.html").read_text()
    (script,) = re.findall(r'src="(/assets/index-[\w-]+\.js)"', page.text)
    code = edge.get(script)
    assert code.headers["content-type"] == "text/javascript"
    assert code.content == (site / script.lstrip("/")).read_bytes()
    assert edge.get(script).headers["x-cache"] == "Hit from cloudfront"
    # /api/* reaches the REST API's stage api, never cached, the token passed on.
    assert edge.get("/api/config").json() == _config(lamina)
    refused = edge.get("/api/projects")
    assert (refused.status_code, refused.headers["x-cache"]) == (401, "Error from cloudfront")
    token = _person(lamina)
    assert edge.get("/api/projects", headers=token).json() == []


@pytest.mark.slow
def test_a_person_signs_up_tracks_work_and_signs_out_in_a_browser(
    lamina: LaminaProcess, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    email = f"lin-{uuid.uuid4().hex[:8]}@example.com"
    shots = itertools.count(1)

    def snap(page: Any, what: str) -> None:
        page.screenshot(path=str(tmp_path / f"{next(shots):02d}-{what}.png"), full_page=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"]
        )
        try:
            page = browser.new_page()
            page.goto(_site(lamina) + "/")
            expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
            page.get_by_label("Email", exact=True).fill(email)
            page.get_by_label("Password", exact=True).fill(PASSWORD)
            snap(page, "sign-up")
            page.get_by_role("button", name="Create an account").click()
            expect(page.get_by_role("heading", name="Confirm your email")).to_be_visible()
            page.get_by_label("Confirmation code").fill(_code_for(lamina, email))
            snap(page, "confirm")
            page.get_by_role("button", name="Confirm and sign in").click()
            expect(page.get_by_text(f"Signed in as {email}")).to_be_visible()

            page.get_by_label("New project").fill("Launch")
            page.get_by_role("button", name="Add project").click()
            expect(page.get_by_role("list", name="Projects")).to_contain_text("Launch")
            expect(page.get_by_role("heading", name="Tasks of Launch")).to_be_visible()
            for title in ("Write docs", "Ship it"):
                page.get_by_label("New task").fill(title)
                page.get_by_role("button", name="Add task").click()
                expect(page.get_by_role("list", name="Tasks")).to_contain_text(title)
            page.get_by_label("Done: Write docs").click()  # checked once the API saved it
            expect(page.get_by_label("Done: Write docs")).to_be_checked()
            page.get_by_role("button", name="Ship it").click()
            page.get_by_label("New comment").fill("after the docs")
            page.get_by_role("button", name="Comment", exact=True).click()
            expect(page.get_by_role("list", name="Comments")).to_contain_text("after the docs")
            snap(page, "tracking")

            # A reload keeps the session; the API still has everything.
            page.reload()
            page.get_by_role("button", name="Launch", exact=True).click()
            expect(page.get_by_label("Done: Write docs")).to_be_checked()
            expect(page.get_by_label("Done: Ship it")).not_to_be_checked()

            page.get_by_role("button", name="Sign out").click()
            expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
            expect(page.get_by_role("status")).to_have_text("Signed out.")
            status = page.evaluate("fetch('/api/projects').then((r) => r.status)")
            assert status == 401
            snap(page, "signed-out")

            # A tampered token is refused: the page says so and asks to sign in again.
            token = _person(lamina)["Authorization"]
            forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
            page.evaluate(
                "(t) => sessionStorage.setItem('tracker-session', JSON.stringify({idToken: t}))",
                forged,
            )
            page.reload()
            expect(page.get_by_role("status")).to_contain_text("Access refused")
            expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
            snap(page, "refused")

            page.get_by_label("Email", exact=True).fill(email)
            page.get_by_label("Password", exact=True).fill("wrong-pass1")
            page.get_by_role("button", name="Sign in", exact=True).click()
            expect(page.get_by_role("status")).to_contain_text("Incorrect username or password")
        finally:
            browser.close()
