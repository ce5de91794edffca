"""The Teams app manifest: valid against Microsoft's schema, in sync with the router, packaged."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator

from bot.teams.package import MANIFEST_DIR, PLACEHOLDER_ID, build_package, load_manifest
from bot.teams.replies import HELP
from handlers.catalog import build_router
from handlers.router import HR_ONLY

SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "contracts" / "teams"
APP_ID = "11111111-2222-3333-4444-555555555555"


def _validator() -> Draft4Validator:
    path = SCHEMA / "MicrosoftTeams.schema.v1.17.json"
    if not path.is_file():
        pytest.skip(f"Teams manifest schema not found at {path}")
    return Draft4Validator(json.loads(path.read_text()))


def _errors(manifest: dict[str, Any]) -> list[str]:
    return [f"{list(e.path)}: {e.message}" for e in _validator().iter_errors(manifest)]


def _commands(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    [bot] = manifest["bots"]
    [command_list] = bot["commandLists"]
    commands: list[dict[str, Any]] = command_list["commands"]
    return commands


def test_manifest_is_valid_against_the_v1_17_schema() -> None:
    manifest = load_manifest()

    assert manifest["manifestVersion"] == "1.17"
    assert _errors(manifest) == []


def test_bot_is_offered_in_chats_and_teams() -> None:
    [bot] = load_manifest()["bots"]

    assert sorted(bot["scopes"]) == ["groupChat", "personal", "team"]
    assert sorted(bot["commandLists"][0]["scopes"]) == ["groupChat", "personal", "team"]
    assert bot["botId"] == PLACEHOLDER_ID


def test_command_list_matches_the_router() -> None:
    # Teams suggests at most 10 commands to everyone; HR-only ones (typed by HR, listed by
    # help) are left out of the suggestions.
    router = build_router()
    commands = _commands(load_manifest())
    open_to_more_than_hr = [n for n in router.top_level if router.commands[n].roles - HR_ONLY]

    assert [c["title"] for c in commands] == [*open_to_more_than_hr, HELP]
    assert len(commands) <= 10
    for command in commands[:-1]:
        assert command["description"] == router.commands[command["title"]].summary


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def test_icons_have_the_sizes_teams_wants() -> None:
    assert _png_size(MANIFEST_DIR / "color.png") == (192, 192)
    assert _png_size(MANIFEST_DIR / "outline.png") == (32, 32)


def test_outline_icon_is_white_on_transparent() -> None:
    image_module = pytest.importorskip("PIL.Image")
    with image_module.open(MANIFEST_DIR / "outline.png") as image:
        raw = image.convert("RGBA").tobytes()
    pixels = [tuple(raw[i : i + 4]) for i in range(0, len(raw), 4)]

    assert {p[:3] for p in pixels if p[3] > 0} == {(255, 255, 255)}
    assert any(p[3] == 0 for p in pixels)


def test_package_fills_in_the_app_id(tmp_path: Path) -> None:
    out = build_package(tmp_path / "candor-teams.zip", APP_ID, domain="candor.acme.example")

    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        assert archive.read("color.png") == (MANIFEST_DIR / "color.png").read_bytes()
    assert manifest["id"] == APP_ID
    assert manifest["bots"][0]["botId"] == APP_ID
    assert manifest["validDomains"] == ["candor.acme.example"]
    assert _errors(manifest) == []


def test_package_is_reproducible(tmp_path: Path) -> None:
    first = build_package(tmp_path / "one.zip", APP_ID)
    second = build_package(tmp_path / "two.zip", APP_ID)

    assert first.read_bytes() == second.read_bytes()


@pytest.mark.parametrize(
    ("app_id", "domain"),
    [("not-a-guid", None), (PLACEHOLDER_ID, None), (APP_ID, "https://")],
)
def test_package_refuses_bad_ids_and_domains(
    tmp_path: Path, app_id: str, domain: str | None
) -> None:
    with pytest.raises(ValueError):
        build_package(tmp_path / "x.zip", app_id, domain=domain)
    assert not (tmp_path / "x.zip").exists()
