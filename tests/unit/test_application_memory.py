from tests.contract.application_suite import ApplicationSuite


class TestApplicationInMemory(ApplicationSuite):
    backend = "memory"
