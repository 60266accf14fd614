"""Local HTTP doubles of the payment providers, for tests and the browser tests."""
