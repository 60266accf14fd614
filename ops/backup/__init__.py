"""Backups (S5): an encrypted, checksummed, consistent snapshot in two places, kept for a stated time, restorable.

See docs/backups.md. `crypto` seals the snapshot, `snapshot` takes and restores it and fingerprints a
database, `stores` are the two destinations, `service` ties them together for the commands and the
daily task.
"""
