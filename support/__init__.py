"""Helpers shared by the tests and the benchmarks: the fake Bot API server and the running
bot harness.  Not part of the product (not in the wheel); everything talks to 127.0.0.1."""
