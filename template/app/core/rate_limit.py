"""Rate limiting with the `limits` library: in memory, or in Redis when REDIS_URL is set."""

from __future__ import annotations

import math
import time

from limits import RateLimitItem
from limits import parse as parse_rate_limit
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from redis.asyncio import ConnectionPool

from app.core.config import Settings
from app.core.exceptions import RateLimitedError


class RateLimiter:
    """Counts attempts per client IP and per account, for each protected action."""

    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.RATE_LIMIT_ENABLED
        self.per_ip: RateLimitItem = parse_rate_limit(settings.RATE_LIMIT_PER_IP)
        self.per_account: RateLimitItem = parse_rate_limit(settings.RATE_LIMIT_PER_ACCOUNT)
        self._redis_pool: ConnectionPool | None = None
        self.storage: Storage
        if settings.REDIS_URL:
            # Our own pool, so shutdown can close its connections.
            self._redis_pool = ConnectionPool.from_url(settings.REDIS_URL)
            self.storage = RedisStorage(
                "async+" + settings.REDIS_URL,
                implementation="redispy",
                connection_pool=self._redis_pool,  # type: ignore[arg-type]  # passed through
                key_prefix=f"{settings.SERVICE_NAME}:limits",
            )
        else:
            self.storage = MemoryStorage()
        self._limiter = MovingWindowRateLimiter(self.storage)

    async def check(self, action: str, *, client_ip: str | None, account: str | None) -> None:
        """Count one attempt at `action`; raise 429 if either budget is spent."""
        if not self.enabled:
            return
        keys = [(self.per_ip, "ip", client_ip or "unknown")]
        if account:
            keys.append((self.per_account, "account", account.lower()))
        for item, kind, identifier in keys:
            if not await self._limiter.hit(item, action, kind, identifier):
                stats = await self._limiter.get_window_stats(item, action, kind, identifier)
                retry_after = max(1, math.ceil(stats.reset_time - time.time()))
                raise RateLimitedError(retry_after=retry_after)

    async def reset(self) -> None:
        await self.storage.reset()

    async def close(self) -> None:
        if self._redis_pool is not None:
            await self._redis_pool.aclose()
