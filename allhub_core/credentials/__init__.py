"""Standalone API credentials (L3): the library of base URL + API key pairs that need no relay
account (the extension's "API credential profiles"), their keys sealed, and each one's newest
check (balance, usage, models).

``model``: the input checked in one place (``CredentialInput``), the key masked and hashed, the
base URL and key found in pasted text (``parse_pasted``). ``library``: add, update, remove, list
(masked, newest check joined, filters and facets as SQL), the one read that opens keys for a
check (``credential_targets``), the checks written (``record_checks``), and the library in the
extension's profile shape for backups (``credential_records``, ``import_credential_records``).
The checks themselves ask the network in ``sync.credential_checks``; this room imports
``store`` and L0 only.
"""

from allhub_core.credentials.library import (
    CheckRecord,
    CredentialFilter,
    CredentialTarget,
    add_credential,
    credential_facets,
    credential_records,
    credential_rows,
    credential_targets,
    import_credential_records,
    parse_credential_ids,
    record_checks,
    remove_credentials,
    update_credential,
)
from allhub_core.credentials.model import (
    API_TYPES,
    TELEMETRY_LABELS,
    TELEMETRY_MODES,
    CredentialInput,
    Pasted,
    guess_api_type,
    mask_key,
    normalize_base_url,
    parse_pasted,
)

__all__ = [
    "API_TYPES",
    "TELEMETRY_LABELS",
    "TELEMETRY_MODES",
    "CheckRecord",
    "CredentialFilter",
    "CredentialInput",
    "CredentialTarget",
    "Pasted",
    "add_credential",
    "credential_facets",
    "credential_records",
    "credential_rows",
    "credential_targets",
    "guess_api_type",
    "import_credential_records",
    "mask_key",
    "normalize_base_url",
    "parse_credential_ids",
    "parse_pasted",
    "record_checks",
    "remove_credentials",
    "update_credential",
]
