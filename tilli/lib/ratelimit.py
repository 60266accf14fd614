"""A fixed-window request counter in the shared (database) cache, for public forms and APIs."""

from django.core.cache import cache


def over_limit(key: str, limit: int, window_seconds: int = 600) -> bool:
    """Count one request under `key`; True once more than `limit` arrived within the window.

    The key must carry no personal data in clear (hash addresses before using them).
    """
    cache.add(key, 0, window_seconds)
    try:
        return cache.incr(key) > limit
    except ValueError:  # the entry expired between add and incr: this request starts a new window
        cache.add(key, 1, window_seconds)
        return False
