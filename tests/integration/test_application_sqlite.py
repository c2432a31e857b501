from tests.contract.application_suite import ApplicationSuite


class TestApplicationOnSQLite(ApplicationSuite):
    backend = "sqlite"
