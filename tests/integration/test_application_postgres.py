from tests.contract.application_suite import ApplicationSuite


class TestApplicationOnPostgres(ApplicationSuite):
    backend = "postgres"
