"""The Teams app package: `manifest.json` with the bot's app id filled in, and the two icons."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

MANIFEST_DIR = Path(__file__).resolve().parents[2] / "manifests" / "teams"
PLACEHOLDER_ID = "00000000-0000-0000-0000-000000000000"
ICONS = ("color.png", "outline.png")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_DOMAIN = re.compile(r"^(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
# A fixed timestamp makes the same inputs give the same zip, byte for byte.
_ZIP_TIME = (2024, 1, 1, 0, 0, 0)


def load_manifest(manifest_dir: Path = MANIFEST_DIR) -> dict[str, Any]:
    """The manifest template, with its placeholder ids."""
    manifest: dict[str, Any] = json.loads((manifest_dir / "manifest.json").read_text("utf-8"))
    return manifest


def fill_manifest(
    manifest: dict[str, Any],
    app_id: str,
    *,
    domain: str | None = None,
    manifest_id: str | None = None,
) -> dict[str, Any]:
    """A copy of the manifest for one bot registration.

    Args:
        app_id: the bot's Microsoft app id (`MICROSOFT_APP_ID`), a GUID.
        domain: the public host Candor is served on (without scheme), for `validDomains`.
        manifest_id: the Teams app's own id; defaults to the bot's app id.

    Raises:
        ValueError: when an id is not a GUID or the domain is not a host name.
    """
    app_id = app_id.strip()
    manifest_id = (manifest_id or app_id).strip()
    for name, value in (("app id", app_id), ("manifest id", manifest_id)):
        if not _GUID.match(value) or value == PLACEHOLDER_ID:
            raise ValueError(
                f"the Teams {name} must be a GUID like MICROSOFT_APP_ID, got {value!r}"
            )
    filled = json.loads(json.dumps(manifest))
    filled["id"] = manifest_id
    for bot in filled.get("bots", []):
        bot["botId"] = app_id
    if domain is not None:
        host = domain.strip().removeprefix("https://").split("/", 1)[0]
        if not _DOMAIN.match(host):
            raise ValueError(
                f"the domain must be a host name like candor.example.com, got {domain!r}"
            )
        filled["validDomains"] = [host]
    return filled


def build_package(
    out_path: Path,
    app_id: str,
    *,
    domain: str | None = None,
    manifest_id: str | None = None,
    manifest_dir: Path = MANIFEST_DIR,
) -> Path:
    """Write the Teams app zip (upload it in Teams or the Developer Portal) and return its path.

    Raises:
        ValueError: when an id is not a GUID or the domain is not a host name.
    """
    manifest = fill_manifest(
        load_manifest(manifest_dir), app_id, domain=domain, manifest_id=manifest_id
    )
    out_path.parent.mkdir(parents=True, exist_ok=True)
    files = {"manifest.json": (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()}
    files.update({icon: (manifest_dir / icon).read_bytes() for icon in ICONS})
    with zipfile.ZipFile(out_path, "w") as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, _ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return out_path
