import pytest

from hubbub.adapters.eventstore.environment import application_env
from hubbub.adapters.eventstore.url import EventStoreURLError, persistence_env
from hubbub.adapters.settings import Settings, SettingsError, check_workers, load_settings, settings_env


def test_the_default_is_a_sqlite_file_in_the_data_dir():
    settings = load_settings({"HUBBUB_DATA_DIR": "/tmp/hubbub-x", "HUBBUB_ENV_FILE": ""})
    assert persistence_env(settings.resolved_event_store_url) == {
        "PERSISTENCE_MODULE": "hubbub.adapters.eventstore.sqlite", "SQLITE_DBNAME": "/tmp/hubbub-x/events.sqlite3"}


def test_postgres_and_mongodb_urls_become_library_settings():
    env = persistence_env("postgresql://me:s%40cret@db.internal:6543/chat?schema=hub&pool_size=10")
    assert env == {"PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_HOST": "db.internal",
                   "POSTGRES_PORT": "6543", "POSTGRES_DBNAME": "chat", "POSTGRES_USER": "me",
                   "POSTGRES_PASSWORD": "s@cret", "POSTGRES_SCHEMA": "hub", "POSTGRES_POOL_SIZE": "10"}
    mongo = persistence_env("mongodb://a,b,c/chat?replicaSet=rs0")
    assert (mongo["PERSISTENCE_MODULE"], mongo["MONGODB_DATABASE"]) == ("hubbub.adapters.eventstore.mongodb", "chat")


@pytest.mark.parametrize("url", ["mysql://x/y", "sqlite://", "postgresql:///nodb", "postgresql://host/"])
def test_unusable_urls_are_refused(url):
    with pytest.raises(EventStoreURLError):
        persistence_env(url)


@pytest.mark.parametrize(("name", "value", "named"), [
    ("HUBBUB_EVENT_STORE_URL", "mysql://x/y", "HUBBUB_EVENT_STORE_URL"),
    ("HUBBUB_PASSWORD_TIME_COST", "many", "HUBBUB_PASSWORD_TIME_COST"),
    ("HUBBUB_JWT_ALGORITHM", "none", "HUBBUB_JWT_ALGORITHM"),
    ("HUBBUB_COMPRESS_EVENTS", "maybe", "HUBBUB_COMPRESS_EVENTS"),
    ("HUBBUB_PROJECTIONS", "fork", "HUBBUB_PROJECTIONS"),
    ("HUBBUB_QUERY_THREADS", "0", "HUBBUB_QUERY_THREADS"),
    ("HUBBUB_SESSION_CHECK_TTL_S", "-1", "HUBBUB_SESSION_CHECK_TTL_S"),
    ("HUBBUB_AUDIT_CHECKPOINT_EVERY_EVENTS", "0", "HUBBUB_AUDIT_CHECKPOINT_EVERY_EVENTS"),
    ("HUBBUB_AUDIT_CHECKPOINT_EVERY_S", "0", "HUBBUB_AUDIT_CHECKPOINT_EVERY_"),
    ("HUBBUB_ENCRYPT_PERSONAL_DATA", "maybe", "HUBBUB_ENCRYPT_PERSONAL_DATA"),
    ("HUBBUB_MONGODB_TIMEOUT_S", "0", "HUBBUB_MONGODB_TIMEOUT_S"),
])
def test_a_bad_value_is_refused_naming_its_variable(name, value, named):
    with pytest.raises(SettingsError, match=named):
        load_settings({name: value, "HUBBUB_ENV_FILE": ""})


def test_the_mongodb_timeout_reaches_the_event_store_and_read_store_clients():
    from eventsourcing.persistence import InfrastructureFactory

    from hubbub.adapters.readstore import open_read_store

    url = "mongodb://127.0.0.1:1/chat?replicaSet=rs0"
    settings = load_settings({"HUBBUB_EVENT_STORE_URL": url, "HUBBUB_MONGODB_TIMEOUT_S": "2.5", "HUBBUB_ENV_FILE": ""})
    factory = InfrastructureFactory.construct(application_env(settings) | {"CREATE_TABLE": "no"})
    read_store = open_read_store(url, settings.data_dir, settings.mongodb_timeout_s)
    try:
        assert factory.datastore.client.options.timeout == 2.5  # type: ignore[attr-defined]
        assert read_store.datastore.client.options.timeout == 2.5  # type: ignore[attr-defined]
    finally:
        factory.close()
        read_store.close()


def test_a_dotenv_file_is_read_and_the_environment_wins(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("# comment\nHUBBUB_DATA_DIR=/from/file\nHUBBUB_LOG_LEVEL='DEBUG'\n")
    settings = load_settings({"HUBBUB_ENV_FILE": str(dotenv), "HUBBUB_DATA_DIR": "/from/env"})
    assert (settings.data_dir, settings.log_level) == ("/from/env", "DEBUG")


def test_encryption_and_compression_are_switched_on_by_settings():
    settings = load_settings({"HUBBUB_CIPHER_KEY": "k", "HUBBUB_COMPRESS_EVENTS": "true", "HUBBUB_ENV_FILE": ""})
    env = application_env(settings)
    assert env["CIPHER_TOPIC"] == "eventsourcing.cryptography:AESCipher" and env["CIPHER_KEY"] == "k"
    assert env["COMPRESSOR_TOPIC"] == "eventsourcing.compressor:ZlibCompressor"


def test_projectors_run_in_a_child_process_unless_told_otherwise():
    assert load_settings({"HUBBUB_ENV_FILE": ""}).projections == "process"
    for mode in ("thread", "off"):
        assert load_settings({"HUBBUB_PROJECTIONS": mode, "HUBBUB_ENV_FILE": ""}).projections == mode


@pytest.mark.parametrize("mode", ["process", "off"])
@pytest.mark.parametrize("url", ["memory://", "sqlite:///:memory:"])
def test_projectors_in_another_process_need_a_log_it_can_read(mode, url):
    environ = {"HUBBUB_EVENT_STORE_URL": url, "HUBBUB_PROJECTIONS": mode, "HUBBUB_ENV_FILE": ""}
    with pytest.raises(SettingsError, match="HUBBUB_PROJECTIONS=thread"):
        load_settings(environ)
    assert load_settings({**environ, "HUBBUB_PROJECTIONS": "thread"}).projections == "thread"


def test_settings_survive_the_trip_through_a_child_process_environment():
    settings = Settings(
        data_dir="/srv/hubbub", event_store_url="postgresql://me:pw@db:5432/chat", jwt_secret="s" * 40,
        read_wait_timeout_s=0.05, session_check_ttl_s=0, compress_events=True, cors_origins=["https://a", "https://b"],
        log_level="DEBUG", projections="off",
    )
    assert load_settings({**settings_env(settings), "HUBBUB_ENV_FILE": ""}) == settings
    assert load_settings({**settings_env(Settings()), "HUBBUB_ENV_FILE": ""}) == Settings()


@pytest.mark.parametrize(("settings", "why"), [
    (Settings(event_store_url="memory://", projections="thread", redis_url="redis://r"), "in-memory"),
    (Settings(projections="thread", redis_url="redis://r"), "PROJECTIONS=thread"),
    (Settings(), "HUBBUB_REDIS_URL"),
])
def test_several_workers_need_what_they_can_share(settings, why):
    check_workers(settings, 1)
    with pytest.raises(SettingsError, match=why):
        check_workers(settings, 2)


def test_several_workers_on_shared_stores_are_fine():
    check_workers(Settings(redis_url="redis://r"), 4)
    check_workers(Settings(projections="off", redis_url="redis://r"), 4)


@pytest.mark.parametrize("name, value", [
    ("HUBBUB_GATEWAY_CONNECTIONS_PER_USER", "0"), ("HUBBUB_GATEWAY_REPLAY_CAP", "0"),
    ("HUBBUB_GATEWAY_OUTBOUND_LIMIT", "-1"), ("HUBBUB_GATEWAY_POLL_INTERVAL_S", "0"),
])
def test_gateway_limits_must_be_positive(name, value):
    with pytest.raises(SettingsError, match=name):
        load_settings({name: value, "HUBBUB_ENV_FILE": ""})
