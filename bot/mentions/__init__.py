"""Mentions of the watched X account (@cdps_cymru): poll, score, triage, invite, attribute.

The modules are nouns: `client` (tweepy routed to X_API_URL), `monitor` (the poll loop and
its cursor), `scoring` (pure), `leads` (lifecycle, invitations, contributions), `views`
(aiohttp handlers the staff app mounts).
"""
