from tests.contract.application_suite import ApplicationSuite


class TestApplicationOnMongoDB(ApplicationSuite):
    backend = "mongodb"
