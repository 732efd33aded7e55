"""pytest glue for the browser tests: lets a test's fixtures see whether the test failed, so the
browser fixture can save a screenshot of the page a failing test was looking at."""
import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, "report_" + report.when, report)
