"""Our serve process for the benchmark: `create_app` exactly as `dgu-bot serve` builds it
(no reminder job), pointed at the benchmark's emulator.

    python -m bench.botproc --api URL --token T --db URL --port N [--limiter L] [--profile F]

`--limiter none` swaps out the flood pacer, for runs against a Bot API with no flood limits
(`aio`: PTB's AIORateLimiter, what the bot used before the pacer);
`--profile` samples the process with pyinstrument and writes a text report on exit.
"""

from __future__ import annotations

import argparse
import signal
import sys

from aiohttp import web


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.botproc")
    parser.add_argument("--api", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument(
        "--limiter",
        choices=("pacer", "aio", "none"),
        default="pacer",
        help="pacer: the product's FloodPacer; aio: PTB's AIORateLimiter(max_retries=3); none",
    )
    parser.add_argument("--webhook", default=None, help="webhook URL (default: long polling)")
    parser.add_argument("--profile", default=None)
    args = parser.parse_args(argv)

    from bench.script import QUESTIONNAIRE
    from bot import logs
    from bot import telegram as bot_telegram
    from bot.app import Overrides, create_app
    from bot.settings import Settings

    values: dict[str, object] = {
        "telegram_bot_token": args.token,
        "telegram_api_url": args.api,
        "database_url": args.db,
        "log_level": "INFO",
        "_env_file": None,
        "questionnaire": QUESTIONNAIRE,  # the version bench.script's answers are written for
    }
    if args.webhook:
        values["telegram_webhook_url"] = args.webhook
        values["telegram_webhook_secret"] = "bench-webhook-secret"
    settings = Settings(**values)  # type: ignore[arg-type]
    logs.configure(settings)
    if args.limiter == "none":
        bot_telegram.rate_limiter = lambda: None  # type: ignore[assignment]
    elif args.limiter == "aio":
        from telegram.ext import AIORateLimiter

        bot_telegram.rate_limiter = lambda: AIORateLimiter(max_retries=3)  # type: ignore[assignment]
    app = create_app(settings, Overrides(jobs=False))
    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005, async_mode="disabled")
        profiler.start()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        web.run_app(
            app,
            host="127.0.0.1",
            port=args.port,
            print=None,
            access_log=None,
        )
    finally:
        if profiler is not None:
            profiler.stop()
            with open(args.profile, "w", encoding="utf-8") as out:
                out.write(profiler.output_text(unicode=False, color=False, show_all=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
