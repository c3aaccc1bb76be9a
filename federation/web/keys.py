"""The web door's shared state: typed keys of the web application and of each request."""

from __future__ import annotations

import jinja2
from aiohttp import web

from node.accounts.passkeys import Challenges
from node.accounts.sessions import Session
from node.accounts.throttle import Throttle
from node.i18n import Translator

TEMPLATES = web.AppKey("templates", jinja2.Environment)
TRANSLATOR = web.AppKey("translator", Translator)
THROTTLE = web.AppKey("throttle", Throttle)
SECURE = web.AppKey("secure_cookies", bool)  # the public address is https: cookies say Secure
SESSION = web.RequestKey("session", Session)
LANG = web.RequestKey("lang", str)
ANON_CSRF = web.RequestKey("anon_csrf", str)  # the double-submit token of a visitor not signed in
CHALLENGES = web.AppKey("passkey_challenges", Challenges)  # WebAuthn challenges handed out, not yet answered
UPLOADS = web.AppKey("upload_pages", frozenset)  # the paths of pages whose form sends a file (larger bodies)
