"""What every client export takes and gives (issue 20): one ``ClientTarget`` in, one
``ClientExport`` out. Each format is a module of this package with a ``render(target)``; the
package's ``FORMATS`` registry names them as ``allhub export-client FORMAT`` does."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["ClientExport", "ClientTarget"]


@dataclass(frozen=True)
class ClientTarget:
    """A key and where it works. ``base_url`` is the site's origin without ``/v1`` and without a
    trailing slash (each format adds ``/v1`` by its own rules); ``api_key`` is the full key in the
    form a client takes (``sk-`` on the One/New API family: ``site_kinds.client_key``)."""

    name: str
    base_url: str
    api_key: str = field(repr=False)
    model: str | None = None
    models: tuple[str, ...] = ()
    api_type: str = "openai-compatible"  # openai-compatible | openai | anthropic | google
    #: where the key comes from, for the ids and names the extension derives from them (Cherry
    #: Studio's provider id, Kilo Code's provider id, Roo Code's profile name "<site> - <key>")
    account_id: str = ""
    key_id: str = ""
    key_name: str = ""


@dataclass(frozen=True)
class ClientExport:
    """One export: ``kind`` is link (a deeplink to open), file (save as ``filename``), snippet
    (paste where ``note`` says) or share (a share code, with ``qr_svg`` when it has a QR image).
    ``text`` carries the key: it is shown or saved only where the user asked for it."""

    format: str
    kind: str
    text: str = field(repr=False)
    filename: str | None = None
    mime: str = "text/plain"
    note: str = ""
    qr_svg: str | None = field(default=None, repr=False)
