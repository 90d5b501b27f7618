"""The fake Zalo: a real HTTP server on a loopback port that behaves as the OA API and OAuth v4
do (tokens, errors, quotas, the consultation window), plus builders of signed webhook events.

Test support only: used by the tests, the benchmarks and the soak, never installed with the bot
(`bot/` holds only what runs in production). Run it alone with `python -m tests.fakezalo.server`.
"""
