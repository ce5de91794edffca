"""Settings: defaults, `.env` under the environment, URL fixes, secrets that never print."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import SLACK_DEFAULT_API_URL, Secret, Settings, SettingsError
from handlers.config import DEFAULT_VALUES, CoreConfig

ALL_SLACK = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN")


def from_env(**env: str) -> Settings:
    return Settings.from_env(env, dotenv_path=None)


def test_defaults() -> None:
    settings = from_env()

    assert settings.data_dir == Path(".candor")
    assert settings.database_url == "sqlite:///.candor/candor.db"
    assert settings.slack_api_url == SLACK_DEFAULT_API_URL == "https://slack.com/api/"
    assert settings.chroma_url is None
    assert settings.embedder == "minilm"
    assert settings.llm is None
    assert settings.log_level == "INFO"
    assert settings.core == CoreConfig()
    assert settings.core.values == DEFAULT_VALUES
    assert not settings.slack_bot_token and not settings.slack_signing_secret


def test_the_sqlite_file_lives_in_the_data_dir(tmp_path: Path) -> None:
    settings = from_env(CANDOR_DATA_DIR=str(tmp_path / "data"))

    assert settings.data_dir == tmp_path / "data"
    assert settings.database_url == f"sqlite:///{tmp_path / 'data' / 'candor.db'}"


def test_dotenv_applies_and_the_environment_overrides_it(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "# local settings\n"
        "CANDOR_DATA_DIR=/srv/candor\n"
        "SLACK_BOT_TOKEN=xoxb-from-dotenv\n"
        "SLACK_SIGNING_SECRET='from-dotenv'\n"
        "CANDOR_KUDOS_DAILY_LIMIT=3\n"
        'CANDOR_VALUES="ownership, craft"\n'
        "CANDOR_LOG_LEVEL=debug\n"
    )

    settings = Settings.from_env(
        {"SLACK_BOT_TOKEN": "xoxb-from-env", "CANDOR_KUDOS_DAILY_LIMIT": "7"},
        dotenv_path=dotenv,
    )

    assert settings.slack_bot_token.get() == "xoxb-from-env"
    assert settings.core.kudos_daily_limit == 7
    assert settings.slack_signing_secret.get() == "from-dotenv"
    assert settings.data_dir == Path("/srv/candor")
    assert settings.database_url == "sqlite:////srv/candor/candor.db"
    assert settings.core.values == ("ownership", "craft")
    assert settings.log_level == "DEBUG"


def test_a_missing_dotenv_file_is_fine(tmp_path: Path) -> None:
    settings = Settings.from_env({}, dotenv_path=tmp_path / "no-such.env")

    assert settings == from_env()


def test_the_default_dotenv_is_read_from_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("CANDOR_EMBEDDER=hashing\n")
    monkeypatch.chdir(tmp_path)

    assert Settings.from_env({}).embedder == "hashing"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://candor:pw@db:5432/candor", "postgresql+psycopg://candor:pw@db:5432/candor"),
        ("postgresql://candor@db/candor", "postgresql+psycopg://candor@db/candor"),
        ("postgresql+psycopg://candor@db/candor", "postgresql+psycopg://candor@db/candor"),
        ("sqlite:////var/lib/candor.db", "sqlite:////var/lib/candor.db"),
    ],
)
def test_postgres_urls_get_the_psycopg_driver(given: str, expected: str) -> None:
    assert from_env(DATABASE_URL=given).database_url == expected


def test_the_slack_api_url_ends_with_a_slash() -> None:
    assert from_env(SLACK_API_URL="http://127.0.0.1:9000/api").slack_api_url == (
        "http://127.0.0.1:9000/api/"
    )
    assert from_env(SLACK_API_URL="http://127.0.0.1:9000/api/").slack_api_url == (
        "http://127.0.0.1:9000/api/"
    )


def test_secrets_never_print() -> None:
    settings = from_env(
        SLACK_BOT_TOKEN="xoxb-very-secret-token",
        SLACK_SIGNING_SECRET="signing-very-secret",
        SLACK_APP_TOKEN="xapp-very-secret",
        DATABASE_URL="postgresql://candor:db-very-secret@db:5432/candor",
        CHROMA_URL="https://chroma:chroma-very-secret@chroma.internal:8000",
    )

    shown = [
        repr(settings),
        str(settings),
        f"{settings}",
        f"{settings!r}",
        f"{settings.slack_bot_token}",
        str(settings.slack_signing_secret),
        repr(settings.slack_app_token),
        "%s" % (settings.slack_bot_token,),  # noqa: UP031  (logging formats this way)
    ]
    for text in shown:
        assert "very-secret" not in text
    assert "**********" in repr(settings.slack_bot_token)
    # Still useful to read: which database, which host.
    assert "postgresql+psycopg://candor:***@db:5432/candor" in repr(settings)
    assert "chroma.internal:8000" in repr(settings)
    # The one place that needs the value can still get it.
    assert settings.slack_bot_token.get() == "xoxb-very-secret-token"
    assert settings.slack_signing_secret.get() == "signing-very-secret"


def test_secrets_are_stripped_and_compare_by_value() -> None:
    settings = from_env(SLACK_BOT_TOKEN="  xoxb-1\n", SLACK_SIGNING_SECRET="   ")

    assert settings.slack_bot_token == Secret("xoxb-1")
    assert settings.slack_bot_token != Secret("xoxb-2")
    assert not settings.slack_signing_secret
    assert repr(settings.slack_signing_secret) == "Secret('')"


@pytest.mark.parametrize(
    ("present", "missing"),
    [
        ((), ALL_SLACK),
        (("SLACK_BOT_TOKEN",), ("SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN")),
        (("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"), ("SLACK_SIGNING_SECRET",)),
    ],
)
def test_require_names_every_missing_setting_and_nothing_else(
    present: tuple[str, ...], missing: tuple[str, ...]
) -> None:
    settings = from_env(**dict.fromkeys(present, "set"))

    with pytest.raises(SettingsError) as info:
        settings.require(*ALL_SLACK)

    message = str(info.value)
    for name in missing:
        assert name in message
    for name in present:
        assert name not in message
    assert ("settings:" in message) == (len(missing) > 1)
    # Only what is asked for is required.
    settings.require(*present)


def test_require_passes_when_everything_is_set() -> None:
    settings = from_env(**dict.fromkeys(ALL_SLACK, "set"))

    settings.require(*ALL_SLACK)


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("CANDOR_KUDOS_DAILY_LIMIT", "ten", "CANDOR_KUDOS_DAILY_LIMIT must be a whole number"),
        ("CANDOR_KUDOS_DAILY_LIMIT", "2.5", "CANDOR_KUDOS_DAILY_LIMIT must be a whole number"),
        ("CANDOR_KUDOS_DAILY_LIMIT", "0", "CANDOR_KUDOS_DAILY_LIMIT must be at least 1, got 0"),
        ("CANDOR_KUDOS_MAX_CHARS", "19", "CANDOR_KUDOS_MAX_CHARS must be at least 20, got 19"),
        ("CANDOR_KUDOS_MAX_CHARS", "lots", "CANDOR_KUDOS_MAX_CHARS must be a whole number"),
    ],
)
def test_bad_integers_name_the_variable(name: str, raw: str, expected: str) -> None:
    with pytest.raises(SettingsError, match=expected):
        from_env(**{name: raw})


def test_integers_are_read() -> None:
    settings = from_env(CANDOR_KUDOS_DAILY_LIMIT=" 25 ", CANDOR_KUDOS_MAX_CHARS="20")

    assert settings.core.kudos_daily_limit == 25
    assert settings.core.kudos_max_chars == 20
    assert from_env(CANDOR_KUDOS_DAILY_LIMIT="").core.kudos_daily_limit == 10


def test_embedder_is_checked_and_case_insensitive() -> None:
    assert from_env(CANDOR_EMBEDDER=" Hashing ").embedder == "hashing"
    assert from_env(CANDOR_EMBEDDER="MINILM").embedder == "minilm"
    with pytest.raises(SettingsError, match="CANDOR_EMBEDDER") as info:
        from_env(CANDOR_EMBEDDER="bert")
    assert "'bert'" in str(info.value)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ownership,craft", ("ownership", "craft")),
        (" #Ownership , #CRAFT ,teamwork ", ("ownership", "craft", "teamwork")),
        ("craft,#craft,Craft,ownership", ("craft", "ownership")),
        ("craft;;customer,,", ("craft", "customer")),
        ("##courage", ("courage",)),
    ],
)
def test_company_values_are_parsed(raw: str, expected: tuple[str, ...]) -> None:
    assert from_env(CANDOR_VALUES=raw).core.values == expected


def test_other_core_settings() -> None:
    settings = from_env(
        CANDOR_KUDOS_CHANNEL=" C0KUDOS ",
        CANDOR_LLM="ollama:llama3.2",
        CHROMA_URL="http://chroma:8000",
    )

    assert settings.core.kudos_channel == "C0KUDOS"
    assert settings.llm == "ollama:llama3.2"
    assert settings.chroma_url == "http://chroma:8000"
    assert from_env(CANDOR_KUDOS_CHANNEL="  ").core.kudos_channel is None


def test_an_empty_values_setting_keeps_the_default_values() -> None:
    assert from_env(CANDOR_VALUES="  ").core.values == DEFAULT_VALUES


@pytest.mark.parametrize(
    ("raw", "expected"), [("", True), ("on", True), ("1", True), ("off", False), ("No", False)]
)
def test_skip_level_access_is_on_unless_turned_off(raw: str, expected: bool) -> None:
    settings = Settings.from_env({"CANDOR_SKIP_LEVEL": raw}, dotenv_path=None)

    assert settings.core.skip_level is expected


def test_a_bad_skip_level_switch_names_the_variable() -> None:
    with pytest.raises(SettingsError, match="CANDOR_SKIP_LEVEL must be on or off"):
        Settings.from_env({"CANDOR_SKIP_LEVEL": "sometimes"}, dotenv_path=None)
