"""The hosted sign-in pages as server-rendered HTML: sign in, choose a new password, and
the error page. No scripts and no external assets (one inline style sheet), so the pages
work offline and under a strict Content-Security-Policy.

Accessibility: every input has a visible <label>, errors sit in a `role="alert"` region
that the inputs name with `aria-describedby` (screen readers announce them when the page
loads), focus is always visible (`:focus-visible` outline), and the first field that
needs attention has `autofocus`.
"""

from __future__ import annotations

from html import escape

from lamina.http.message import HttpResponse

HEADERS = [
    (b"content-type", b"text/html; charset=utf-8"),
    (b"cache-control", b"no-cache, no-store, max-age=0, must-revalidate"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    # No form-action: Chromium applies it to the redirect to the app's callback URL.
    (
        b"content-security-policy",
        b"default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    ),
]

_STYLE = """
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;
font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f3f4f6;
color:#111827}
main{width:100%;max-width:24rem;margin:1rem;padding:2rem;background:#fff;
border-radius:.75rem;box-shadow:0 1px 3px rgba(0,0,0,.12),0 8px 24px rgba(0,0,0,.06)}
h1{font-size:1.5rem;margin:0 0 .25rem}
p.lead{margin:0 0 1.5rem;color:#4b5563}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
input{width:100%;padding:.625rem .75rem;font:inherit;color:inherit;background:#fff;
border:1px solid #6b7280;border-radius:.375rem}
input[aria-invalid=true]{border-color:#b91c1c}
input:focus-visible,button:focus-visible{outline:3px solid #2563eb;outline-offset:2px}
button{width:100%;margin-top:1.5rem;padding:.7rem;font:inherit;font-weight:600;
color:#fff;background:#1d4ed8;border:0;border-radius:.375rem;cursor:pointer}
button:hover{background:#1e40af}
a.button{display:block;padding:.7rem;text-align:center;font-weight:600;color:#1d4ed8;
border:1px solid #1d4ed8;border-radius:.375rem;text-decoration:none}
a.button:hover{background:#eff6ff}
.alert{margin:0 0 1rem;padding:.75rem;border-radius:.375rem;background:#fef2f2;
color:#991b1b;border:1px solid #fecaca}
.hint{font-size:.875rem;color:#4b5563;margin:.25rem 0 0}
p.switch{margin:1.25rem 0 0;text-align:center}
a{color:#1d4ed8}a:focus-visible{outline:3px solid #2563eb;outline-offset:2px}
@media (prefers-color-scheme:dark){body{background:#111827;color:#f9fafb}
main{background:#1f2937}p.lead,.hint{color:#d1d5db}input{background:#111827;
border-color:#9ca3af}.alert{background:#450a0a;color:#fecaca;border-color:#7f1d1d}}
"""


def page(
    title: str, body: str, status: int = 200, headers: list[tuple[bytes, bytes]] | None = None
) -> HttpResponse:
    document = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )
    return HttpResponse(status, [*HEADERS, *(headers or [])], document.encode())


def _alert(error: str | None) -> str:
    if not error:
        return ""
    return f'<div class="alert" role="alert" id="form-error">{escape(error)}</div>'


def _invalid(error: str | None) -> str:
    return ' aria-invalid="true" aria-describedby="form-error"' if error else ""


def sign_in(
    *,
    action: str,
    csrf: str,
    client_name: str,
    username: str = "",
    error: str | None = None,
    status: int = 200,
    headers: list[tuple[bytes, bytes]] | None = None,
    sign_up_href: str | None = None,
    forgot_href: str | None = None,
    providers: list[tuple[str, str]] | None = None,
) -> HttpResponse:
    """The sign-in form; `action` is the /login URL with the authorize request's query.
    `providers`: (name, authorize URL) of the external identity providers to offer."""
    focus_password = bool(username)
    federated = ""
    if providers:
        federated = (
            '<p class="lead">Sign in with your corporate ID</p>'
            + "".join(
                f'<p><a class="button" href="{escape(href)}">{escape(name)}</a></p>'
                for name, href in providers
            )
            + '<p class="lead">or with your username and password</p>'
        )
    body = (
        "<h1>Sign in</h1>"
        f'<p class="lead">to continue to {escape(client_name)}</p>'
        f"{_alert(error)}"
        f"{federated}"
        f'<form method="post" action="{escape(action)}">'
        f'<input type="hidden" name="_csrf" value="{escape(csrf)}">'
        '<label for="username">Username</label>'
        f'<input id="username" name="username" type="text" autocomplete="username" '
        f'autocapitalize="none" spellcheck="false" required value="{escape(username)}"'
        f"{_invalid(error)}{'' if focus_password else ' autofocus'}>"
        '<label for="password">Password</label>'
        '<input id="password" name="password" type="password" '
        f'autocomplete="current-password" required{_invalid(error)}'
        f"{' autofocus' if focus_password else ''}>"
        '<button type="submit">Sign in</button>'
        "</form>"
    )
    if forgot_href is not None:
        body += f'<p class="switch"><a href="{escape(forgot_href)}">Forgot your password?</a></p>'
    if sign_up_href is not None:
        body += (
            f'<p class="switch">Need an account? <a href="{escape(sign_up_href)}">Sign up</a></p>'
        )
    return page("Sign in", body, status, headers)


def sign_up(
    *,
    action: str,
    csrf: str,
    client_name: str,
    sign_in_href: str,
    email_is_username: bool,
    minimum_length: int,
    values: dict[str, str] | None = None,
    error: str | None = None,
    status: int = 200,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> HttpResponse:
    given = values or {}
    password_invalid = ' aria-invalid="true"' if error else ""
    username = (
        ""
        if email_is_username
        else (
            '<label for="username">Username</label>'
            '<input id="username" name="username" type="text" autocomplete="username" '
            f'autocapitalize="none" spellcheck="false" required autofocus '
            f'value="{escape(given.get("username", ""))}"{_invalid(error)}>'
        )
    )
    body = (
        "<h1>Sign up</h1>"
        f'<p class="lead">Create an account for {escape(client_name)}</p>'
        f"{_alert(error)}"
        f'<form method="post" action="{escape(action)}">'
        f'<input type="hidden" name="_csrf" value="{escape(csrf)}">'
        f"{username}"
        '<label for="email">Email</label>'
        '<input id="email" name="email" type="email" autocomplete="email" required '
        f'value="{escape(given.get("email", ""))}"{_invalid(error)}'
        f"{' autofocus' if email_is_username else ''}>"
        '<label for="password">Password</label>'
        '<input id="password" name="password" type="password" autocomplete="new-password" '
        f'required aria-describedby="password-hint"{password_invalid}>'
        f'<p class="hint" id="password-hint">At least {minimum_length} characters.</p>'
        '<button type="submit">Sign up</button>'
        "</form>"
        '<p class="switch">Already have an account? '
        f'<a href="{escape(sign_in_href)}">Sign in</a></p>'
    )
    return page("Sign up", body, status, headers)


def confirm(
    *,
    action: str,
    csrf: str,
    ticket: str,
    destination: str,
    error: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """The confirmation code form after sign-up; `ticket` names the new user."""
    sent = f"We sent a code to {destination}." if destination else "We sent you a code."
    body = (
        "<h1>Confirm your account</h1>"
        f'<p class="lead">{escape(sent)} Enter it below to confirm your account.</p>'
        f"{_alert(error)}"
        f'<form method="post" action="{escape(action)}">'
        f'<input type="hidden" name="_csrf" value="{escape(csrf)}">'
        f'<input type="hidden" name="ticket" value="{escape(ticket)}">'
        '<label for="code">Verification code</label>'
        '<input id="code" name="code" type="text" inputmode="numeric" '
        f'autocomplete="one-time-code" required autofocus{_invalid(error)}>'
        '<button type="submit">Confirm account</button>'
        "</form>"
    )
    return page("Confirm your account", body, status)


def new_password(
    *,
    action: str,
    csrf: str,
    session: str,
    error: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """NEW_PASSWORD_REQUIRED: a user created with a temporary password picks their own."""
    body = (
        "<h1>Change your password</h1>"
        '<p class="lead">Your temporary password must be replaced before you continue.</p>'
        f"{_alert(error)}"
        f'<form method="post" action="{escape(action)}">'
        f'<input type="hidden" name="_csrf" value="{escape(csrf)}">'
        f'<input type="hidden" name="session" value="{escape(session)}">'
        '<label for="new_password">New password</label>'
        '<input id="new_password" name="new_password" type="password" '
        f'autocomplete="new-password" required autofocus{_invalid(error)}>'
        '<label for="confirm_password">Confirm new password</label>'
        '<input id="confirm_password" name="confirm_password" type="password" '
        f'autocomplete="new-password" required{_invalid(error)}>'
        '<button type="submit">Change password and sign in</button>'
        "</form>"
    )
    return page("Change your password", body, status)


def error(message: str, code: str, status: int = 400) -> HttpResponse:
    """Cognito's error page: shown instead of redirecting when the client or redirect URI
    cannot be trusted with the answer."""
    body = (
        "<h1>An error was encountered with the requested page.</h1>"
        f'<div class="alert" role="alert"><p>{escape(message)}</p>'
        f'<p class="hint">Error: <code>{escape(code)}</code></p></div>'
    )
    return page("Error", body, status)


def forgot_password(
    *,
    action: str,
    csrf: str,
    sign_in_href: str,
    error: str | None = None,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> HttpResponse:
    body = (
        "<h1>Forgot your password?</h1>"
        '<p class="lead">Enter your username and we will send you a code to reset it.</p>'
        f"{_alert(error)}"
        f'<form method="post" action="{escape(action)}">'
        f'<input type="hidden" name="_csrf" value="{escape(csrf)}">'
        '<label for="username">Username</label>'
        '<input id="username" name="username" type="text" autocomplete="username" '
        f'autocapitalize="none" spellcheck="false" required autofocus{_invalid(error)}>'
        '<button type="submit">Reset my password</button>'
        "</form>"
        f'<p class="switch"><a href="{escape(sign_in_href)}">Back to sign in</a></p>'
    )
    return page("Forgot your password?", body, 200 if error is None else 400, headers)


def reset_password(
    *,
    action: str,
    csrf: str,
    username: str,
    destination: str,
    error: str | None = None,
    status: int = 200,
) -> HttpResponse:
    sent = (
        f"We sent a code to {destination}."
        if destination
        else "If the account exists, we sent it a code."
    )
    body = (
        "<h1>Reset your password</h1>"
        f'<p class="lead">{escape(sent)}</p>'
        f"{_alert(error)}"
        f'<form method="post" action="{escape(action)}">'
        f'<input type="hidden" name="_csrf" value="{escape(csrf)}">'
        f'<input type="hidden" name="username" value="{escape(username)}">'
        '<label for="code">Verification code</label>'
        '<input id="code" name="code" type="text" inputmode="numeric" '
        f'autocomplete="one-time-code" required autofocus{_invalid(error)}>'
        '<label for="new_password">New password</label>'
        '<input id="new_password" name="new_password" type="password" '
        f'autocomplete="new-password" required{_invalid(error)}>'
        '<label for="confirm_password">Confirm new password</label>'
        '<input id="confirm_password" name="confirm_password" type="password" '
        f'autocomplete="new-password" required{_invalid(error)}>'
        '<button type="submit">Change password</button>'
        "</form>"
    )
    return page("Reset your password", body, status)
