"""The one-line failure summaries that make `hcflow build` exit 1."""

from hcflow.services.build_text import descriptor_failures, failure_summary


def test_descriptor_failures_now_and_earlier():
    assert descriptor_failures({"processed": 3, "failed": 0}) is None
    now = descriptor_failures({"processed": 2, "failed": 1})
    assert now.startswith("1 of 3 trajectories failed")
    earlier = descriptor_failures({"processed": 0, "failed": 0, "failed_earlier": 2})
    assert earlier.startswith("2 trajectories failed in an earlier build")


def test_failure_summary_empty_is_none():
    assert failure_summary({}) is None
