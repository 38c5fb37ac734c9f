"""Channel kinds: the fields each needs, and the one Apprise URL they become.

Apprise does the sending; a channel is one Apprise URL (``json://``, ``tgram://``, ``ntfy://``,
``feishu://``, ``dingtalk://``, ``wecombot://``, ``bark://``, ``mailto://``, or any other URL
Apprise knows, kind ``apprise``). Each builder checks its fields and says what is wrong in one
sentence that never repeats a secret. The URL holds the channel's secrets, so it is stored
encrypted and only ever shown masked (``mask_url``); ``secret_parts`` lists the pieces to
scrub from any text that could quote it (Apprise's own error lines).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from allhub_core.errors import ValidationError
from allhub_core.vocab import Job

__all__ = [
    "CHANNEL_KINDS",
    "JOBS",
    "NOTICES_RULE",
    "POLICIES",
    "ChannelKind",
    "Field",
    "build_url",
    "check_apprise_url",
    "mask_url",
    "plugin_for",
    "secret_parts",
    "supports_markdown",
]

POLICIES = {"always": "After every run", "failure": "Only when a run did not fully succeed",
            "change": "Only when the outcome changed since the previous run"}
#: the jobs a channel may follow -> label (``vocab.Job``)
JOBS = {job.value: job.label for job in (Job.REFRESH, Job.CHECKIN, Job.MODELS_SYNC)}
#: Not a job but a rule a channel may follow the same way: "a site posted a new (or changed)
#: announcement" (issue 21; ``dispatch.new_notices``, told after a refresh found one).
NOTICES_RULE = "notices"
JOBS[NOTICES_RULE] = "New announcements"


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    secret: bool = False
    required: bool = True
    placeholder: str = ""
    help: str = ""
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChannelKind:
    kind: str
    label: str
    fields: tuple[Field, ...]
    help: str = ""

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


CHANNEL_KINDS: dict[str, ChannelKind] = {k.kind: k for k in (
    ChannelKind("webhook", "Generic webhook (JSON)", (
        Field("url", "Webhook address", secret=True, placeholder="https://example.com/hooks/allhub",
              help="Receives a POST with JSON {version, title, message, type}."),
    ), "A POST with a JSON body to any http(s) address."),
    ChannelKind("telegram", "Telegram", (
        Field("bot_token", "Bot token", secret=True, placeholder="123456789:AA…", help="From @BotFather."),
        Field("chat_id", "Chat id", placeholder="123456789 or -100… or @channel"),
    ), "A Telegram bot writes to a chat."),
    ChannelKind("ntfy", "ntfy", (
        Field("topic", "Topic", placeholder="allhub-3f9c…", help="Anyone who knows the topic can read it."),
        Field("server", "Server", required=False, placeholder="https://ntfy.sh"),
        Field("token", "Access token", secret=True, required=False, placeholder="tk_…"),
    ), "A push to an ntfy topic (ntfy.sh or your own server)."),
    ChannelKind("feishu", "Feishu (Lark) bot", (
        Field("key", "Webhook key", secret=True, placeholder="the part after /bot/v2/hook/",
              help="The key, or the whole webhook address."),
    )),
    ChannelKind("dingtalk", "DingTalk bot", (
        Field("access_token", "Access token", secret=True, placeholder="the access_token of the webhook",
              help="The token, or the whole webhook address."),
        Field("secret", "Signing secret", secret=True, required=False, placeholder="SEC…",
              help="For bots with the signature (加签) security setting."),
    )),
    ChannelKind("wecom", "WeCom (WeChat Work) bot", (
        Field("key", "Webhook key", secret=True, placeholder="the key= of the webhook",
              help="The key, or the whole webhook address."),
    )),
    ChannelKind("bark", "Bark", (
        Field("device_key", "Device key", secret=True),
        Field("server", "Server", required=False, placeholder="https://api.day.app"),
    ), "A push to an iPhone with the Bark app."),
    ChannelKind("email", "Email (SMTP)", (
        Field("host", "SMTP server", placeholder="smtp.example.com"),
        Field("port", "Port", required=False, placeholder="587, 465 or 25"),
        Field("security", "Security", required=False, choices=("starttls", "ssl", "none")),
        Field("username", "User name", required=False),
        Field("password", "Password", secret=True, required=False),
        Field("sender", "From", placeholder="allhub@example.com"),
        Field("to", "To", placeholder="me@example.com (several: comma-separated)"),
    )),
    ChannelKind("apprise", "Any Apprise URL", (
        Field("url", "Apprise URL", secret=True, placeholder="discord://… slack://… pover://…",
              help="Any URL Apprise supports; see its wiki."),
    ), "Any of the 100+ services Apprise supports."),
)}

_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
_TOKENISH = re.compile(r"^[A-Za-z0-9_-]+$")


def _value(fields: dict[str, Any], name: str) -> str:
    v = fields.get(name)
    return "" if v is None else str(v).strip()


def _need(kind: ChannelKind, fields: dict[str, Any]) -> dict[str, str]:
    values = {f.name: _value(fields, f.name) for f in kind.fields}
    unknown = sorted(set(k for k, v in fields.items() if v not in (None, "")) - set(values))
    if unknown:
        raise ValidationError(f"A {kind.label} channel has no field {unknown[0]!r}.")
    for f in kind.fields:
        if f.required and not values[f.name]:
            raise ValidationError(f"The {f.label.lower()} of a {kind.label} channel is empty.")
        if f.choices and values[f.name] and values[f.name] not in f.choices:
            raise ValidationError(f"The {f.label.lower()} must be one of {', '.join(f.choices)}.")
        if any(c.isspace() for c in values[f.name]) and f.name not in ("to",):
            raise ValidationError(f"The {f.label.lower()} of a {kind.label} channel must not contain spaces.")
    return values


def _server(value: str, what: str, default_host: str) -> tuple[bool, str]:
    """(secure, host[:port]) of an http(s) server address; the default when empty."""
    if not value:
        return True, default_host
    parts = urlsplit(value if "://" in value else "https://" + value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(f"The {what} server must be an http:// or https:// address.")
    if parts.username or parts.password:
        raise ValidationError(f"The {what} server address must not contain a user name or password.")
    if parts.path not in ("", "/") or parts.query:
        raise ValidationError(f"The {what} server address must be only a scheme, host and port.")
    try:
        port = parts.port
    except ValueError:
        raise ValidationError(f"The {what} server address has an invalid port.") from None
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    return parts.scheme == "https", host + (f":{port}" if port else "")


def _key_from(value: str, param: str | None, marker: str, what: str) -> str:
    """A webhook key, given alone or as the whole webhook address."""
    if "://" in value:
        parts = urlsplit(value)
        if param:
            value = dict(parse_qsl(parts.query)).get(param, "")
        elif marker in parts.path:
            value = parts.path.split(marker, 1)[1].strip("/")
        else:
            value = ""
        if not value:
            raise ValidationError(f"The {what} address holds no key; paste the key or the whole webhook address.")
    if not _TOKENISH.match(value):
        raise ValidationError(f"The {what} may contain only letters, digits, '-' and '_'.")
    return value


def _q(value: str) -> str:
    return quote(value, safe="")


def build_url(kind: str, fields: dict[str, Any]) -> str:
    """The Apprise URL for a channel of ``kind`` with ``fields`` (ValidationError when not usable)."""
    spec = CHANNEL_KINDS.get(kind)
    if spec is None:
        raise ValidationError(f"There is no channel kind {kind!r}; use one of {', '.join(CHANNEL_KINDS)}.")
    v = _need(spec, fields)
    if kind == "webhook":
        parts = urlsplit(v["url"])
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValidationError("The webhook address must be an http:// or https:// address.")
        try:
            port = parts.port
        except ValueError:
            raise ValidationError("The webhook address has an invalid port.") from None
        auth = ""
        if parts.username:
            auth = _q(unquote(parts.username)) + (f":{_q(unquote(parts.password))}" if parts.password else "") + "@"
        host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
        query = urlencode([("-" + k, val) for k, val in parse_qsl(parts.query, keep_blank_values=True)])
        url = f"{'jsons' if parts.scheme == 'https' else 'json'}://{auth}{host}{f':{port}' if port else ''}" \
              f"{parts.path or '/'}"
        return url + (f"?{query}" if query else "")
    if kind == "telegram":
        if not re.match(r"^\d+:[A-Za-z0-9_-]+$", v["bot_token"]):
            raise ValidationError("The Telegram bot token must look like 123456789:AA… (digits, a colon, letters).")
        if not re.match(r"^(-?\d+|@[A-Za-z0-9_]{4,})$", v["chat_id"]):
            raise ValidationError("The Telegram chat id must be a number (e.g. -1001234) or @channelname.")
        return f"tgram://{v['bot_token']}/{_q(v['chat_id'])}/"
    if kind == "ntfy":
        topic = v["topic"]
        if not re.match(r"^[A-Za-z0-9_-]{1,64}$", topic):
            raise ValidationError("The ntfy topic may contain only letters, digits, '-' and '_' (up to 64).")
        secure, host = _server(v["server"], "ntfy", "ntfy.sh")
        auth = f"{_q(v['token'])}@" if v["token"] else ""
        url = f"{'ntfys' if secure else 'ntfy'}://{auth}{host}/{topic}"
        return url + ("?auth=token" if v["token"] else "")
    if kind == "feishu":
        return f"feishu://{_key_from(v['key'], None, '/hook/', 'Feishu webhook key')}/"
    if kind == "dingtalk":
        token = _key_from(v["access_token"], "access_token", "", "DingTalk access token")
        if v["secret"] and not re.match(r"^[A-Za-z0-9]+$", v["secret"]):
            raise ValidationError("The DingTalk signing secret may contain only letters and digits.")
        return f"dingtalk://{v['secret'] + '@' if v['secret'] else ''}{token}/"
    if kind == "wecom":
        return f"wecombot://{_key_from(v['key'], 'key', '', 'WeCom webhook key')}/"
    if kind == "bark":
        if not _TOKENISH.match(v["device_key"]):
            raise ValidationError("The Bark device key may contain only letters, digits, '-' and '_'.")
        secure, host = _server(v["server"], "Bark", "api.day.app")
        return f"{'barks' if secure else 'bark'}://{host}/{v['device_key']}/"
    if kind == "email":
        return _email_url(v)
    return check_apprise_url(v["url"])


def _email_url(v: dict[str, str]) -> str:
    host = v["host"]
    if not re.match(r"^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:.]+\]$", host):
        raise ValidationError("The SMTP server must be a host name or an IP address.")
    port = v["port"]
    if port and not (port.isdigit() and 1 <= int(port) <= 65535):
        raise ValidationError("The SMTP port must be a number from 1 to 65535.")
    if not _EMAIL.match(v["sender"]):
        raise ValidationError("The sender (From) is not an email address.")
    to = [t.strip() for t in re.split(r"[,;\s]+", v["to"]) if t.strip()]
    bad = [t for t in to if not _EMAIL.match(t)]
    if not to or bad:
        raise ValidationError("The recipients (To) must be email addresses, separated by commas.")
    if v["password"] and not v["username"]:
        raise ValidationError("An SMTP password needs a user name.")
    security = v["security"] or "starttls"
    auth = ""
    if v["username"]:
        auth = _q(v["username"]) + (f":{_q(v['password'])}" if v["password"] else "") + "@"
    mode = {"none": "insecure"}.get(security, security)
    query = urlencode({"smtp": host, "mode": mode, "from": v["sender"], "to": ",".join(to)})
    scheme = "mailto" if security == "none" else "mailtos"
    return f"{scheme}://{auth}{host}{f':{port}' if port else ''}/?{query}"


def plugin_for(url: str, asset: Any = None) -> Any:
    """The Apprise plugin instance for ``url``, or None when Apprise cannot use it."""
    import apprise  # noqa: PLC0415 - Apprise loads its plugins on import: only sending and checking a URL pay for it

    with apprise.LogCapture(level=50):  # Apprise logs each bad URL; we say it in one sentence
        return apprise.Apprise.instantiate(url, asset=asset)


def check_apprise_url(url: str) -> str:
    url = url.strip()
    if not url:
        raise ValidationError("The Apprise URL is empty.")
    if "://" not in url:
        raise ValidationError("An Apprise URL starts with a scheme such as tgram:// or json://.")
    if any(c.isspace() for c in url):
        raise ValidationError("An Apprise URL must not contain spaces.")
    if plugin_for(url) is None:
        scheme = url.split("://", 1)[0]
        if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*$", scheme):
            raise ValidationError("The Apprise URL does not start with a scheme.")
        raise ValidationError(f"Apprise cannot use this {scheme}:// URL: the scheme is unknown or a part is "
                              "missing or malformed.")
    return url


_RAW_BODY = {"json", "jsons", "form", "forms", "xml", "xmls"}  # the body is data, not rendered


def supports_markdown(plugin: Any) -> bool:
    """Does the channel render markdown (Telegram, Feishu and DingTalk cards, Discord, Slack…)?"""
    from apprise import NotifyFormat  # noqa: PLC0415 - Apprise loads its plugins on import: only sending and checking a URL pay for it

    protocols = {getattr(plugin, "protocol", None), getattr(plugin, "secure_protocol", None)}
    if any(isinstance(p, str) and p in _RAW_BODY for p in protocols):
        return False
    fmt = getattr(plugin, "notify_format", None)
    formats = fmt if isinstance(fmt, (tuple, list, set)) else (fmt,)
    return NotifyFormat.MARKDOWN in formats


def _mask_segment(seg: str) -> str:
    if not seg or "*" in seg or "..." in seg or len(seg) < 6:
        return seg
    return seg[:2] + "…"


def mask_url(url: str) -> str:
    """The URL with its secrets hidden, for lists and logs: Apprise's own privacy form (tokens,
    passwords, keys) without the query, and every longer path segment cut to two characters."""
    plugin = plugin_for(url)
    shown = plugin.url(privacy=True) if plugin is not None else url
    parts = urlsplit(shown)
    netloc = parts.netloc
    if "@" in netloc:
        user, host = netloc.rsplit("@", 1)
        netloc = ("***" if ":" not in user else f"{_mask_segment(user.split(':', 1)[0])}:***") + "@" + host
    path = "/".join(_mask_segment(s) for s in parts.path.split("/"))
    if plugin is None or parts.scheme in ("tgram", "feishu", "dingtalk", "wecombot"):
        netloc = _mask_segment(netloc) if "@" not in netloc else netloc
    return f"{parts.scheme}://{netloc}{path}"


def secret_parts(url: str) -> list[str]:
    """Pieces of ``url`` that could be secret (user info, path segments, query values), longest
    first, so they can be cut out of any text that might quote them."""
    parts = urlsplit(url)
    pieces: set[str] = set()
    netloc = parts.netloc
    if "@" in netloc:
        user = netloc.rsplit("@", 1)[0]
        pieces.update(user.split(":"))
        pieces.add(user)
    host = netloc.rsplit("@", 1)[-1]
    if parts.scheme in ("tgram", "feishu", "dingtalk", "wecombot", "bark", "barks") or "." not in host:
        pieces.add(host)
    pieces.update(s for s in parts.path.split("/"))
    pieces.update(val for _, val in parse_qsl(parts.query))
    out = {p for p in pieces if len(p) >= 4}
    out |= {unquote(p) for p in out}
    return sorted(out, key=len, reverse=True)
