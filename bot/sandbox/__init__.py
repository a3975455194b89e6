"""Local mode: an in-process Telegram Bot API emulator, its spec checker and a browser simulator.

The real python-telegram-bot Application talks to the emulator over HTTP exactly as it would talk to
api.telegram.org, so local mode and integration tests exercise the production code path.
"""
