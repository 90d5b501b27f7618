"""Deciding what to say: turns, intents' bids, session policy, wording and rendering."""
