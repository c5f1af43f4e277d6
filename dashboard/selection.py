"""What a view shows, as one typed, immutable value: the `Selection`.

A Selection is made from a URL query string (the app's links) or from command-line arguments
(`python -m dashboard.scene`, `python -m dashboard.briefing`), validated against the built data's
options, and written back as a query string. The same rules serve every entry point:

- one list of states (the built districts', in DOSM state-code order) and one state resolver;
- one "latest year" rule (the newest year an indicator has any value);
- unknown or hostile values are ignored and named (never echoed), so the app can show a notice
  and the command line can refuse with exit code 2.

Pure: no Streamlit, no I/O.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

ALL = "all"  # query-string value for "no filter" (all states)
LANGUAGES = ("en", "ms")
DEFAULT_LANGUAGE = "en"
PAGES = ("overview", "map", "gaps", "index", "district", "connectivity", "targets", "plan", "sources", "briefing")
SEAT_LEVELS = ("parlimen", "dun")  # Parliament seats, state seats (DUN)
GEOGRAPHIES = ("district", *SEAT_LEVELS)  # DOSM's 160 districts first
SEAT_PAGES = (
    "map",
    "gaps",
    "index",
    "targets",
    "district",
    "plan",
)  # pages with the geography switch; the others show districts
WEIGHT_STEP = 0.025  # the index sliders' step; URL weights are rounded to it
WEIGHT_PREFIX = "w_"
MEASURES = ("5g_coverage_populated_areas", "4g_coverage_populated_areas", "hh_broadband_penetration")


class SelectionError(ValueError):
    """A selection that cannot be shown: unknown page, or values that were not recognised."""


@dataclass(frozen=True)
class Options:
    """Every value a selection may take, read from one build (see scene.common.options)."""

    states: tuple[str, ...]  # DOSM state-code order
    indicators: tuple[str, ...]  # indicators with any value, in catalogue (domain) order
    directional: tuple[str, ...]  # the same, indicators with a better direction first (gaps page)
    years: Mapping[str, tuple[int, ...]]  # indicator -> years with any value, ascending
    districts: Mapping[str, tuple[str, str]]  # code_state_district -> (district, state)
    targets: tuple[str, ...]
    default_weights: Mapping[str, float]  # domain id -> weight, in domain order
    measures: tuple[str, ...] = MEASURES
    year_areas: Mapping[str, Mapping[int, int]] = field(default_factory=dict)  # indicator -> year -> areas with a value

    def default_year(self, indicator: str) -> int | None:
        """The one default-year rule: the newest year with values for at least half as many areas as the
        indicator's best-covered year, so that a single new figure (one seat's 2022 coverage) does not
        open a map that is empty everywhere else. Dense series (censuses, surveys) get their newest year."""
        years = self.years.get(indicator, ())
        counts = self.year_areas.get(indicator, {})
        if not counts:
            return years[-1] if years else None
        enough = max(counts.values()) / 2
        return max((year for year in years if counts.get(year, 0) >= enough), default=years[-1] if years else None)

    def districts_in(self, state: str | None) -> list[str]:
        """District codes of one state (all states for None), sorted by district name."""
        codes = [code for code, (_, in_state) in self.districts.items() if state is None or in_state == state]
        return sorted(codes, key=lambda code: (self.districts[code][0], code))


@dataclass(frozen=True)
class Selection:
    """Everything a view depends on. `None` means "the page's default" until `resolved`."""

    page: str = "overview"
    lang: str = DEFAULT_LANGUAGE
    geography: str = "district"
    state: str | None = None  # None: all of Malaysia
    districts: tuple[str, ...] = ()  # districts highlighted on the map
    district: str | None = None  # the district profile's district
    indicator: str | None = None
    year: int | None = None
    weights: tuple[tuple[str, float], ...] = ()  # (domain, weight) for every domain once resolved
    target: str | None = None
    measure: str | None = None  # the connectivity page's state measure
    use_imported: bool = True  # imported series stand in where they declare `replaces`
    scenario: str | None = None  # the planner's scenario, canonical (dashboard.planner.Scenario.to_string)

    @property
    def weight_map(self) -> dict[str, float]:
        return dict(self.weights)

    def replace(self, **changes) -> Selection:
        return dataclasses.replace(self, **changes)

    def resolved(self, options: Options) -> Selection:
        """Fill each default the page needs: indicator, its default year, the district, weights."""
        indicator = self.indicator
        if indicator is None and options.indicators:
            indicator = (options.directional if self.page == "gaps" else options.indicators)[0]
        year = self.year
        if indicator is not None and year not in options.years.get(indicator, ()):
            year = options.default_year(indicator)
        district = self.district
        if self.page == "district" and district is None:
            candidates = options.districts_in(self.state)
            district = candidates[0] if candidates else None
        geography = self.geography if self.page in SEAT_PAGES else "district"
        weights = {**options.default_weights, **self.weight_map}
        if not any(weights.values()):  # all zero: nothing to weigh, so the defaults
            weights = dict(options.default_weights)
        return self.replace(
            geography=geography,
            indicator=indicator,
            year=year,
            district=district,
            measure=self.measure or options.measures[0],
            target=self.target or (options.targets[0] if options.targets else None),
            weights=tuple((domain, float(weights[domain])) for domain in options.default_weights),
        )

    def to_query(self, options: Options | None = None) -> dict[str, str]:
        """The query string of this selection (page excluded: it is the URL path). With options,
        default weights are left out so links stay short."""
        query: dict[str, str] = {"lang": self.lang}
        if self.state is not None:
            query["state"] = self.state
        for name in ("indicator", "year", "district", "target", "measure"):
            value = getattr(self, name)
            if value is not None:
                query[name] = str(value)
        if self.districts:
            query["districts"] = ",".join(self.districts)
        if self.scenario:
            query["scenario"] = self.scenario
        defaults = options.default_weights if options else {}
        for domain, weight in self.weights:
            if not math.isclose(weight, defaults.get(domain, math.nan)):
                query[WEIGHT_PREFIX + domain] = f"{weight:g}"
        if not self.use_imported:
            query["imports"] = "off"
        if self.geography != "district":
            query["geo"] = self.geography
        return query

    def query_string(self, options: Options | None = None) -> str:
        return urlencode(self.to_query(options))

    def as_dict(self) -> dict:
        """JSON-ready form (the CLI's `selection`)."""
        record = dataclasses.asdict(self)
        record["districts"] = list(self.districts)
        record["weights"] = dict(self.weights)
        return record


@dataclass(frozen=True)
class Parsed:
    selection: Selection
    ignored: tuple[str, ...] = field(default=())  # names of parameters whose values were not recognised


def _normalise_state(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower().removeprefix("w.p.").removeprefix("wp "))


def resolve_state(name: str | None, states: tuple[str, ...] | list[str]) -> str | None:
    """The one state resolver. None for the nation ('all', '', 'malaysia'); else the dataset's
    spelling, ignoring case, spaces, punctuation and a leading 'W.P.' ('kuala lumpur' finds
    'W.P. Kuala Lumpur'). Raises SelectionError naming the valid states otherwise."""
    if name is None or name.strip().lower() in ("", ALL, "malaysia", "national"):
        return None
    wanted = _normalise_state(name.strip())
    for state in states:
        if wanted and wanted in (_normalise_state(state), re.sub(r"[^a-z0-9]", "", state.lower())):
            return state
    raise SelectionError(f"unknown state {name!r}; valid: {', '.join(states)} (or 'all')")


def _seat_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def resolve_seat(text: str, seats: Mapping[str, tuple[str, str]]) -> str:
    """The one seat resolver: a seat code ('P.209', 'p209', DOSM's '13_N.45') or name ('Julau',
    'P.209 Julau', 'N.45 Sarawak') to its code, when exactly one seat matches; else SelectionError
    listing the candidates. seats: code -> (label 'P.209 Julau', state)."""
    wanted = _seat_key(text)
    if not wanted:
        raise SelectionError("no seat given")
    keys = {
        code: (
            _seat_key(code),
            _seat_key(label),
            _seat_key(label.split(" ", 1)[-1]),
            _seat_key(f"{label} {state}"),
            _seat_key(label.split(" ", 1)[0] + state),
        )
        for code, (label, state) in seats.items()
    }
    for rule in (
        lambda k: wanted in k[:3],
        lambda k: wanted in k[3:],
        lambda k: any(wanted in key for key in k[1:4]),
    ):  # exact code/name, with state, then part of a name
        found = [code for code, key in keys.items() if rule(key)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            listed = "; ".join(f"{seats[code][0]} ({seats[code][1]})" for code in sorted(found)[:12])
            raise SelectionError(
                f"{text!r} matches {len(found)} seats: {listed}{' …' if len(found) > 12 else ''} "
                "— give the code, or add the state"
            )
    raise SelectionError(f"no Parliament or state seat matches {text!r}; give a code such as P.209 or a seat name")


def parse_weight(raw: str) -> float | None:
    """A weight from a link, rounded to the slider step; None when not a number in [0, 1]."""
    try:
        value = float(raw)
    except ValueError:
        return None
    if not 0.0 <= value <= 1.0:  # NaN fails too
        return None
    return round(value / WEIGHT_STEP) * WEIGHT_STEP


def scenario_value(text: str, options: Options) -> str | None:
    """The canonical scenario string, or None when it does not read (planner.scenario_problem says why)."""
    from dashboard import planner

    try:
        return planner.parse_scenario(text, set(options.indicators), set(options.districts)).to_string() or None
    except planner.ScenarioError:
        return None


QUERY_NAMES = (
    "lang",
    "geo",
    "state",
    "district",
    "districts",
    "indicator",
    "year",
    "target",
    "measure",
    "imports",
    "scenario",
)  # and w_<domain>


def strict_query_mapping(query: str) -> dict[str, str]:
    """For the command lines: a query string that must be well formed, name only the selection's
    parameters (QUERY_NAMES, w_<domain>) and give each a value; SelectionError says what is wrong.
    (The app is lenient instead: links may carry other tools' parameters.)"""
    text = query.lstrip("?")
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True) if text else []
    except ValueError as error:
        raise SelectionError(f"malformed query {query!r} ({error}); write name=value pairs joined by '&'") from None
    unknown = sorted({name for name, _ in pairs if name not in QUERY_NAMES and not name.startswith(WEIGHT_PREFIX)})
    if unknown:
        raise SelectionError(
            f"unknown parameter {', '.join(map(repr, unknown))}; "
            f"parameters: {', '.join(QUERY_NAMES)}, {WEIGHT_PREFIX}<domain>"
        )
    empty = sorted({name for name, value in pairs if not value.strip()})
    if empty:
        raise SelectionError(f"no value for {', '.join(empty)} (leave a parameter out for its default)")
    return dict(pairs)


def query_mapping(query: str | Mapping[str, str]) -> dict[str, str]:
    """A query string ('a=1&b=2', with or without '?') or a mapping, as {name: last value}."""
    if isinstance(query, str):
        return dict(parse_qsl(query.lstrip("?"), keep_blank_values=True))
    return {str(key): str(value) for key, value in query.items()}


def parse(query: str | Mapping[str, str], options: Options, page: str = "overview") -> Parsed:
    """A Selection from a query string: every recognised value taken, every other one named in
    `ignored` (the app shows a notice, the command line exits 2). Unknown parameter names are
    left alone (links may carry parameters for other pages or tools)."""
    if page not in PAGES:
        raise SelectionError(f"unknown page {page!r}; pages: {', '.join(PAGES)}")
    values = query_mapping(query)
    ignored: list[str] = []
    chosen: dict = {"page": page}

    def take(name: str, value) -> None:
        if value is None:
            ignored.append(name)
        else:
            chosen[name] = value

    if "lang" in values:
        take("lang", values["lang"] if values["lang"] in LANGUAGES else None)
    if "geo" in values:
        take("geography", values["geo"] if values["geo"] in GEOGRAPHIES else None)
    if "state" in values:
        try:
            chosen["state"] = resolve_state(values["state"], options.states)
        except SelectionError:
            ignored.append("state")
    if "indicator" in values:
        take("indicator", values["indicator"] if values["indicator"] in options.indicators else None)
    if "year" in values:
        indicator = (
            chosen.get("indicator") or (options.directional if page == "gaps" else options.indicators or ("",))[0]
        )
        year = next((y for y in options.years.get(indicator, ()) if str(y) == values["year"]), None)
        take("year", year)
    if "district" in values:
        take("district", values["district"] if values["district"] in options.districts else None)
    if "districts" in values:
        wanted = [code for code in values["districts"].split(",") if code]
        known = tuple(code for code in wanted if code in options.districts)
        chosen["districts"] = known
        if len(known) < len(wanted):
            ignored.append("districts")
    if "target" in values:
        take("target", values["target"] if values["target"] in options.targets else None)
    if "measure" in values:
        take("measure", values["measure"] if values["measure"] in options.measures else None)
    if "imports" in values:
        take("use_imported", {"on": True, "off": False}.get(values["imports"]))
    if values.get("scenario", "").strip():
        take("scenario", scenario_value(values["scenario"], options))
    weights = {}
    for domain in options.default_weights:
        name = WEIGHT_PREFIX + domain
        if name in values:
            weight = parse_weight(values[name])
            if weight is None:
                ignored.append(name)
            else:
                weights[domain] = weight
    if weights:
        chosen["weights"] = tuple(weights.items())
    return Parsed(Selection(**chosen), tuple(ignored))
