"""Browser-test settings: a tall viewport, so full-page screenshots show whole pages."""

import pytest


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1600}, "accept_downloads": True}
