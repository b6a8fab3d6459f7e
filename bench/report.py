"""The results of `make bench` as a text table (terminal) and as Markdown (docs)."""


def _verdict(ok) -> str:
    if ok is None:
        return "—"
    return "met" if ok else "MISSED"


def rows(results: dict) -> list[tuple[str, str, str, str]]:
    """(benchmark, figure, target, verdict) lines."""
    out = []
    imp = results.get("unit_import", {})
    if imp.get("status") == "ok":
        out.append(
            (
                f"unit import, {imp['rows']:,} rows (median of {imp['repeats']})",
                f"{imp['service_rows_per_s']:,} rows/s; COPY {imp['copy_rows_per_s']:,}, "
                f"executemany {imp['executemany_rows_per_s']:,}",
                "≥ 0.5× raw",
                "",
            )
        )
        out.append(
            (
                "  ratio to COPY / to executemany INSERT",
                f"{imp['ratio_vs_copy']:.2f}× / {imp['ratio_vs_executemany']:.2f}×",
                "≥ 0.5×",
                f"{_verdict(imp['ratio_vs_copy'] >= 0.5)} / "
                f"{_verdict(imp['ratio_vs_executemany'] >= 0.5)}",
            )
        )
        out.append(
            (
                "  re-import of an unchanged file",
                f"{imp['reimport_unchanged_rows_per_s']:,} rows/s",
                "",
                "",
            )
        )
    elif imp:
        out.append(("unit import", imp.get("reason", imp.get("status")), "", "not measured"))

    page = results.get("building_page", {})
    if page.get("status") == "ok":
        out.append(
            (
                f"building page, {page['buildings']} buildings × "
                f"{page['requests'] // page['buildings']}",
                f"p50 {page['p50_ms']} ms, p95 {page['p95_ms']} ms",
                "p95 < 150 ms",
                _verdict(page["p95_ms"] < 150),
            )
        )
        for kind in ("small", "large"):
            k = page[kind]
            out.append(
                (
                    f"  {k['units']} units",
                    f"p50 {k['p50_ms']} ms, p95 {k['p95_ms']} ms, "
                    f"{'/'.join(map(str, k['queries']))} queries",
                    "",
                    "",
                )
            )
        big = page.get("imported_building") or {}
        if big:
            out.append(
                (
                    f"  {big['units']:,} units (imported)",
                    f"median {big['median_ms']} ms, {big['queries']} queries",
                    "",
                    "",
                )
            )
        out.append(
            (
                "  query count independent of units",
                "yes" if page["query_count_constant"] else "NO",
                "same count per case state",
                _verdict(page["query_count_constant"]),
            )
        )
    elif page:
        out.append(("building page", page.get("reason", page.get("status")), "", "not measured"))

    queue = results.get("queue", {})
    if queue.get("status") == "ok":
        for label, entry in queue["receivers"].items():
            for surface, s in entry["surfaces"].items():
                out.append(
                    (
                        f"queue {surface}, {label} ({entry['reports']:,} of "
                        f"{queue['reports_total']:,} reports)",
                        f"p50 {s['p50_ms']} ms, p95 {s['p95_ms']} ms, queries 25/100: "
                        f"{s['views']['default 25']['count']}/{s['views']['default 100']['count']}",
                        "p95 < 150 ms; same count",
                        f"{_verdict(s['p95_ms'] < 150)}; "
                        f"{_verdict(s['query_count_same_for_25_and_100'])}",
                    )
                )
    elif queue:
        out.append(("intake queue", queue.get("reason", queue.get("status")), "", "not measured"))

    detail = results.get("report_page", {})
    if detail.get("status") == "ok":
        out.append(
            (
                f"report page, {detail['plain']['reports'] + detail['long']['reports']} reports "
                f"x {detail['rounds']} rounds",
                f"p50 {detail['p50_ms']} ms, p95 {detail['p95_ms']} ms "
                f"(CPU p50 {detail['cpu_p50_ms']} ms)",
                "p95 < 150 ms",
                _verdict(detail["p95_ms"] < 150),
            )
        )
        out.append(
            (
                "  queries: plain / long history",
                f"{detail['plain']['queries']} / {detail['long']['queries']} "
                f"(DB {detail['plain']['db_ms_median']} / {detail['long']['db_ms_median']} ms)",
                "same count per report state",
                _verdict(detail["query_count_constant"]),
            )
        )
    elif detail:
        out.append(("report page", detail.get("reason", detail.get("status")), "", "not measured"))

    intake = results.get("intake", {})
    if intake.get("status") == "ok":
        for level, row in intake["levels"].items():
            b = row["bare"]
            for name, label in (("intake", "Open311"), ("web", "web form")):
                if name not in row:
                    continue
                i = row[name]
                ratio = row.get(f"{name}_ratio", row.get("ratio"))
                spread = row.get(f"{name}_ratio_spread") or [ratio, ratio]
                out.append(
                    (
                        f"report intake ({label}), {level} clients",
                        f"{i['rps']} req/s (p50 {i['p50_ms']} ms, p99 {i['p99_ms']} ms, "
                        f"{i['requests_failed'] + i['connection_errors']} failed) vs bare "
                        f"{b['rps']} req/s (p50 {b['p50_ms']}, p99 {b['p99_ms']}) = {ratio}× "
                        f"(slices {spread[0]}–{spread[1]}×)",
                        "≥ 0.7×" + (", p99 < 100 ms" if level == "32" else ""),
                        _verdict(
                            ratio is not None
                            and ratio >= 0.7
                            and (level != "32" or i["p99_ms"] < 100)
                        ),
                    )
                )
        burst = intake.get("one_building_burst")
        if burst:
            out.append(
                (
                    f"reports to one building, {burst['clients']} clients at once",
                    f"{burst['requests_ok']} stored, {burst['refused']} refused "
                    f"(statuses {burst['statuses']}, p99 {burst['p99_ms']} ms)",
                    "0 refused",
                    _verdict(burst["refused"] == 0),
                )
            )
        sql = intake.get("per_request_sql") or {}
        if sql:
            out.append(
                (
                    "  SQL per intake request",
                    f"{sql['statements']} statements ({sql['selects']} SELECT, "
                    f"{sql['inserts']} INSERT, {sql['updates']} UPDATE, "
                    f"{sql['savepoints']} SAVEPOINT)",
                    "",
                    "",
                )
            )
    elif intake:
        out.append(
            ("report intake", intake.get("reason", intake.get("status")), "", "not measured")
        )

    reads = results.get("audited_reads", {})
    if reads.get("status") == "ok":
        for level, row in reads["levels"].items():
            a, u = row["audited"], row["unaudited"]
            spread = row.get("ratio_spread") or [row["ratio"], row["ratio"]]
            out.append(
                (
                    f"audited reads (residents API), {level} clients",
                    f"{a['rps']} req/s (p50 {a['p50_ms']} ms, p99 {a['p99_ms']} ms) vs "
                    f"{u['rps']} req/s without the audit write = {row['ratio']}× "
                    f"(slices {spread[0]}–{spread[1]}×)",
                    f"≥ {reads['target_ratio']}×",
                    _verdict(row["ratio"] is not None and row["ratio"] >= reads["target_ratio"]),
                )
            )
    elif reads:
        out.append(("audited reads", reads.get("reason", reads.get("status")), "", "not measured"))

    letters = results.get("letters", {})
    if letters.get("status") == "ok":
        for b in letters["batches"]:
            out.append(
                (
                    f"letter batch, {b['letters']} letters by the worker",
                    f"{b['worker_letters_per_s']} letters/s vs {b['weasyprint_pdfs_per_s']} "
                    f"PDFs/s straight from WeasyPrint = {b['ratio']}×; first letter after "
                    f"{b['first_letter_after_s']} s; peak memory {b['peak_rss_mb_letters_made']} "
                    f"MB made, {b['peak_rss_mb_after_bundle']} MB with the bundle",
                    f"≥ {letters['target_ratio']}×",
                    _verdict(b["ratio"] >= letters["target_ratio"]),
                )
            )
    elif letters:
        out.append(
            ("letter batch", letters.get("reason", letters.get("status")), "", "not measured")
        )
    cases = results.get("cases", {})
    if cases.get("status") == "ok":
        gen = results.get("generate_cases", {}).get("counts", {})
        page = cases["case_page"]
        out.append(
            (
                f"case page, {page['plain']['cases']} + {page['big']['cases']} big cases × "
                f"{page['rounds']} ({gen.get('cases', 0):,} cases, "
                f"{gen.get('actions', 0):,} actions, {gen.get('events', 0):,} events)",
                f"p50 {page['p50_ms']} ms, p95 {page['p95_ms']} ms "
                f"(plain p95 {page['plain']['p95_ms']}, big p95 {page['big']['p95_ms']})",
                "p95 < 150 ms",
                _verdict(page["p95_ms"] < 150),
            )
        )
        sizes = cases.get("sizes", {})
        out.append(
            (
                "  queries: plain / big case ("
                + ", ".join(f"{k} {v['plain_median']}/{v['big_median']}" for k, v in sizes.items())
                + ")",
                f"{page['plain']['queries']} / {page['big']['queries']} "
                f"(DB {page['plain']['db_ms_median']} / {page['big']['db_ms_median']} ms)",
                "same count per case state",
                _verdict(page["query_count_constant"]),
            )
        )
        for name, label in (
            ("my_work", "My work"),
            ("by_health", "cases by health"),
            ("case_list", "case list"),
        ):
            r = cases.get(name)
            if r is None:  # measured before the case list was
                continue
            out.append(
                (
                    f"{label}, persona on {cases['open_cases_of_persona']} open of "
                    f"{cases['cases_of_persona']} cases",
                    f"p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, {r['queries']} queries "
                    f"(DB {r['db_ms']} ms)",
                    "p95 < 150 ms",
                    _verdict(r["p95_ms"] < 150),
                )
            )
    elif cases:
        out.append(("shared cases", cases.get("reason", cases.get("status")), "", "not measured"))
    return out


def table(results: dict) -> str:
    lines = rows(results)
    if not lines:
        return "(no results)"
    widths = [max(len(r[i]) for r in lines) for i in range(4)]
    head = ("benchmark", "figure", "target", "verdict")
    widths = [max(w, len(h)) for w, h in zip(widths, head, strict=True)]
    fmt = "  ".join(f"{{:{w}}}" for w in widths)
    out = [fmt.format(*head), fmt.format(*("-" * w for w in widths))]
    out += [fmt.format(*r) for r in lines]
    return "\n".join(out)


def markdown(results: dict) -> str:
    meta = results.get("meta", {})
    m = meta.get("machine", {})
    out = [
        f"Command: `{meta.get('command', 'make bench')}`, {meta.get('started_at', '')}, "
        f"{meta.get('total_seconds', '?')} s in all.",
        f"Machine: {m.get('nproc')} cores ({m.get('cpu_model')}), {m.get('memory_gib')} GiB, "
        f"Python {m.get('python')}, {meta.get('postgresql', '')}; load average "
        f"{_load(meta.get('load_average_start'))} at the start, "
        f"{_load(meta.get('load_average_end'))} at the end.",
        "",
        "| benchmark | figure | target | verdict |",
        "| --- | --- | --- | --- |",
    ]
    out += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows(results)]
    return "\n".join(out) + "\n"


def _load(values) -> str:
    return "/".join(f"{v:.1f}" for v in values) if values else "?"
