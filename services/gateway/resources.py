"""What the gateway's routes use, built once per process: one typed object, not a bag.

Why: routes and dependencies used to read `request.app.state.<name>`, untyped, each
with its own annotation; a misspelt name failed only when that route ran. `Resources`
names each part once, with its type, and `deps.Res` hands it to a route.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from agora_kit.redis_client import observed_redis
from services.gateway.access import AccessResolver
from services.gateway.auth import DevTokenVerifier, EitherVerifier, TokenVerifier
from services.gateway.author_keys import AuthorKeys
from services.gateway.clients import ServiceClients
from services.gateway.config import GatewaySettings
from services.gateway.events.live import LiveFeed
from services.gateway.jwks import JwksVerifier
from services.gateway.participation.record import Participation
from services.gateway.public_names import PublicNames
from services.gateway.ratelimit import WriteRateLimiter
from services.gateway.reading import ConsultationLanguages
from services.gateway.reads.cache import ReadCache
from services.gateway.throttle import HourlyLimit, Limits, LoginGuard


@dataclass(frozen=True)
class Resources:
    settings: GatewaySettings
    clients: ServiceClients
    redis: Redis
    rate_limiter: WriteRateLimiter
    verifier: TokenVerifier
    access: AccessResolver
    login_guard: LoginGuard
    registrations: HourlyLimit
    author_keys: AuthorKeys
    live: LiveFeed
    participation: Participation
    read_cache: ReadCache
    public_names: PublicNames
    languages: ConsultationLanguages

    @classmethod
    def of(cls, settings: GatewaySettings) -> Resources:
        clients = ServiceClients(settings)
        # Every request uses Redis (limits, admissions, caches): the pool must not be the
        # bottleneck under a burst (redis-py's default is 100 connections).
        redis = observed_redis(settings.redis_url, service="gateway", socket_timeout=1.0,
                               socket_connect_timeout=1.0, max_connections=1024)
        jwks = JwksVerifier(clients, issuer=settings.token_issuer,
                            audience=settings.token_audience,
                            cache_seconds=settings.jwks_cache_seconds)
        verifier: TokenVerifier = jwks
        if settings.auth_mode == "dev":
            verifier = EitherVerifier(DevTokenVerifier(), jwks)
        return cls(
            settings=settings, clients=clients, redis=redis,
            rate_limiter=WriteRateLimiter(redis, per_minute=settings.write_rate_per_minute),
            verifier=verifier,
            access=AccessResolver(clients, redis, ttl=settings.access_cache_seconds,
                                  local_seconds=settings.read_cache_local_seconds),
            login_guard=LoginGuard(
                redis,
                account=Limits(settings.login_failures_per_hour, settings.login_free_failures),
                ip=Limits(settings.ip_login_failures_per_hour, settings.ip_login_free_failures)),
            registrations=HourlyLimit(redis, name="register-ip",
                                      per_hour=settings.registrations_per_ip_per_hour),
            author_keys=AuthorKeys(settings.author_key_bytes()),
            live=LiveFeed(settings.nats_url),
            participation=Participation(redis,
                                        recheck_seconds=settings.participation_flush_seconds),
            read_cache=ReadCache(redis, ttl=settings.read_cache_seconds,
                                 stable_after=settings.read_cache_stable_seconds,
                                 local_seconds=settings.read_cache_local_seconds),
            public_names=PublicNames(redis, clients, ttl=settings.public_name_cache_seconds),
            languages=ConsultationLanguages(clients))

    async def close(self) -> None:
        await self.live.close()
        await self.clients.close()
        await self.redis.aclose()
