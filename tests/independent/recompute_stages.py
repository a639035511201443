#!/usr/bin/env python3
"""Independent re-computation of a staged round's shortlists and final ranks.

Written from the README alone ("The files", "The ranking rule" and
"Multi-stage rounds: the stage rule" under "Auditing offline"), with the
Python 3 standard library only, so that `pokmas audit recompute` can be
cross-checked by a second implementation. It reads the files of
`pokmas export all` (round.csv, formations.csv, criteria.csv, scores.csv,
stages.csv, shortlists.csv, rankings.csv), re-derives every published
shortlist and every final standing, and names each disagreement.

Usage: recompute_stages.py FOLDER
Exit codes: 0 every shortlist and rank agrees, 1 a disagreement, 2 malformed
input (or bad arguments).
"""

import csv
import hashlib
import os
import sys
from fractions import Fraction


class Malformed(Exception):
    pass


def read(folder, name, columns):
    """Rows of FOLDER/NAME as dicts; the header must start with COLUMNS
    (columns may be appended at the end). One leading ' is removed from
    every field (the formula-injection guard)."""
    path = os.path.join(folder, name)
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
    except OSError as e:
        raise Malformed(f"{name}: {e}")
    if not rows or rows[0][: len(columns)] != columns:
        raise Malformed(f"{name}: header {rows[0] if rows else None}")
    header = rows[0]
    out = []
    for n, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise Malformed(f"{name} line {n}: {len(row)} fields")
        out.append({k: (v[1:] if v.startswith("'") else v) for k, v in zip(header, row)})
    return out


def frac(text):
    """`p/q` (or an integer) as a Fraction."""
    if "/" in text:
        p, q = text.split("/")
        return Fraction(int(p), int(q))
    return Fraction(int(text))


def fmt(x):
    """A Fraction as `p/q` in lowest terms (`80/1`)."""
    return f"{x.numerator}/{x.denominator}"


def two_decimals(x):
    """Rounded half up to 2 decimals."""
    cents = (x * 100 + Fraction(1, 2)).__floor__()
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def boolean(text):
    return {"true": True, "false": False}[text]


class Stage:
    def __init__(self, row, criteria):
        self.code = row["code"]
        self.position = int(row["position"])
        self.top_k = int(row["advance_top_k"]) if row["advance_top_k"] else None
        self.passing = int(row["advance_passing_total"]) if row["advance_passing_total"] else None
        self.weight = int(row["final_weight"]) if row["final_weight"] else None
        self.published = row["shortlist_event_seq"] != ""
        self.criteria = [c for c in criteria if c["stage_code"] == self.code]


def score_stage(stage, values, min_panelists, aggregation):
    """README "The ranking rule" steps 2–4 for one application in one stage:
    (complete, total, meets minimums, n of each criterion). `values` maps a
    criterion code to [(panelist_id, value)] of its latest rows."""
    panel = [c for c in stage.criteria if c["kind"] == "panel"]
    panelists = {p for c in panel for p, _ in values.get(c["code"], [])}
    complete = all(values.get(c["code"]) for c in stage.criteria if c["kind"] == "imported")
    if panel and len(panelists) < min_panelists:
        complete = False
    if panel and any(not values.get(c["code"]) for c in panel):
        complete = False
    if not complete:
        return False, None, False, {}
    total, meets, n = Fraction(0), True, {}
    for c in stage.criteria:
        vs = sorted(Fraction(v) for _, v in values[c["code"]])
        if c["kind"] == "imported":
            m = vs[0]
        else:
            if aggregation == "trimmed_mean" and len(vs) >= 5:
                vs = vs[1:-1]
            m = sum(vs, Fraction(0)) / len(vs)
        lo, hi = int(c["scale_min"]), int(c["scale_max"])
        n[c["code"]] = (m - lo) / (hi - lo)
        total += int(c["weight"]) * n[c["code"]]
        if c["pass_min"] and m < int(c["pass_min"]):
            meets = False
    return True, total, meets, n


def main(folder):
    rnd = read(folder, "round.csv", ["round_id", "name", "state", "aggregation",
                                      "passing_total", "min_panelists", "lottery_seed", "final_rule"])[0]
    formations = {f["formation_code"]: f for f in read(
        folder, "formations.csv", ["round_id", "formation_code", "name", "kelurahan_code", "rts", "seats", "reserve"])}
    criteria = read(folder, "criteria.csv", ["round_id", "code", "name", "weight", "scale_min", "scale_max",
                                             "pass_min", "tiebreak_order", "kind", "stage_code"])
    stages = sorted((Stage(s, criteria) for s in read(folder, "stages.csv", [
        "round_id", "position", "code", "name", "scoring", "advance_top_k", "advance_passing_total",
        "final_weight", "shortlist_event_seq", "shortlist_published_at", "objection_ends_at"])),
        key=lambda s: s.position)
    if len(stages) < 2 or not rnd["final_rule"]:
        raise Malformed("not a staged round (stages.csv has fewer than two stages)")
    scores = read(folder, "scores.csv", ["round_id", "registration_no", "formation_code", "panelist_id",
                                         "criterion_code", "value", "version", "submitted_at", "latest", "stage_code"])
    shortlists = read(folder, "shortlists.csv", ["round_id", "stage_code", "formation_code", "registration_no",
                                                 "advances", "position", "total_exact"])
    rankings = read(folder, "rankings.csv", ["round_id", "formation_code", "kelurahan_code", "rt",
                                             "registration_no", "eligibility", "complete", "total_exact", "total",
                                             "passed", "rank", "status", "lottery_key", "stage_code"])
    min_panelists = int(rnd["min_panelists"])
    aggregation = rnd["aggregation"]
    seed = rnd["lottery_seed"]
    stage_of = {c["code"]: c["stage_code"] for c in criteria}

    disagreements = []

    def differ(no, formation, what, exported, recomputed):
        if exported != recomputed:
            disagreements.append(f'{no} ({formation}): {what}: exported "{exported}", recomputed "{recomputed}"')

    # Inputs: the latest values per application and criterion.
    values = {}
    for s in scores:
        if stage_of.get(s["criterion_code"]) != s["stage_code"]:
            disagreements.append(f'{s["registration_no"]}: value of {s["criterion_code"]} exported in stage '
                                 f'"{s["stage_code"]}", its criterion is in "{stage_of.get(s["criterion_code"])}"')
        if boolean(s["latest"]):
            values.setdefault(s["registration_no"], {}).setdefault(s["criterion_code"], []).append(
                (s["panelist_id"], int(s["value"])))
    apps = {r["registration_no"]: r for r in rankings}
    by_formation = {}
    for r in rankings:
        by_formation.setdefault(r["formation_code"], []).append(r["registration_no"])

    def scored(no, stage):
        return score_stage(stage, values.get(no, {}), min_panelists, aggregation)

    # Rule 1, for every published shortlist and formation.
    published = {}  # (stage, registration_no) -> exported shortlist row
    checked = 0
    for stage in stages[:-1]:
        if not stage.published:
            continue
        rows = {}
        for e in shortlists:
            if e["stage_code"] == stage.code:
                rows[e["registration_no"]] = e
                published[(stage.code, e["registration_no"])] = e
        prev = stages[stages.index(stage) - 1] if stage.position > stages[0].position else None
        for code, members in by_formation.items():
            seats = int(formations[code]["seats"])
            if prev is None:
                considered = list(members)
            else:
                considered = [no for no in members
                              if published.get((prev.code, no), {}).get("advances") == "true"]
            for no in rows:
                if rows[no]["formation_code"] == code and no not in considered:
                    disagreements.append(f"{no} ({code}): entry of stage {stage.code}: listed but not considered")
            race, totals = [], {}
            for no in considered:
                if no not in rows:
                    disagreements.append(f"{no} ({code}): entry of stage {stage.code}: missing from the shortlist")
                    continue
                counted = rows[no]["total_exact"] != ""
                complete, total, meets, _ = scored(no, stage)
                totals[no] = fmt(total) if counted and complete else ""
                if counted and complete and meets and (stage.passing is None or total >= stage.passing):
                    race.append((total, no))
            race.sort(key=lambda t: -t[0])
            goes_on, position = set(), {}
            for total, no in race:
                position[no] = 1 + sum(1 for t, _ in race if t > total)
            if stage.top_k is None or len(race) <= stage.top_k * seats:
                goes_on = {no for _, no in race}
            else:
                cut = race[stage.top_k * seats - 1][0]
                goes_on = {no for t, no in race if t >= cut}
            for no in considered:
                if no not in rows:
                    continue
                row = rows[no]
                what = f"shortlist of stage {stage.code}"
                differ(no, code, f"{what}: total_exact", row["total_exact"], totals[no])
                differ(no, code, f"{what}: advances", row["advances"], "true" if no in goes_on else "false")
                differ(no, code, f"{what}: position", row["position"], str(position.get(no, "")))
                checked += 1
    for (code, no) in published:
        if no not in apps:
            disagreements.append(f"{no}: entry of stage {code}: not an application of the round")

    # Rules 2 and 3: the final ranking, per formation.
    last = stages[-1]
    tiebreaks = sorted((c for c in last.criteria if c["tiebreak_order"]), key=lambda c: int(c["tiebreak_order"]))
    ranked = 0
    for code, members in by_formation.items():
        f = formations[code]
        seats, reserve = int(f["seats"]), int(f["reserve"])
        standing = {}
        race = []
        for no in members:
            a = apps[no]
            eligible = a["eligibility"] == "eligible"
            went_on, failed_published, reached = True, False, None
            for stage in stages[:-1]:
                entry = published.get((stage.code, no)) if stage.published else None
                if entry is None or entry["advances"] != "true":
                    went_on = False
                    if stage.published:
                        failed_published = True
                        reached = reached or stage.code
                    break
            reached = reached or last.code
            reached_stage = next(s for s in stages if s.code == reached)
            complete, total_last, meets, n = scored(no, reached_stage)
            final = None
            if went_on and complete and eligible and reached == last.code:
                if rnd["final_rule"] == "last_stage":
                    final = total_last
                else:
                    weights = sum(s.weight for s in stages)
                    final = sum((s.weight * frac(published[(s.code, no)]["total_exact"]) for s in stages[:-1]),
                                Fraction(0))
                    final = (final + last.weight * total_last) / weights
            if final is not None and meets:
                passed = "true"
                key = hashlib.sha256(f"{seed}:{no}".encode()).hexdigest()
                race.append((final, [n[c["code"]] for c in tiebreaks], key, no))
            elif (final is not None and not meets) or (eligible and failed_published):
                passed = "false"
            else:
                passed = ""
            standing[no] = {
                "complete": "true" if complete else "false",
                "total_exact": fmt(final) if final is not None else "",
                "total": two_decimals(final) if final is not None else "",
                "passed": passed,
                "rank": "",
                "status": "not_passed" if passed == "false" else "",
                "lottery_key": hashlib.sha256(f"{seed}:{no}".encode()).hexdigest(),
                "stage_code": reached,
            }
        race.sort(key=lambda t: ([-t[0]] + [-x for x in t[1]], t[2]))
        for i, (_, _, _, no) in enumerate(race, start=1):
            standing[no]["rank"] = str(i)
            standing[no]["status"] = ("selected" if i <= seats
                                      else "reserve" if i <= seats + reserve else "not_selected")
        for no in members:
            for column, value in standing[no].items():
                differ(no, code, column, apps[no][column], value)
            ranked += 1

    if disagreements:
        for d in disagreements:
            print(d)
        print(f"{len(disagreements)} disagreements")
        return 1
    print(f"agree: {len(by_formation)} formations, {ranked} applications re-ranked, "
          f"{checked} shortlist entries re-derived")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    try:
        sys.exit(main(sys.argv[1]))
    except (Malformed, KeyError, ValueError, ZeroDivisionError, IndexError) as e:
        print(f"malformed: {e}", file=sys.stderr)
        sys.exit(2)
