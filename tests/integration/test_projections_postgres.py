from tests.integration.test_projections_sqlite import ProjectionsSuite


class TestProjectionsOnPostgres(ProjectionsSuite):
    backend = "postgres"
    workload_size = 400
