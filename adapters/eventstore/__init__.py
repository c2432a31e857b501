"""Event store adapters: the persistence modules behind HUBBUB_EVENT_STORE_URL."""
