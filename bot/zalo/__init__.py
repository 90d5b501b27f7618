"""The Zalo channel: webhook signatures, event parsing, the OA API client, OAuth, a fake Zalo."""
