"""Stop signs: registry, health, payloads (JSON, GB2312 LED text, voice), stop pages and posters."""
