"""How big each scenario is: the full run (`make bench`, under 15 minutes on 2 cores, with the
PostgreSQL variants and both stock baselines) and `--quick` (about two minutes, a smoke check)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from bench.burst import Load


@dataclass(frozen=True)
class Sizes:
    rtt: float
    steady: Load
    burst: Load
    noflood: Load | None  # None: skip the run without flood limits
    cpu_users: int
    cpu_seconds: float
    memory_interviews: int
    staff_interviews: int
    staff_answers: int
    staff_requests: int
    mentions: int
    postgres: bool = True

    def complete_burst(self) -> Sizes:
        return replace(self, burst=replace(self.burst, window=None, drain=120))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def full() -> Sizes:
    return Sizes(
        rtt=0.05,
        steady=Load(users=60, ramp=10, think=(2.0, 4.0), window=35, drain=15),
        burst=Load(users=1000, ramp=10, think=(2.0, 6.0), window=45, drain=60),
        noflood=Load(users=1000, ramp=10, think=(2.0, 6.0), window=25, drain=15),
        cpu_users=100,
        cpu_seconds=12,
        memory_interviews=10_000,
        staff_interviews=10_000,
        staff_answers=40,
        staff_requests=40,
        mentions=800,
    )


def quick() -> Sizes:
    return Sizes(
        rtt=0.05,
        steady=Load(users=8, ramp=1, think=(1.0, 1.5), window=8, drain=3),
        burst=Load(users=100, ramp=1, think=(0.5, 1.5), window=5, drain=6),
        noflood=None,
        cpu_users=20,
        cpu_seconds=2,
        memory_interviews=300,
        staff_interviews=200,
        staff_answers=40,
        staff_requests=5,
        mentions=800,
        postgres=False,
    )
