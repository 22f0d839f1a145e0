"""What loading the logged-in user costs per request, with and without the per-process user cache.

`load_user` (Flask-Login's loader) as a request runs it, on the demo data: (before) the joined
load every request sent before migration 0026 (user, roles with their organisations, profile);
(hit) a user this process holds at their current `auth_version` — one two-column read and a
`merge(load=False)`; (cold) a user this process has never seen — the joined load and a copy
kept; (stale) a copy whose stamp moved — the stamp read, the load and a new copy. Each sample is a
fresh request context, its connection checkout and BEGIN included; the kinds alternate within
each round so that the machine's drift touches them all alike. PostgreSQL (durable) and SQLite.

    .venv/bin/python bench/bench_user_cache.py [--quick] [--rounds N]
"""
from __future__ import annotations

import time

import common  # noqa: F401  (puts the project on sys.path)
from common import arguments, make_app, save_result, sqlite_url, start_bench_postgres, summary

KINDS = ("before", "hit", "cold", "stale")


def measure(app, rounds: int) -> dict:
    """Median and p95 (ms) per kind, over `rounds` alternated rounds after a warm-up."""
    from webapp.auth import _with_roles_and_profile, load_user
    from webapp.auth.cache import user_cache
    from webapp.demo import build_demo
    from webapp.extensions import db
    from webapp.models import User

    with app.app_context():
        build_demo()
        db.session.commit()
        user_id = db.session.query(User.id).filter_by(username="s1admin").scalar()

    def once(kind: str) -> float:
        with app.test_request_context():
            cache = user_cache()
            if kind == "cold":
                cache.clear()
            elif kind == "stale" and user_id in cache:
                cache.put(user_id, -1, cache._entries[user_id][1])
            started = time.perf_counter()
            if kind == "before":
                user = db.session.get(User, user_id, options=_with_roles_and_profile())
            else:
                user = load_user(user_id)
            user.role_scopes()
            elapsed = time.perf_counter() - started
            db.session.remove()
            return elapsed

    samples: dict[str, list[float]] = {kind: [] for kind in KINDS}
    for round_number in range(rounds + 20):
        for kind in KINDS:
            elapsed = once(kind)
            if round_number >= 20:
                samples[kind].append(elapsed)
    return {kind: summary(values) for kind, values in samples.items()}


def main() -> None:
    args = arguments(__doc__, [("--rounds", {"type": int, "default": 400, "help": "alternated rounds"})])
    rounds = 50 if args.quick else args.rounds
    results: dict[str, dict] = {}
    server, postgres = start_bench_postgres()
    try:
        results["postgresql"] = measure(make_app(server.url), rounds)
    finally:
        server.stop()
    results["sqlite"] = measure(make_app(sqlite_url()), rounds)
    for database, figures in results.items():
        print(f"\n== {database}, load_user per request ({rounds} alternated rounds)")
        for kind in KINDS:
            print(f"  {kind:7} median {figures[kind]['median_ms']:6.3f} ms   p95 {figures[kind]['p95_ms']:6.3f} ms")
    save_result("bench_user_cache", {"rounds": rounds, "results": results}, postgres["version"])


if __name__ == "__main__":
    main()
