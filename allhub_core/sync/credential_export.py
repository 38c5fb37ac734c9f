"""Export library credentials to a client (issue 20): the same formats as a site's key
(``transfer.clients.FORMATS``: Cherry Studio, CC Switch, Kilo Code, ...), built from the stored
credential (its key opened from the store, no request).

What comes back carries the key: the caller shows or saves it only where the user asked.
"""

from __future__ import annotations

from collections.abc import Sequence

from allhub_core.credentials import CredentialFilter, credential_rows, credential_targets
from allhub_core.errors import ValidationError
from allhub_core.store import Store
from allhub_core.transfer.clients import ClientExport, ClientTarget, check_options, render_export

__all__ = ["export_credentials"]


def export_credentials(store: Store, fmt: str, ids: Sequence[int], *, model: str | None = None,
                       app: str | None = None) -> list[ClientExport]:
    """These credentials in client format ``fmt`` (one file for all where the format takes several);
    the models a client is offered are those the credential's last check listed."""
    check_options(fmt, app)
    if not ids:
        raise ValidationError("Choose at least one credential to export.")
    models = {r["id"]: tuple(r["models"]) for r in credential_rows(store, CredentialFilter(ids=list(ids)))}
    targets = [ClientTarget(name=t.name, base_url=t.base_url, api_key=t.key, model=(model or "").strip() or None,
                            models=models.get(t.id, ()), api_type=t.api_type, key_id=f"cred-{t.id}",
                            key_name=t.name) for t in credential_targets(store, list(ids))]
    return render_export(fmt, targets, app=app)
