"""Landscape views: coverage, the areas × outcome matrix, trait distributions, the funnel,
and the leads → interviews funnel from mentions of @cdps_cymru (with the X read budget).

Each aggregate respects the same filters as the interviews list, and every number links to
the interviews (or quotes) behind it, so a chart is always one click from the evidence.
"""

from __future__ import annotations

from collections import Counter

from aiohttp import web

from bot.services import SERVICES
from bot.web import filters as filtering
from bot.web.auth import requires
from bot.web.charts import COLOURS, Bar, hbar
from bot.web.language import language_of, translator
from bot.web.questions import OUTCOMES, QuestionnaireView
from bot.web.templating import render
from storage import landscape_query, lead_query
from storage.review_query import NOT_ASKED, Filters


@requires("viewer")
async def index(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    chosen: Filters = filtering.chosen(request)
    t = translator(request)
    view = QuestionnaireView(services.questionnaire, language_of(request), t)
    empty = t("chart.empty")
    params = filtering.as_params(request.query)

    cells = await landscape_query.coverage(services.db, chosen)
    by_country: Counter[str] = Counter()
    by_level: Counter[tuple[str, str]] = Counter()  # (level id or "", label)
    not_answered = t("chart.not_answered")
    for country, level, version, n in cells:
        by_country[country] += n
        # a version that does not ask the level: its row links to the level filter's option
        key = level or (NOT_ASKED if not view.asks("level", version or None) else "")
        by_level[(key, view.level(level, version or None, not_answered))] += n
    countries = sorted(by_country.items(), key=lambda kv: (-kv[1], kv[0]))
    levels = view.levels()
    country_names = {c: view.choice_label("country", c) for c in by_country}
    level_names = dict(levels)

    areas = view.areas()
    traits = view.traits()
    keys = [f"outcome@{a}" for a, _ in areas] + [trait["id"] for trait in traits]
    counts = await landscape_query.value_counts(services.db, chosen, keys)
    matrix = [
        (area, label, [counts.get((f"outcome@{area}", o), 0) for o, _ in OUTCOMES])
        for area, label in areas
    ]
    trait_rows = []
    for number, trait in enumerate(traits):
        scores = [(label, counts.get((trait["id"], value), 0)) for value, label in trait["points"]]
        chart = hbar(
            trait["text"],
            t("chart.points_desc"),
            [Bar(label, n) for label, n in scores],
            COLOURS[number % len(COLOURS)],
            empty,
        )
        trait_rows.append({**trait, "scores": scores, "chart": chart})

    funnel = await landscape_query.funnel(services.db, chosen)
    stages = [(t("funnel.started"), funnel.started)]
    if funnel.consented is not None:
        stages.append((t("funnel.consented"), funnel.consented))
    stages.append((t("funnel.completed"), funnel.completed))

    leads = await lead_query.lead_funnel(services.db)
    lead_stages = [
        (t("funnel.leads_found"), leads.found),
        (t("funnel.invited"), leads.invited),
        (t("funnel.started"), leads.started),
        (t("funnel.completed"), leads.completed),
    ]
    budget = services.settings.x_monthly_read_budget
    reads = await lead_query.reads_this_month(services.db, services.clock())

    return render(
        request,
        "landscape.html",
        {
            "title": t("nav.landscape"),
            "params": params,
            "form": {k: request.query.get(k, "") for k in filtering.FILTER_KEYS},
            "countries": [(c, country_names[c], n) for c, n in countries],
            "country_chart": hbar(
                t("chart.by_country"),
                t("chart.by_country_desc"),
                [Bar(country_names[c], n) for c, n in countries[:25]],
                empty=empty,
            ),
            "coverage": cells,
            "levels": [
                *(
                    (lv, name, sum(n for (k, _), n in by_level.items() if k == lv))
                    for lv, name in levels
                ),
                *((k, label, n) for (k, label), n in by_level.items() if k not in level_names),
            ],
            "level_chart": hbar(
                t("chart.by_level"),
                t("chart.by_level_desc"),
                [Bar(label, n) for (_, label), n in by_level.items()],
                COLOURS[1],
                empty,
            ),
            "country_names": country_names,
            "level_names": level_names,
            "outcomes": [(key, t(f"outcome.{key}")) for key, _ in OUTCOMES],
            "area_note": view.area_note(),
            "level_note": view.level_note(),
            "matrix": matrix,
            "traits": trait_rows,
            "stages": stages,
            "funnel_chart": hbar(
                t("chart.funnel"),
                t("chart.funnel_desc"),
                [Bar(label, n) for label, n in stages],
                COLOURS[3],
                empty,
            ),
            "consent_known": funnel.consented is not None,
            "leads": leads,
            "lead_stages": lead_stages,
            "lead_chart": hbar(
                t("chart.leads"),
                t("chart.leads_desc"),
                [Bar(label, n) for label, n in lead_stages],
                COLOURS[4],
                empty,
            ),
            "reads": {
                "used": reads,
                "budget": budget,
                "percent": round(100 * reads / budget, 1) if budget else 100.0,
                "month": services.clock().strftime("%Y-%m"),
                "monitor_on": services.settings.x_enabled,
            },
        },
    )
