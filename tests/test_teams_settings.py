"""Teams settings: the app registration, the test-only switch, and fail-fast checks."""

from __future__ import annotations

import pytest

from bot.settings import SettingsError
from bot.teams.adapter import auth_configuration
from bot.teams.settings import TeamsSettings

APP_ID = "11111111-2222-3333-4444-555555555555"


def test_defaults_are_multi_tenant_with_authentication_on() -> None:
    settings = TeamsSettings.from_env({})

    assert settings.app_type == "MultiTenant"
    assert settings.auth_disabled is False
    assert settings.configured is False


def test_values_are_read_and_the_password_never_prints() -> None:
    settings = TeamsSettings.from_env(
        {
            "MICROSOFT_APP_ID": f" {APP_ID} ",
            "MICROSOFT_APP_PASSWORD": "s3cret-value",
            "MICROSOFT_APP_TYPE": "singletenant",
            "MICROSOFT_APP_TENANT_ID": "tenant-1",
        }
    )

    assert settings.app_id == APP_ID
    assert settings.app_type == "SingleTenant"
    assert settings.app_password.get() == "s3cret-value"
    assert "s3cret-value" not in repr(settings)
    settings.check()
    config = auth_configuration(settings)
    assert (config.APP_ID, config.APP_TYPE, config.APP_TENANTID) == (
        APP_ID,
        "SingleTenant",
        "tenant-1",
    )


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({}, "MICROSOFT_APP_ID, MICROSOFT_APP_PASSWORD"),
        ({"MICROSOFT_APP_ID": APP_ID}, "MICROSOFT_APP_PASSWORD"),
        (
            {
                "MICROSOFT_APP_ID": APP_ID,
                "MICROSOFT_APP_PASSWORD": "x",
                "MICROSOFT_APP_TYPE": "SingleTenant",
            },
            "MICROSOFT_APP_TENANT_ID",
        ),
        (
            {"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_TYPE": "UserAssignedMSI"},
            "MICROSOFT_APP_TENANT_ID",
        ),
    ],
)
def test_missing_settings_are_named(env: dict[str, str], missing: str) -> None:
    with pytest.raises(SettingsError, match=missing):
        TeamsSettings.from_env(env).check()


def test_only_the_explicit_switch_turns_authentication_off() -> None:
    disabled = TeamsSettings.from_env(
        {"CANDOR_TEAMS_AUTH_DISABLED": "true", "MICROSOFT_APP_ID": APP_ID}
    )

    disabled.check()  # nothing required
    assert auth_configuration(disabled).APP_ID == ""  # botbuilder skips JWTs only then
    assert TeamsSettings.from_env({"CANDOR_TEAMS_AUTH_DISABLED": "no"}).auth_disabled is False


def test_unknown_app_type_is_refused() -> None:
    with pytest.raises(SettingsError, match="MICROSOFT_APP_TYPE"):
        TeamsSettings.from_env({"MICROSOFT_APP_TYPE": "Anonymous"})


async def test_app_credentials_are_reused_across_outgoing_calls() -> None:
    from botframework.connector.auth import AuthenticationConstants, ClaimsIdentity

    from bot.teams.adapter import make_adapter

    settings = TeamsSettings.from_env(
        {"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": "not-a-real-secret"}
    )
    auth = make_adapter(settings).bot_framework_authentication
    claims = ClaimsIdentity({AuthenticationConstants.AUDIENCE_CLAIM: APP_ID}, True)

    first = await auth.create_connector_factory(claims).create("https://smba.example/", None)
    second = await auth.create_connector_factory(claims).create("https://smba.example/", None)

    # One MSAL client (and token cache) for every reply, instead of a token fetch per call.
    assert first.config.credentials is second.config.credentials
    assert first.config.credentials.microsoft_app_id == APP_ID
