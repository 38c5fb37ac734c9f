"""Export a key to a client (issue 20): find the key, reveal it, render it in the client's format.

``export_client`` is the one action behind ``allhub export-client`` and the Keys page's "Export
to a client" for one key; ``export_targets`` for several ticked keys. The key comes from the
keys room's cache (fetched once from the site when the account has none cached yet); its secret
from ``reveal_keys`` (a kept one from the store, else the site), in the form clients take
(``sk-...`` on the One/New API family). The format itself is pure: ``transfer.clients``. What
comes back carries the key: the caller shows or saves it only where the user asked.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from allhub_core.accounts import get_account, parse_id
from allhub_core.errors import NotFound, SiteError, ValidationError
from allhub_core.keys import key_rows
from allhub_core.origin import origin_key
from allhub_core.prices import stored_models
from allhub_core.sites import Politeness
from allhub_core.store import Store
from allhub_core.sync._key_input import check_key_id
from allhub_core.sync.keys import reveal_keys, sync_keys
from allhub_core.transfer.clients import (
    CC_SWITCH_APPS,
    CC_SWITCH_DEFAULT_APP,
    FORMATS,
    ClientExport,
    ClientTarget,
    check_options,
    render_export,
)

__all__ = ["CC_SWITCH_APPS", "CC_SWITCH_DEFAULT_APP", "CLIENT_FORMATS", "ClientExport", "export_client",
           "export_targets", "target_for_key"]

#: The formats by name (``transfer.clients.FORMATS``), for the surfaces' choices.
CLIENT_FORMATS = FORMATS


def _cached_keys(store: Store, aid: int, politeness: Politeness | None) -> list[dict[str, Any]]:
    """The account's cached keys; when none is cached yet, its keys are fetched from the site once."""
    rows = key_rows(store, [aid])
    if rows:
        return rows
    report = sync_keys(store, [aid], politeness=politeness)
    failed = [r for r in report.rows() if r.get("status") == "failed"]
    if failed:
        raise SiteError(failed[0].get("message") or f"The keys of account {aid} could not be fetched.")
    rows = key_rows(store, [aid])
    if not rows:
        raise ValidationError(f"Account {aid} has no API key: create one first.")
    return rows


def _pick(rows: list[dict[str, Any]], aid: int, key_id: Any) -> dict[str, Any]:
    if key_id is not None:
        kid = check_key_id(key_id)
        row = next((r for r in rows if str(r["key_id"]) == kid), None)
        if row is None:
            raise NotFound(f"Account {aid} has no key with id {kid}.")
        return row
    row = next((r for r in rows if r["status"] == "enabled"), None)
    if row is None:
        raise ValidationError(f"Account {aid} has no enabled key: enable or create one first.")
    return row


def _models(store: Store, aid: int, row: dict[str, Any]) -> tuple[str, ...]:
    """The models a key may use: its own model limits when it has them, else the account's models
    as its last models sync stored them."""
    limits = [m.strip() for m in (row.get("model_limits") or "").split(",") if m.strip()]
    return tuple(limits or stored_models(store, aid))


def _target(store: Store, account: dict[str, Any], row: dict[str, Any], key: str, model: str | None) -> ClientTarget:
    aid = int(account["id"])
    base = origin_key(account["site_url"]) or str(account["site_url"]).rstrip("/")
    return ClientTarget(name=account["site_name"] or base, base_url=base, api_key=key,
                        model=(model or "").strip() or None, models=_models(store, aid, row),
                        account_id=str(aid), key_id=str(row["key_id"]), key_name=row["name"] or "")


def export_targets(store: Store, fmt: str, selection: Iterable[tuple[Any, Any]], *, model: str | None = None,
                   app: str | None = None, politeness: Politeness | None = None) -> list[ClientExport]:
    """These keys (``(account id, key id)`` pairs) in format ``fmt``: one file for them all where the
    format takes several (Kilo Code, Roo Code), else one export per key, in the order given. The
    keys of each account are revealed together; the format is checked before any request."""
    spec = check_options(fmt, app)
    pairs = list(dict.fromkeys((parse_id(a), check_key_id(k)) for a, k in selection))
    if not pairs:
        raise ValidationError("Choose at least one key to export.")
    return render_export(fmt, _targets(store, pairs, model, politeness, spec), app=app)


def _targets(store: Store, pairs: list[tuple[int, str]], model: str | None, politeness: Politeness | None,
             spec: Any = None) -> list[ClientTarget]:
    """The keys ``pairs`` as targets, in their order; each account's keys revealed together. With a
    format's ``spec``, one that needs models and has none is refused before any reveal."""
    by_account: dict[int, list[str]] = {}
    for aid, kid in pairs:
        by_account.setdefault(aid, []).append(kid)
    targets: dict[tuple[int, str], ClientTarget] = {}
    for aid, kids in by_account.items():
        account = get_account(store, aid)
        rows = {str(r["key_id"]): r for r in _cached_keys(store, aid, politeness)}
        chosen = [_pick(list(rows.values()), aid, k) for k in kids]
        if spec is not None and spec.needs_models and not (model or "").strip() \
                and not all(_models(store, aid, r) for r in chosen):
            # before the reveal: no request for an export that cannot be made
            raise ValidationError(f"{spec.label} needs at least one model for account {aid}: sync the account's "
                                  "models or name one.")
        found = reveal_keys(store, aid, [r["key_id"] for r in chosen], politeness=politeness)
        for r in chosen:
            targets[(aid, str(r["key_id"]))] = _target(store, account, r, found[str(r["key_id"])], model)
    return [targets[p] for p in pairs]


def target_for_key(store: Store, account_id: Any, key_id: Any = None, *,
                   politeness: Politeness | None = None) -> ClientTarget:
    """One account's key as a ``ClientTarget``, revealed (what a push to a service sends): the
    named key, or the account's first enabled one; its models as ``export_client`` takes them."""
    aid = parse_id(account_id)
    if key_id is not None:
        check_key_id(key_id)  # a bad id is one sentence before any request
    get_account(store, aid)  # a missing account is NotFound before any request
    row = _pick(_cached_keys(store, aid, politeness), aid, key_id)
    return _targets(store, [(aid, str(row["key_id"]))], None, politeness)[0]


def export_client(store: Store, fmt: str, account_id: Any, key_id: Any = None, model: str | None = None, *,
                  app: str | None = None, politeness: Politeness | None = None) -> ClientExport:
    """One key of one account in format ``fmt`` (``transfer.clients.FORMATS``); without ``key_id``
    the account's first enabled key. ``app``: CC Switch's app (claude by default)."""
    check_options(fmt, app)
    aid = parse_id(account_id)
    if key_id is not None:
        check_key_id(key_id)  # a bad id is one sentence before any request
    get_account(store, aid)  # a missing account is NotFound before any request
    row = _pick(_cached_keys(store, aid, politeness), aid, key_id)
    return export_targets(store, fmt, [(aid, row["key_id"])], model=model, app=app, politeness=politeness)[0]
