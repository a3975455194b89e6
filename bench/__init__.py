"""`make bench` (`python -m bench`): the bot measured against Telegram's ceiling and stock PTB.

Each scenario runs the real serve process (or a stock PTB bot) in its own OS process against a
local Bot API emulator in this one, so the two share no event loop and, on two cores, no core.
Results: a table on stdout and `bench/results/latest.json`; what they mean: docs/performance.md.
"""
