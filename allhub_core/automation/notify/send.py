"""One send through Apprise: markdown where the channel renders it, plain text elsewhere.

Never raises: a channel that fails gives ``(False, sentence)``, the sentence built from
Apprise's own warning with every secret piece of the channel's URL cut out.
"""

from __future__ import annotations

import logging

from allhub_core.automation.notify.channels import plugin_for, secret_parts, supports_markdown
from allhub_core.automation.notify.messages import Message, scrub

__all__ = ["deliver"]

log = logging.getLogger("allhub_core.automation.notify")

#: Seconds to wait for a channel to connect and to answer (Apprise's cto/rto).
TIMEOUT = 10.0


def _asset():
    import apprise  # noqa: PLC0415 - Apprise loads its plugins on import: only sending and checking a URL pay for it

    return apprise.AppriseAsset(app_id="allhub", app_desc="allhub notifications",
                                app_url="https://github.com/", image_url_mask="", image_url_logo="",
                                image_path_mask="")


def deliver(url: str, message: Message) -> tuple[bool, str]:
    """Send ``message`` to the channel at ``url``: (ok, one sentence without secrets)."""
    hide = secret_parts(url)
    try:
        import apprise  # noqa: PLC0415 - Apprise loads its plugins on import: only sending and checking a URL pay for it

        plugin = plugin_for(url, _asset())
        if plugin is None:
            return False, "Apprise cannot use this channel's URL any more; set the channel up again."
        plugin.socket_connect_timeout = min(getattr(plugin, "socket_connect_timeout", TIMEOUT) or TIMEOUT, TIMEOUT)
        plugin.socket_read_timeout = min(getattr(plugin, "socket_read_timeout", TIMEOUT) or TIMEOUT, TIMEOUT)
        markdown = supports_markdown(plugin)
        body = message.markdown if markdown else message.text
        fmt = apprise.NotifyFormat.MARKDOWN if markdown else apprise.NotifyFormat.TEXT
        notify_type = {"success": apprise.NotifyType.SUCCESS, "warning": apprise.NotifyType.WARNING,
                       "failure": apprise.NotifyType.FAILURE}.get(message.kind, apprise.NotifyType.INFO)
        a = apprise.Apprise(asset=_asset())
        a.add(plugin)
        with apprise.LogCapture(level=logging.WARNING) as logs:
            ok = bool(a.notify(body=body, title=message.title, body_format=fmt, notify_type=notify_type))
        if ok:
            return True, "Sent."
        lines = [ln.split(" - ", 2)[-1].strip() for ln in logs.getvalue().splitlines() if ln.strip()]
        detail = lines[-1] if lines else "the service did not accept the message"
        return False, scrub(f"Sending failed: {detail}", hide)
    except Exception as exc:  # noqa: BLE001 - a notifier never fails the job; the reason is logged
        log.warning("A notification channel failed (%s).", type(exc).__name__)
        return False, scrub(f"Sending failed ({type(exc).__name__}).", hide)
