#!/usr/bin/env python3
"""Deterministic generator for a plausible service log (the committed sample/app.log).

    python3 generate.py                          # rewrites sample/app.log (3000 lines, seed 42)
    python3 generate.py --size-mb 200 --out /tmp/big.log   # benchmark input
Same seed and arguments -> byte-identical output.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random

START = dt.datetime(2024, 5, 14, 8, 0, 0, tzinfo=dt.timezone.utc)
THREADS = [f"http-nio-8080-exec-{i}" for i in range(1, 21)] + ["scheduling-1", "kafka-consumer-1", "main"]
ENDPOINTS = ["/api/orders", "/api/orders/{id}", "/api/cart/{id}", "/api/payments", "/api/users/{id}", "/health"]
USERS = ["alice@example.com", "bob@example.org", "carol@example.net", "dave@example.com"]


def rid(rng: random.Random) -> str:
    return "%08x" % rng.getrandbits(32)


def uuid(rng: random.Random) -> str:
    h = "%032x" % rng.getrandbits(128)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def stack(rng: random.Random, exc: str, frames: list[str]) -> list[str]:
    lines = [exc]
    for frame in frames:
        lines.append(f"\tat {frame}({frame.rsplit('.', 2)[-2]}.java:{rng.randint(20, 400)})")
    lines.append(f"\t... {rng.randint(30, 90)} common frames omitted")
    return lines


# (weight, level, logger, message builder returning (message, continuation lines))
def e_payment_timeout(rng):
    return (f"payment authorisation failed for order {rng.randint(10000, 99999)} (attempt {rng.randint(1, 3)}/3)",
            stack(rng, "java.net.SocketTimeoutException: Read timed out",
                  ["java.base/java.net.SocketInputStream.socketRead0", "com.acme.payments.PaymentClient.authorise",
                   "com.acme.orders.CheckoutService.pay"]))


def e_order_missing(rng):
    return f"order {rng.randint(10000, 99999)} not found for user {rng.randint(1000, 9999)}", []


def e_pool(rng):
    return (f"could not acquire connection from pool orders-db after {rng.choice([3000, 5000, 10000])}ms "
            f"(active={rng.randint(18, 20)}, idle=0, waiting={rng.randint(1, 40)})", [])


def e_npe(rng):
    return (f"unhandled exception in request {uuid(rng)}: java.lang.NullPointerException: "
            f"Cannot invoke \"String.length()\" because \"sku\" is null", [])


def e_jwt(rng):
    return f"rejected token for {rng.choice(USERS)}: signature mismatch (kid {rid(rng)}{rid(rng)})", []


def e_deadlock(rng):
    return (f"failed to sync sku ABC-{rng.randint(10000, 99999)} from /var/data/inventory/batch-{rng.randint(1, 400):04d}.csv: "
            f"org.postgresql.util.PSQLException: ERROR: deadlock detected", [])


def e_redis(rng):
    return f"connection to 10.0.{rng.randint(0, 9)}.{rng.randint(2, 250)}:6379 refused, serving from origin", []


def e_kafka(rng):
    return (f"offset commit failed for partition orders-events-{rng.randint(0, 11)} at offset {rng.randint(10**6, 10**7)}",
            stack(rng, "org.apache.kafka.clients.consumer.CommitFailedException: Commit cannot be completed since the group has already rebalanced",
                  ["org.apache.kafka.clients.consumer.internals.ConsumerCoordinator.sendOffsetCommitRequest",
                   "com.acme.events.OrderEventsListener.onBatch"]))


ERRORS = [  # weight, logger, builder
    (30, "c.a.payments.PaymentClient", e_payment_timeout),
    (22, "c.a.orders.OrderService", e_order_missing),
    (14, "c.a.db.HikariPool", e_pool),
    (9, "c.a.web.ErrorHandler", e_npe),
    (7, "c.a.auth.TokenVerifier", e_jwt),
    (4, "c.a.inventory.StockSync", e_deadlock),
    (3, "c.a.cache.RedisCache", e_redis),
    (2, "c.a.events.OrderEventsListener", e_kafka),
]


def info(rng):
    ep = rng.choice(ENDPOINTS).replace("{id}", str(rng.randint(1, 99999)))
    method = "GET" if rng.random() < 0.7 else "POST"
    status = rng.choices([200, 201, 204, 304, 404], [70, 8, 5, 10, 7])[0]
    return "c.a.web.AccessLog", f"{method} {ep} {status} {rng.randint(2, 900)}ms"


def warn(rng):
    return rng.choice([
        ("c.a.payments.PaymentClient", f"slow upstream response from payments-gw: {rng.randint(1500, 2900)}ms"),
        ("c.a.db.HikariPool", f"pool orders-db usage at {rng.randint(80, 99)}%"),
        ("c.a.web.RateLimiter", f"client {rng.randint(1, 250)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)} throttled"),
        ("c.a.cache.RedisCache", f"cache miss ratio {rng.random():.2f} above threshold"),
    ])


def generate(out, seed: int, lines: int | None, size_bytes: int | None) -> int:
    rng = random.Random(seed)
    now = START
    written = count = 0
    weights = [w for w, _, _ in ERRORS]
    while (lines is None or count < lines) and (size_bytes is None or written < size_bytes):
        now += dt.timedelta(milliseconds=rng.randint(1, 2500))
        ts = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
        roll = rng.random()
        extra: list[str] = []
        if roll < 0.07:
            _, logger, build = rng.choices(ERRORS, weights)[0]
            level, (message, extra) = "ERROR", build(rng)
        elif roll < 0.15:
            level, (logger, message) = "WARN", warn(rng)
        elif roll < 0.17:
            level, logger, message = "DEBUG", "c.a.orders.CartService", f"cart {rng.randint(1, 99999)} recalculated"
        else:
            level, (logger, message) = "INFO", info(rng)
        record = (f"{ts} {level:<5} [{rng.choice(THREADS)}] {logger} - req={rid(rng)} {message}\n"
                  + "".join(line + "\n" for line in extra))
        out.write(record)
        written += len(record)
        count += 1 + len(extra)
    return count


def main() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--lines", type=int, default=None, help="stop after about N lines (default 3000)")
    parser.add_argument("--size-mb", type=float, default=None, help="stop after about N MB instead")
    parser.add_argument("--out", default=os.path.join(here, "app.log"))
    args = parser.parse_args()
    lines = args.lines if args.lines or args.size_mb else 3000
    size = int(args.size_mb * 1_000_000) if args.size_mb else None
    with open(args.out, "w", encoding="utf-8", newline="\n") as fh:
        n = generate(fh, args.seed, lines, size)
    print(f"wrote {n} lines to {args.out}")


if __name__ == "__main__":
    main()
