"""Generate a large, deterministic, valid knowledge set (contracts/facts.md) as JSON Lines.

The set is synthetic but shaped like the real thing: real IATA airports from the
``airportsdata`` package, the big alliances and their carriers plus synthetic airlines,
airline programs with zone charts, distance-band and per-segment (Avios-style) charts,
dynamic "from" prices and round-trip rows, banks and hotels transferring to airlines at
varied ratios, a few time-limited transfer bonuses, bookable partners, fare-class earning
rules, elite tiers, and source documents with passages that the facts cite.

Everything is drawn from one seeded ``random.Random``; the same seed and counts give a
byte-identical file. The module does not import the project (it is used by the benchmark
and by tests as a plain module): run it as

    python scripts/generate_large_knowledge.py OUT.jsonl [--seed 7] [--routes 20000] ...
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import airportsdata

Record = dict[str, Any]

CABINS = ("economy", "premium_economy", "business", "first")
CABIN_FACTOR = {"economy": 1.0, "premium_economy": 1.55, "business": 2.4, "first": 3.6}

# Busy airports that are always part of the set (in this priority order when the requested
# airport count is smaller than this list).
HUBS = [
    "JFK",
    "EWR",
    "LHR",
    "FRA",
    "SIN",
    "CDG",
    "NRT",
    "HND",
    "LAX",
    "ORD",
    "SFO",
    "DXB",
    "DOH",
    "HKG",
    "ICN",
    "YYZ",
    "AMS",
    "MUC",
    "IST",
    "ZRH",
    "SYD",
    "ATL",
    "DFW",
    "IAD",
    "IAH",
    "DEN",
    "MIA",
    "SEA",
    "BOS",
    "LGA",
    "YVR",
    "YUL",
    "MEX",
    "GRU",
    "EZE",
    "BOG",
    "LIM",
    "SCL",
    "PTY",
    "LGW",
    "MAD",
    "BCN",
    "FCO",
    "VIE",
    "CPH",
    "ARN",
    "HEL",
    "DUB",
    "LIS",
    "BRU",
    "AUH",
    "JED",
    "CAI",
    "ADD",
    "NBO",
    "JNB",
    "CMN",
    "DEL",
    "BOM",
    "BKK",
    "KUL",
    "MNL",
    "CGK",
    "PEK",
    "PVG",
    "TPE",
    "MEL",
    "AKL",
    "HNL",
]

# A copy of the project's curated metro codes for the airports the facts state.
METROS = {
    "NYC": ("JFK", "EWR", "LGA"),
    "LON": ("LHR", "LGW", "STN", "LTN", "LCY", "SEN"),
    "PAR": ("CDG", "ORY", "BVA"),
    "TYO": ("HND", "NRT"),
    "CHI": ("ORD", "MDW"),
    "WAS": ("IAD", "DCA", "BWI"),
    "YTO": ("YYZ", "YTZ"),
    "SEL": ("ICN", "GMP"),
    "MIL": ("MXP", "LIN", "BGY"),
    "ROM": ("FCO", "CIA"),
    "SAO": ("GRU", "CGH", "VCP"),
    "BJS": ("PEK", "PKX"),
    "STO": ("ARN", "BMA", "NYO"),
}
METRO_OF = {airport: metro for metro, airports in METROS.items() for airport in airports}

ALLIANCES = (
    ("star_alliance", "Star Alliance", ("star_silver", "star_gold")),
    ("oneworld", "oneworld", ("oneworld_ruby", "oneworld_sapphire", "oneworld_emerald")),
    ("skyteam", "SkyTeam", ("skyteam_elite", "skyteam_elite_plus")),
    ("value_alliance", "Value Alliance", ("value_elite",)),
    ("u_fly_alliance", "U-FLY Alliance", ("u_fly_elite",)),
)
ALLIANCE_WEIGHTS = (0.35, 0.25, 0.25, 0.08, 0.07)

# (code, name, alliance, hubs, size weight, program id, program name, currency, pricing)
# in the order programs are assigned; a None program id is an airline without its own.
KNOWN_AIRLINES: tuple[tuple[Any, ...], ...] = (
    ("UA", "United Airlines", "star_alliance", "EWR ORD SFO IAD DEN IAH LAX", 8,
     "UA_MILEAGEPLUS", "MileagePlus", "miles", "dynamic"),
    ("AC", "Air Canada", "star_alliance", "YYZ YVR YUL", 5,
     "AC_AEROPLAN", "Aeroplan", "points", "hybrid"),
    ("BA", "British Airways", "oneworld", "LHR LGW", 6,
     "BA_AVIOS", "British Airways Club", "Avios", "fixed"),
    ("VS", "Virgin Atlantic", "skyteam", "LHR", 3,
     "VS_FLYINGCLUB", "Flying Club", "points", "dynamic"),
    ("AF", "Air France", "skyteam", "CDG", 5, "AF_FLYINGBLUE", "Flying Blue", "miles", "dynamic"),
    ("LH", "Lufthansa", "star_alliance", "FRA MUC", 6,
     "LH_MILESANDMORE", "Miles & More", "miles", "hybrid"),
    ("AA", "American Airlines", "oneworld", "DFW MIA JFK LAX ORD", 8,
     "AA_AADVANTAGE", "AAdvantage", "miles", "dynamic"),
    ("DL", "Delta Air Lines", "skyteam", "ATL JFK LAX SEA BOS", 8,
     "DL_SKYMILES", "SkyMiles", "miles", "dynamic"),
    ("SQ", "Singapore Airlines", "star_alliance", "SIN", 4,
     "SQ_KRISFLYER", "KrisFlyer", "miles", "fixed"),
    ("NH", "All Nippon Airways", "star_alliance", "NRT HND", 4,
     "NH_MILEAGECLUB", "ANA Mileage Club", "miles", "fixed"),
    ("QR", "Qatar Airways", "oneworld", "DOH", 4,
     "QR_PRIVILEGECLUB", "Privilege Club", "Avios", "fixed"),
    ("CX", "Cathay Pacific", "oneworld", "HKG", 4, "CX_ASIAMILES", "Asia Miles", "miles", "fixed"),
    ("EK", "Emirates", None, "DXB", 5, "EK_SKYWARDS", "Skywards", "miles", "hybrid"),
    ("TK", "Turkish Airlines", "star_alliance", "IST", 5,
     "TK_MILESANDSMILES", "Miles&Smiles", "miles", "fixed"),
    ("AS", "Alaska Airlines", "oneworld", "SEA", 3,
     "AS_MILEAGEPLAN", "Mileage Plan", "miles", "fixed"),
    ("JL", "Japan Airlines", "oneworld", "NRT HND", 4,
     "JL_MILEAGEBANK", "JAL Mileage Bank", "miles", "fixed"),
    ("KE", "Korean Air", "skyteam", "ICN", 4, "KE_SKYPASS", "SKYPASS", "miles", "fixed"),
    ("EY", "Etihad Airways", None, "AUH", 3, "EY_GUEST", "Etihad Guest", "miles", "hybrid"),
    ("IB", "Iberia", "oneworld", "MAD", 3, "IB_IBERIAPLUS", "Iberia Club", "Avios", "fixed"),
    ("AY", "Finnair", "oneworld", "HEL", 2, "AY_FINNAIRPLUS", "Finnair Plus", "Avios", "fixed"),
    ("QF", "Qantas", "oneworld", "SYD MEL", 4,
     "QF_FREQUENTFLYER", "Qantas Frequent Flyer", "points", "fixed"),
    ("AV", "Avianca", "star_alliance", "BOG", 2, "AV_LIFEMILES", "LifeMiles", "miles", "dynamic"),
    ("B6", "JetBlue", None, "JFK BOS", 3, "B6_TRUEBLUE", "TrueBlue", "points", "dynamic"),
    ("AM", "Aeromexico", "skyteam", "MEX", 2,
     "AM_CLUBPREMIER", "Club Premier", "points", "dynamic"),
    ("ET", "Ethiopian Airlines", "star_alliance", "ADD", 2,
     "ET_SHEBAMILES", "ShebaMiles", "miles", "fixed"),
    ("TP", "TAP Air Portugal", "star_alliance", "LIS", 2,
     "TP_MILESANDGO", "Miles&Go", "miles", "fixed"),
    ("LA", "LATAM Airlines", None, "SCL GRU LIM", 3, "LA_LATAMPASS", "LATAM Pass", "points",
     "dynamic"),
    ("NZ", "Air New Zealand", "star_alliance", "AKL", 2,
     "NZ_AIRPOINTS", "Airpoints", "points", "dynamic"),
    ("CI", "China Airlines", "skyteam", "TPE", 2,
     "CI_DYNASTYFLYER", "Dynasty Flyer", "miles", "fixed"),
    ("MH", "Malaysia Airlines", "oneworld", "KUL", 2, "MH_ENRICH", "Enrich", "points", "fixed"),
    ("TG", "Thai Airways", "star_alliance", "BKK", 2,
     "TG_ROYALORCHIDPLUS", "Royal Orchid Plus", "miles", "fixed"),
    ("SK", "SAS Scandinavian Airlines", "skyteam", "CPH ARN", 2,
     "SK_EUROBONUS", "EuroBonus", "points", "fixed"),
    ("EI", "Aer Lingus", None, "DUB", 2, "EI_AERCLUB", "AerClub", "Avios", "fixed"),
    ("SV", "Saudia", "skyteam", "JED", 2, "SV_ALFURSAN", "Alfursan", "miles", "fixed"),
    ("MU", "China Eastern", "skyteam", "PVG", 3,
     "MU_EASTERNMILES", "Eastern Miles", "points", "fixed"),
    ("CA", "Air China", "star_alliance", "PEK", 3,
     "CA_PHOENIXMILES", "PhoenixMiles", "miles", "fixed"),
    ("KQ", "Kenya Airways", "skyteam", "NBO", 1,
     "KQ_ASANTEREWARDS", "Asante Rewards", "miles", "fixed"),
    ("AT", "Royal Air Maroc", "oneworld", "CMN", 1, "AT_SAFARFLYER", "Safar Flyer", "miles",
     "fixed"),
    ("CM", "Copa Airlines", "star_alliance", "PTY", 1,
     "CM_CONNECTMILES", "ConnectMiles", "miles", "fixed"),
    ("PR", "Philippine Airlines", None, "MNL", 1,
     "PR_MABUHAYMILES", "Mabuhay Miles", "miles", "fixed"),
    ("GA", "Garuda Indonesia", "skyteam", "CGK", 1,
     "GA_GARUDAMILES", "GarudaMiles", "miles", "fixed"),
    ("AI", "Air India", "star_alliance", "DEL BOM", 2,
     "AI_MAHARAJACLUB", "Maharaja Club", "points", "fixed"),
    ("HA", "Hawaiian Airlines", None, "HNL", 1,
     "HA_HAWAIIANMILES", "HawaiianMiles", "miles", "dynamic"),
    ("SA", "South African Airways", None, "JNB", 1, "SA_VOYAGER", "Voyager", "miles", "fixed"),
    ("MS", "EgyptAir", "star_alliance", "CAI", 1, "MS_EGYPTAIRPLUS", "EgyptAir Plus", "miles",
     "fixed"),
    ("LX", "Swiss International Air Lines", "star_alliance", "ZRH", 3, None, None, None, None),
    ("OS", "Austrian Airlines", "star_alliance", "VIE", 2, None, None, None, None),
    ("KL", "KLM Royal Dutch Airlines", "skyteam", "AMS", 4, None, None, None, None),
    ("SN", "Brussels Airlines", "star_alliance", "BRU", 1, None, None, None, None),
)  # fmt: skip

NON_AIRLINE_PROGRAMS = (
    ("AMEX_MR", "Membership Rewards", "bank", "points"),
    ("CHASE_UR", "Ultimate Rewards", "bank", "points"),
    ("MARRIOTT_BONVOY", "Marriott Bonvoy", "hotel", "points"),
    ("CITI_TY", "ThankYou Points", "bank", "points"),
    ("CAPONE_MILES", "Capital One Miles", "bank", "miles"),
    ("BILT_REWARDS", "Bilt Rewards", "bank", "points"),
    ("HILTON_HONORS", "Hilton Honors", "hotel", "points"),
    ("WF_REWARDS", "Wells Fargo Rewards", "bank", "points"),
    ("IHG_ONE", "IHG One Rewards", "hotel", "points"),
    ("HYATT_WOH", "World of Hyatt", "hotel", "points"),
    ("RBC_AVION", "Avion Rewards", "bank", "points"),
    ("ACCOR_ALL", "ALL Accor", "hotel", "points"),
    ("HSBC_REWARDS", "HSBC Rewards", "bank", "points"),
    ("BREX_POINTS", "Brex Rewards", "bank", "points"),
    ("WYNDHAM_REWARDS", "Wyndham Rewards", "hotel", "points"),
    ("US_BANK_ALTITUDE", "Altitude Points", "bank", "points"),
    ("CHOICE_PRIVILEGES", "Choice Privileges", "hotel", "points"),
    ("AMEX_UK_MR", "Membership Rewards UK", "bank", "points"),
    ("RADISSON_REWARDS", "Radisson Rewards", "hotel", "points"),
    ("DBS_POINTS", "DBS Points", "bank", "points"),
)

SYNTHETIC_WORDS_A = [
    "Northern",
    "Southern",
    "Eastern",
    "Western",
    "Coastal",
    "Pacific",
    "Atlantic",
    "Royal",
    "Sun",
    "Sky",
    "Blue",
    "Golden",
    "Silver",
    "Star",
    "Island",
    "Mountain",
    "Desert",
    "Polar",
    "Crown",
    "Liberty",
    "Harbor",
    "Summit",
    "Meridian",
    "Aurora",
    "Horizon",
    "Jade",
    "Coral",
    "Falcon",
    "Condor",
    "Eagle",
]
SYNTHETIC_WORDS_B = ["Airways", "Airlines", "Air", "Aviation", "Wings", "Express", "Jet", "Connect"]
PROGRAM_SUFFIXES = ["Miles", "Rewards", "Club", "Flyer", "Plus", "Points", "Skyclub", "Voyager"]

FARE_BUCKETS = {
    "first": ["F", "A"],
    "business": ["J", "C", "D", "Z", "I"],
    "premium": ["W", "R", "E"],
    "full": ["Y", "B", "M"],
    "discount": ["H", "Q", "V", "U"],
    "deep": ["K", "L", "T", "S", "G"],
    "basic": ["N", "O"],
}
BUCKET_RATES = {
    "first": 3.0,
    "business": 2.0,
    "premium": 1.25,
    "full": 1.0,
    "discount": 0.75,
    "deep": 0.25,
    "basic": 0.1,
}
PARTNER_BUCKETS = {
    "premium_cabins": ["F", "A", "J", "C", "D", "Z"],
    "economy": ["Y", "B", "M", "H", "W"],
    "discount": ["Q", "V", "K", "L", "T"],
}
PARTNER_RATES = {"premium_cabins": 1.5, "economy": 1.0, "discount": 0.5}

ZONE_NAMES = {
    "north_america": "North America",
    "central_america_caribbean": "Central America and the Caribbean",
    "south_america": "South America",
    "europe": "Europe",
    "africa": "Africa",
    "middle_east": "Middle East",
    "south_asia": "South and Central Asia",
    "east_asia": "North Asia",
    "southeast_asia": "Southeast Asia",
    "oceania": "Oceania",
}
SEGMENT_BANDS = (
    (0, 650, 7500),
    (651, 1150, 9000),
    (1151, 2000, 11000),
    (2001, 3000, 13000),
    (3001, 4000, 20000),
    (4001, 5500, 25000),
    (5501, 6500, 32500),
    (6501, 7000, 35000),
    (7001, None, 50000),
)
TRIP_BANDS = (
    (0, 1500, 10000),
    (1501, 3000, 17500),
    (3001, 5000, 27500),
    (5001, 7000, 37500),
    (7001, 10000, 45000),
    (10001, None, 60000),
)
AS_OF = "2026-11-15"  # the reference day dated records are placed around


@dataclass(frozen=True)
class Config:
    """What to generate; the defaults are the benchmark's large set."""

    seed: int = 7
    programs: int = 200
    non_airline_programs: int | None = None  # default: a tenth of the programs
    airlines: int = 200
    airports: int = 2000
    routes: int = 20000
    award_prices: int = 20000
    earning_rules: int = 5000

    @property
    def non_airline(self) -> int:
        if self.non_airline_programs is not None:
            return self.non_airline_programs
        return max(1, self.programs // 10) if self.programs > 1 else 0

    @property
    def airline_programs(self) -> int:
        return self.programs - self.non_airline

    def check(self) -> None:
        if self.non_airline > len(NON_AIRLINE_PROGRAMS) * 10:
            raise ValueError("too many bank/hotel programs")
        if self.airline_programs < 1:
            raise ValueError("at least one airline program is needed")
        if self.airlines < self.airline_programs:
            raise ValueError(
                f"{self.airline_programs} airline programs need at least as many airlines "
                f"(got --airlines {self.airlines})"
            )
        if self.airports < 3:
            raise ValueError("at least 3 airports are needed")
        for name in ("routes", "award_prices", "earning_rules"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")


@dataclass
class _Airline:
    code: str
    name: str
    alliance: str | None
    country: str
    hubs: list[str]
    weight: float
    program: _Program | None = None


@dataclass
class _Program:
    program_id: str
    name: str
    kind: str
    currency: str
    operator: _Airline | None = None
    pricing: str | None = None
    value_cents: float | None = None
    style: str = ""
    metrics: list[tuple[str, str, float]] = field(default_factory=list)  # name, basis, rate
    partners: list[str] = field(default_factory=list)  # bookable non-alliance airlines


def _round_to(value: float, step: int) -> int:
    return int(math.floor(value / step + 0.5) * step)


def _miles(a: tuple[float, float], b: tuple[float, float]) -> int:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return math.floor(2 * 3958.8 * math.asin(min(1.0, math.sqrt(h))) + 0.5)


def _zone_of(prefix: str, country: str, lat: float, lon: float) -> str | None:
    if country in {"US", "CA", "MX"}:
        return "north_america"
    if prefix == "America":
        if lat >= 24:
            return "north_america"
        return "central_america_caribbean" if lat >= 7 else "south_america"
    if prefix == "Europe":
        return "europe"
    if prefix == "Asia":
        if lon < 63:
            return "middle_east"
        if lon < 92:
            return "south_asia"
        return "southeast_asia" if lat < 22 else "east_asia"
    if prefix == "Africa":
        return "africa"
    if prefix == "Indian":
        return "south_asia" if lon > 60 else "africa"
    if prefix in {"Australia", "Pacific"}:
        return "oceania"
    if prefix == "Atlantic":
        return "europe" if lat > 30 else "africa"
    return None


class _Generator:
    def __init__(self, config: Config) -> None:
        config.check()
        self.config = config
        self.rng = random.Random(config.seed)
        self.db: dict[str, dict[str, Any]] = airportsdata.load("IATA")
        self.records: list[Record] = []
        self.documents: dict[str, Record] = {}
        self.passages: list[Record] = []
        self.passage_count: Counter[str] = Counter()

    # Helpers.
    def _doc(self, doc_id: str, title: str, kind: str = "html") -> str:
        if doc_id not in self.documents:
            self.documents[doc_id] = {
                "type": "webSourceDocument",
                "documentId": doc_id,
                "documentType": kind,
                "sourceUrl": f"https://example.com/loyalty/{doc_id.removeprefix('doc-')}",
                "title": title,
                "retrievedDate": "2026-10-01",
            }
        return doc_id

    def _passage(self, doc_id: str, text: str, heading: str | None = None) -> None:
        self.passage_count[doc_id] += 1
        number = self.passage_count[doc_id]
        record: Record = {
            "type": "passage",
            "documentId": doc_id,
            "passageId": f"{doc_id}#{number}",
            "text": text,
        }
        if heading:
            record["heading"] = heading
        self.passages.append(record)

    # Airports, countries and zones.
    def _airports(self) -> None:
        db = self.db
        valid = sorted(
            code
            for code, row in db.items()
            if re.fullmatch(r"[A-Z]{3}", code) and re.fullmatch(r"[A-Z]{2}", row["country"] or "")
        )
        stats: dict[str, list[Any]] = defaultdict(lambda: [Counter(), 0.0, 0.0, 0])
        for code in valid:
            row = db[code]
            s = stats[row["country"]]
            s[0][row["tz"].split("/")[0]] += 1
            s[1] += float(row["lat"])
            s[2] += float(row["lon"])
            s[3] += 1
        self.zone_of_country: dict[str, str] = {}
        for country in sorted(stats):
            counter, lat, lon, n = stats[country]
            prefix = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
            zone = _zone_of(prefix, country, lat / n, lon / n)
            if zone is not None:
                self.zone_of_country[country] = zone
        valid = [c for c in valid if db[c]["country"] in self.zone_of_country]
        hubs = [h for h in HUBS if h in db and h in valid]
        wanted = self.config.airports
        chosen = hubs[:wanted]
        rest = [c for c in valid if c not in set(hubs)]
        international = [c for c in rest if "International" in db[c]["name"]]
        others = [c for c in rest if "International" not in db[c]["name"]]
        self.rng.shuffle(international)
        self.rng.shuffle(others)
        chosen += (international + others)[: max(0, wanted - len(chosen))]
        if len(chosen) < wanted:
            raise ValueError(f"only {len(chosen)} airports are available")
        self.airports = sorted(chosen)
        self.hubs = [h for h in hubs if h in set(chosen)]
        self.coords = {c: (float(db[c]["lat"]), float(db[c]["lon"])) for c in self.airports}
        self.country = {c: db[c]["country"] for c in self.airports}
        self.zone = {c: self.zone_of_country[self.country[c]] for c in self.airports}
        for code in self.airports:
            row = db[code]
            record: Record = {
                "type": "airport",
                "airportId": code,
                "name": row["name"],
                "city": row["city"] or row["name"],
                "country": row["country"],
                "latitude": float(row["lat"]),
                "longitude": float(row["lon"]),
            }
            if code in METRO_OF:
                record["metroCode"] = METRO_OF[code]
            self.records.append(record)
        # Zone centroids over the chosen airports, for chart prices.
        self.zone_airports: dict[str, list[str]] = defaultdict(list)
        for code in self.airports:
            self.zone_airports[self.zone[code]].append(code)
        self.zones = sorted(self.zone_airports)
        self.zone_countries: dict[str, list[str]] = defaultdict(list)
        for country, zone in sorted(self.zone_of_country.items()):
            self.zone_countries[zone].append(country)

    def _zone_distance(self, a: str, b: str) -> int:
        def centre(zone: str) -> tuple[float, float]:
            codes = self.zone_airports[zone]
            hubs = [c for c in codes if c in self.hubs] or codes
            lat = sum(self.coords[c][0] for c in hubs) / len(hubs)
            lon = sum(self.coords[c][1] for c in hubs) / len(hubs)
            return lat, lon

        if a == b:
            return 900
        return max(900, _miles(centre(a), centre(b)))

    # Alliances, airlines and programs.
    def _airlines(self) -> None:
        rng = self.rng
        for alliance_id, name, _ in ALLIANCES:
            self.records.append({"type": "alliance", "allianceId": alliance_id, "name": name})
        known = KNOWN_AIRLINES[: self.config.airlines]
        taken = {k[0] for k in KNOWN_AIRLINES}
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        codes = [
            a + b
            for a in alphabet
            for b in alphabet
            if not (a.isdigit() and b.isdigit()) and a + b not in taken
        ]
        rng.shuffle(codes)
        self.airlines: list[_Airline] = []
        secondary = [c for c in self.airports if c not in self.hubs]
        for row in known:
            code, name, alliance, hubs, weight = row[:5]
            own = [h for h in hubs.split() if h in self.coords]
            if not own:
                own = [rng.choice(self.airports)]
            self.airlines.append(_Airline(code, name, alliance, self.country[own[0]], own, weight))
        used_names: set[str] = set()
        for code in codes[: self.config.airlines - len(known)]:
            while True:
                name = f"{rng.choice(SYNTHETIC_WORDS_A)} {rng.choice(SYNTHETIC_WORDS_B)}"
                if name not in used_names:
                    break
                name = f"{name} {code}"
                if name not in used_names:
                    break
            used_names.add(name)
            alliance = None
            if rng.random() < 0.45:
                alliance = rng.choices([a[0] for a in ALLIANCES], ALLIANCE_WEIGHTS)[0]
            pool = self.hubs if rng.random() < 0.25 or not secondary else secondary
            hubs = [rng.choice(pool)]
            if rng.random() < 0.3:
                hubs.append(rng.choice(secondary or self.airports))
            hubs = sorted(set(hubs), key=hubs.index)
            weight = round(rng.uniform(0.3, 2.0), 2)
            self.airlines.append(
                _Airline(code, name, alliance, self.country[hubs[0]], hubs, weight)
            )
        for a in self.airlines:
            record: Record = {"type": "airline", "airlineId": a.code, "name": a.name}
            if a.alliance:
                record["allianceId"] = a.alliance
            record["country"] = a.country
            self.records.append(record)
        self.by_code = {a.code: a for a in self.airlines}

    def _programs(self) -> None:
        rng = self.rng
        self.programs: list[_Program] = []
        n_other = self.config.non_airline
        for i in range(n_other):
            base = NON_AIRLINE_PROGRAMS[i % len(NON_AIRLINE_PROGRAMS)]
            suffix = "" if i < len(NON_AIRLINE_PROGRAMS) else f"_{i // len(NON_AIRLINE_PROGRAMS)}"
            name = base[1] + (f" {suffix[1:]}" if suffix else "")
            program = _Program(base[0] + suffix, name, base[2], base[3])
            program.value_cents = round(
                rng.uniform(1.5, 2.1) if base[2] == "bank" else rng.uniform(0.4, 0.9), 2
            )
            self.programs.append(program)
        known_programs = {row[0]: row for row in KNOWN_AIRLINES}
        ordered = [
            a
            for a in self.airlines
            if a.code in known_programs and known_programs[a.code][5] is not None
        ]
        ordered += [a for a in self.airlines if a.code not in known_programs]
        ordered += [
            a
            for a in self.airlines
            if a.code in known_programs and known_programs[a.code][5] is None
        ]
        styles = ("zone", "distance_segment", "distance_trip", "dynamic", "hybrid")
        for airline in ordered[: self.config.airline_programs]:
            row = known_programs.get(airline.code)
            if row is not None and row[5] is not None:
                program_id, name, currency, pricing = row[5:9]
            else:
                program_id = f"{airline.code}_{rng.choice(PROGRAM_SUFFIXES).upper()}"
                name = f"{airline.name.split()[0]} {rng.choice(PROGRAM_SUFFIXES)}"
                currency = rng.choice(("miles", "points"))
                pricing = rng.choice(("fixed", "fixed", "dynamic", "hybrid"))
            program = _Program(program_id, name, "airline", currency, airline, pricing)
            if rng.random() > 0.05:
                program.value_cents = round(rng.uniform(0.8, 1.8), 2)
            if pricing == "dynamic":
                program.style = "dynamic"
            elif pricing == "hybrid":
                program.style = "hybrid"
            elif currency == "Avios" or program_id == "BA_AVIOS":
                program.style = "distance_segment"
            else:
                program.style = rng.choices(styles[:3], (0.6, 0.15, 0.25))[0]
            metric = rng.choice(
                (
                    ("Status Points", "distance", 0.1),
                    ("PQP", "revenue", 1.0),
                    ("Tier Points", "distance", 0.05),
                    ("Qualifying Miles", "distance", 1.0),
                    ("SQC", "distance", 0.05),
                    ("XP", "same_as_redeemable", 0.0),
                )
            )
            program.metrics = [metric]
            if rng.random() < 0.4:
                program.metrics.append(("Qualifying Segments", "fixed", 1.0))
            airline.program = program
            self.programs.append(program)
        self.program_by_id = {p.program_id: p for p in self.programs}
        if len(self.program_by_id) != len(self.programs):
            raise AssertionError("duplicate program ids")
        self.airline_programs = [p for p in self.programs if p.kind == "airline"]
        self.other_programs = [p for p in self.programs if p.kind != "airline"]
        for p in self.programs:
            doc = self._doc(f"doc-{p.program_id.lower()}", f"{p.name}: program overview")
            record: Record = {
                "type": "loyaltyProgram",
                "programId": p.program_id,
                "name": p.name,
                "kind": p.kind,
                "currencyName": p.currency,
            }
            if p.operator is not None:
                record["operatorAirlineId"] = p.operator.code
            if p.value_cents is not None:
                record["pointValueCents"] = p.value_cents
            if p.pricing is not None:
                record["awardPricing"] = p.pricing
            record["sourceDocumentId"] = doc
            self.records.append(record)
            if p.operator is not None:
                alliance = p.operator.alliance
                member = f", a member of {self._alliance_name(alliance)}" if alliance else ""
                self._passage(
                    doc,
                    f"{p.name} is the loyalty program of {p.operator.name}{member}. "
                    f"Members collect {p.currency} on {p.operator.name} flights and partners, "
                    f"and award prices are {p.pricing or 'published'}.",
                    "About the program",
                )
            else:
                self._passage(
                    doc,
                    f"{p.name} is a {p.kind} rewards currency. Points can be moved to airline "
                    "partners; transfers are final and cannot be reversed.",
                    "About the program",
                )

    @staticmethod
    def _alliance_name(alliance_id: str | None) -> str:
        return next((name for a, name, _ in ALLIANCES if a == alliance_id), "no alliance")

    # Routes.
    def _route_record(self, airline: _Airline, a: str, b: str) -> Record:
        rng = self.rng
        distance = _miles(self.coords[a], self.coords[b])
        record: Record = {"type": "route", "airlineId": airline.code, "origin": a, "destination": b}
        if rng.random() >= 0.04:
            if distance > 3000:
                cabins = ["economy", "premium_economy", "business"]
                if rng.random() < 0.3:
                    cabins.append("first")
            elif distance > 1000:
                cabins = rng.choice(
                    (["economy", "business"], ["economy", "premium_economy", "business"])
                )
            else:
                cabins = rng.choice((["economy"], ["economy", "business"]))
            record["cabins"] = cabins
        if rng.random() < 0.02:
            record["bidirectional"] = False
        roll = rng.random()
        if roll < 0.01:
            record["effectiveDate"] = "2026-12-01"
        elif roll < 0.02:
            record["expirationDate"] = "2026-10-24"
        if airline.program is not None and rng.random() < 0.5:
            record["sourceDocumentId"] = self._doc(
                f"doc-{airline.program.program_id.lower()}-network",
                f"{airline.name} route network",
            )
        return record

    def _routes(self) -> None:
        rng = self.rng
        total = self.config.routes
        weights = [a.weight for a in self.airlines]
        scale = total / sum(weights)
        quotas = [int(w * scale) for w in weights]
        for i in sorted(range(len(quotas)), key=lambda i: -weights[i])[: total - sum(quotas)]:
            quotas[i] += 1
        pairs: set[tuple[str, str, str]] = set()
        routes: list[Record] = []
        hubs = self.hubs or self.airports

        def add(airline: _Airline, a: str, b: str) -> bool:
            if a == b:
                return False
            key = (airline.code, *sorted((a, b)))
            if key in pairs:
                return False
            pairs.add(key)
            routes.append(self._route_record(airline, a, b))
            return True

        missing = 0
        for airline, quota in zip(self.airlines, quotas, strict=True):
            made = 0
            tries = 0
            while made < quota and tries < quota * 20 + 50:
                tries += 1
                a = rng.choice(airline.hubs) if rng.random() < 0.85 else rng.choice(hubs)
                b = rng.choice(hubs) if rng.random() < 0.35 else rng.choice(self.airports)
                made += add(airline, a, b)
            missing += quota - made
        while missing > 0:
            airline = rng.choice(self.airlines)
            missing -= add(airline, rng.choice(self.airports), rng.choice(self.airports))
        self.routes = routes
        self.records.extend(routes)
        served_by: dict[str, set[str]] = defaultdict(set)
        for r in routes:
            served_by[r["airlineId"]].update((r["origin"], r["destination"]))
        for airline in self.airlines:
            if airline.program is None:
                continue
            doc = f"doc-{airline.program.program_id.lower()}-network"
            if doc in self.documents:
                served = sorted(served_by[airline.code] - set(airline.hubs))
                self._passage(
                    doc,
                    f"{airline.name} flies from {', '.join(airline.hubs)} to "
                    f"{len(served)} destinations, including {', '.join(served[:8])}.",
                    "Route network",
                )

    # Transfers, bonuses and bookable partners.
    def _transfers(self) -> None:
        rng = self.rng
        pairs: set[tuple[str, str]] = set()
        self.transfer_pairs: list[tuple[str, str]] = []
        airline_ids = [p.program_id for p in self.airline_programs]
        # Favour the well-known programs, as the real partner lists do.
        weights = [3.0 if i < 45 else 1.0 for i in range(len(airline_ids))]

        def pick(k: int) -> list[str]:
            chosen: list[str] = []
            pool = list(zip(airline_ids, weights, strict=True))
            while pool and len(chosen) < k:
                index = rng.choices(range(len(pool)), [w for _, w in pool])[0]
                chosen.append(pool.pop(index)[0])
            return chosen

        for source in self.other_programs:
            doc = self._doc(
                f"doc-{source.program_id.lower()}-partners", f"{source.name} transfer partners"
            )
            if source.kind == "bank":
                targets = pick(rng.randint(8, 22))
            else:
                targets = pick(rng.randint(15, 40))
            lines = []
            for target in sorted(targets):
                record = self._partnership(source, target, doc)
                pairs.add((source.program_id, target))
                self.transfer_pairs.append((source.program_id, target))
                self.records.append(record)
                lines.append(
                    f"{self.program_by_id[target].name} at {record['ratioFrom']}:"
                    f"{record['ratioTo']} (minimum {record.get('minimumTransfer', 1):,})"
                )
            for start in range(0, len(lines), 6):
                self._passage(
                    doc,
                    f"{source.name} points transfer to "
                    + "; ".join(lines[start : start + 6])
                    + ".",
                    "Transfer partners",
                )
        # Airline-to-airline transfers inside an alliance (two-hop chains through them).
        by_alliance: dict[str, list[_Program]] = defaultdict(list)
        for p in self.airline_programs:
            if p.operator is not None and p.operator.alliance:
                by_alliance[p.operator.alliance].append(p)
        wanted = len(self.airline_programs) // 10
        made = 0
        groups = [g for _, g in sorted(by_alliance.items()) if len(g) > 1]
        for _ in range(wanted * 20):
            if made >= wanted or not groups:
                break
            group = rng.choice(groups)
            a, b = rng.sample(group, 2)
            if (a.program_id, b.program_id) in pairs:
                continue
            doc = self._doc(f"doc-{a.program_id.lower()}", f"{a.name}: program overview")
            record = {
                "type": "transferPartnership",
                "fromProgramId": a.program_id,
                "toProgramId": b.program_id,
                "ratioFrom": 1,
                "ratioTo": 1,
                "minimumTransfer": rng.choice((1000, 2500, 5000)),
                "transferIncrement": rng.choice((1, 500, 1000)),
                "transferTime": rng.choice(("instant", "hours")),
                "sourceDocumentId": doc,
            }
            pairs.add((a.program_id, b.program_id))
            self.transfer_pairs.append((a.program_id, b.program_id))
            self.records.append(record)
            self._passage(
                doc,
                f"{a.name} members can combine: move {a.currency} to {b.name} at 1:1 from "
                f"{record['minimumTransfer']:,}.",
                "Combining",
            )
            made += 1
        # A few time-limited bonuses on bank and hotel transfers.
        bank_pairs = [p for p in self.transfer_pairs if self.program_by_id[p[0]].kind != "airline"]
        count = min(len(bank_pairs), max(1, len(self.programs) // 15))
        windows = (
            (None, "2026-11-30"),
            ("2026-11-01", "2026-11-30"),
            ("2026-10-15", "2026-12-15"),
            ("2026-09-01", "2026-09-30"),
            ("2026-12-01", "2026-12-31"),
            ("2026-11-10", "2026-11-20"),
        )
        for i, (source, target) in enumerate(sorted(rng.sample(bank_pairs, count))):
            start, end = windows[i % len(windows)]
            doc = self._doc(
                f"doc-{source.lower()}-promotions", f"{self.program_by_id[source].name} offers"
            )
            record = {
                "type": "transferBonus",
                "fromProgramId": source,
                "toProgramId": target,
                "bonusPercent": float(rng.choice((15, 20, 25, 30, 40, 50))),
                "endDate": end,
            }
            if start is not None:
                record["startDate"] = start
            record["sourceDocumentId"] = doc
            self.records.append(record)
            self._passage(
                doc,
                f"Limited time: get a {record['bonusPercent']:g}% bonus when you transfer "
                f"{self.program_by_id[source].name} to {self.program_by_id[target].name}"
                f"{' from ' + start if start else ''} until {end}.",
                "Transfer bonus",
            )

    def _partnership(self, source: _Program, target: str, doc: str) -> Record:
        rng = self.rng
        record: Record = {
            "type": "transferPartnership",
            "fromProgramId": source.program_id,
            "toProgramId": target,
        }
        if source.kind == "bank":
            ratio = rng.choices(
                ((1, 1), (5, 4), (4, 3), (2, 1), (1, 2), (3, 2)), (14, 2, 2, 1, 1, 1)
            )[0]
            minimum = rng.choice((1000, 1000, 1000, 2000, 5000, 500))
            increment = rng.choice((1000, 1000, 500, 100, 1, ratio[0]))
        else:
            ratio = rng.choices(((3, 1), (5, 1), (2, 1), (10, 1), (5, 2)), (6, 2, 2, 2, 1))[0]
            minimum = rng.choice((3000, 5000, 10000, 2 * ratio[0] * 1000))
            increment = rng.choice((ratio[0], 1000 * ratio[0], 3, 1000))
        record["ratioFrom"], record["ratioTo"] = ratio
        if not (ratio == (1, 1) and minimum == 1 and increment == 1):
            record["minimumTransfer"] = minimum
            record["transferIncrement"] = increment
        if source.kind == "hotel" and rng.random() < 0.35:
            record["blockBonus"] = {"everySourcePoints": 60000, "bonusTargetPoints": 5000}
        record["transferTime"] = rng.choices(("instant", "hours", "days"), (6, 2, 2))[0]
        roll = rng.random()
        if roll < 0.03:
            record["effectiveDate"] = "2025-01-01"
        elif roll < 0.05:
            record["expirationDate"] = "2027-06-30"
        elif roll < 0.06:
            record["effectiveDate"] = "2027-01-01"  # announced, not yet in force
        record["sourceDocumentId"] = doc
        return record

    def _bookable_partners(self) -> None:
        rng = self.rng
        for p in self.airline_programs:
            assert p.operator is not None
            others = [
                a.code
                for a in self.airlines
                if a.code != p.operator.code
                and (a.alliance is None or a.alliance != p.operator.alliance)
            ]
            k = min(len(others), rng.randint(0, 4))
            p.partners = sorted(rng.sample(others, k))
            doc = f"doc-{p.program_id.lower()}"
            for code in p.partners:
                self.records.append(
                    {
                        "type": "bookablePartner",
                        "programId": p.program_id,
                        "airlineId": code,
                        "sourceDocumentId": doc,
                    }
                )
            if p.partners:
                names = ", ".join(self.by_code[c].name for c in p.partners)
                self._passage(
                    doc,
                    f"Besides its alliance, {p.name} awards can be booked on {names}.",
                    "Partner awards",
                )

    # Award charts.
    def _chart_zones(self, program: _Program, k: int) -> list[str]:
        assert program.operator is not None
        home = self.zone[program.operator.hubs[0]]
        others = [z for z in self.zones if z != home]
        preferred = [z for z in ("europe", "north_america", "east_asia") if z in others]
        rest = [z for z in others if z not in preferred]
        self.rng.shuffle(rest)
        return sorted([home, *(preferred + rest)[: k - 1]])

    def _price(self, program: _Program, distance: int, cabin: str, factor: float) -> int:
        econ = 7500 + 6 * min(distance, 5000) + 2.5 * max(0, distance - 5000)
        return max(500, _round_to(econ * CABIN_FACTOR[cabin] * factor, 500))

    def _charts(self) -> list[tuple[list[Record], list[Record]]]:
        """(core rows, row templates for extra versions) per airline program."""
        rng = self.rng
        charts = []
        for program in self.airline_programs:
            assert program.operator is not None
            own = program.operator.code
            factor = rng.uniform(0.8, 1.3)
            surcharge = rng.choice((0.0, 5.6, 50.0, 120.0, 250.0, 450.0))
            has_first = rng.random() < 0.6
            cabins = [c for c in CABINS if has_first or c != "first"]
            doc = self._doc(
                f"doc-{program.program_id.lower()}-awards", f"{program.name} award chart", "pdf"
            )
            rows: list[Record] = []

            def row(origin: str, dest: str, cabin: str, points: int, **extra: Any) -> Record:
                r: Record = {
                    "type": "awardPrice",
                    "programId": program.program_id,  # noqa: B023 - used immediately
                    "originRegionId": origin,
                    "destinationRegionId": dest,
                    "cabin": cabin,
                    "points": points,
                }
                r.update(extra)
                s = surcharge * CABIN_FACTOR[cabin]  # noqa: B023
                if s:
                    r["surchargeUsd"] = round(s, 2)
                r["sourceDocumentId"] = doc  # noqa: B023
                return r

            style = program.style
            if style in {"zone", "dynamic", "hybrid"}:
                k = {"zone": 7, "dynamic": 7, "hybrid": 5}[style]
                zones = self._chart_zones(program, min(k, len(self.zones)))
                for zone in zones:
                    self.records.append(
                        {
                            "type": "awardRegion",
                            "programId": program.program_id,
                            "regionId": zone,
                            "name": ZONE_NAMES[zone],
                            "countries": self.zone_countries[zone],
                            "sourceDocumentId": doc,
                        }
                    )
                hub_region = rng.random() < 0.3
                if hub_region:
                    self.records.append(
                        {
                            "type": "awardRegion",
                            "programId": program.program_id,
                            "regionId": "home_hubs",
                            "name": f"{program.operator.name} hubs",
                            "airports": program.operator.hubs,
                            "sourceDocumentId": doc,
                        }
                    )
                round_trips = rng.random() < 0.25
                for i, za in enumerate(zones):
                    for zb in zones[i:]:
                        distance = self._zone_distance(za, zb)
                        split = style == "zone" and za != zb and rng.random() < 0.33
                        rt = round_trips and rng.random() < 0.4
                        for cabin in cabins:
                            points = self._price(program, distance, cabin, factor)
                            if style == "dynamic":
                                rows.append(
                                    row(
                                        za,
                                        zb,
                                        cabin,
                                        points,
                                        pricing="dynamic_from",
                                        notes="Saver level; prices vary with demand",
                                    )
                                )
                            elif style == "hybrid":
                                rows.append(
                                    row(za, zb, cabin, points, excludedOperatingAirlineIds=[own])
                                )
                                rows.append(
                                    row(
                                        za,
                                        zb,
                                        cabin,
                                        _round_to(points * 0.85, 500),
                                        pricing="dynamic_from",
                                        operatingAirlineIds=[own],
                                    )
                                )
                            elif split:
                                cut = _round_to(distance, 100)
                                rows.append(
                                    row(za, zb, cabin, points, minDistance=0, maxDistance=cut)
                                )
                                rows.append(
                                    row(
                                        za,
                                        zb,
                                        cabin,
                                        _round_to(points * 1.15, 500),
                                        minDistance=cut + 1,
                                    )
                                )
                            else:
                                rows.append(row(za, zb, cabin, points))
                            if rt:
                                rows.append(
                                    row(
                                        za,
                                        zb,
                                        cabin,
                                        _round_to(points * 1.85, 500),
                                        tripType="round_trip",
                                    )
                                )
                if hub_region:
                    for cabin in cabins:
                        points = self._price(program, 600, cabin, factor * 0.8)
                        rows.append(
                            row("home_hubs", "home_hubs", cabin, points, operatingAirlineIds=[own])
                        )
                self._passage(
                    doc,
                    f"{program.name} prices awards by region: "
                    + ", ".join(ZONE_NAMES[z] for z in zones)
                    + (
                        ". Prices are dynamic; published figures are typical minimums."
                        if style == "dynamic"
                        else ". Partner awards follow the published chart."
                    ),
                    "Award chart",
                )
            elif style == "distance_segment":
                for low, high, econ in SEGMENT_BANDS:
                    for cabin in cabins:
                        points = max(500, _round_to(econ * CABIN_FACTOR[cabin] * factor, 250))
                        extra: dict[str, Any] = {"minDistance": low, "perSegment": True}
                        if high is not None:
                            extra["maxDistance"] = high
                        rows.append(row("*", "*", cabin, points, **extra))
                        if rng.random() < 0.25:
                            rows.append(
                                row(
                                    "*",
                                    "*",
                                    cabin,
                                    _round_to(points * 0.9, 250),
                                    operatingAirlineIds=[own],
                                    pricing="dynamic_from",
                                    notes="Off-peak own-metal price",
                                    **extra,
                                )
                            )
                self._passage(
                    doc,
                    f"{program.name} awards are priced per flight by distance flown; a journey "
                    "with a connection adds the price of each flight.",
                    "Award chart",
                )
            else:  # distance_trip
                for low, high, econ in TRIP_BANDS:
                    for cabin in cabins:
                        points = max(500, _round_to(econ * CABIN_FACTOR[cabin] * factor, 500))
                        extra = {"minDistance": low}
                        if high is not None:
                            extra["maxDistance"] = high
                        rows.append(row("*", "*", cabin, points, **extra))
                        if rng.random() < 0.5:
                            rows.append(
                                row(
                                    "*",
                                    "*",
                                    cabin,
                                    _round_to(points * 1.7, 500),
                                    tripType="round_trip",
                                    **extra,
                                )
                            )
                self._passage(
                    doc,
                    f"{program.name} prices an award by the total distance of the journey, "
                    "whatever the number of connections.",
                    "Award chart",
                )
            charts.append((rows, list(rows)))
        return charts

    def _award_prices(self) -> None:
        total = self.config.award_prices
        charts = self._charts()
        core = [r for rows, _ in charts for r in rows]
        seen = {json.dumps(r, sort_keys=True) for r in core}
        if len(seen) != len(core):
            raise AssertionError("duplicate award price rows in the core charts")
        if len(core) > total:
            keep = sorted(self.rng.sample(range(len(core)), total))
            core = [core[i] for i in keep]
        else:
            # Versions: an announced future chart, then charts of past years that expired.
            templates = [r for _, rows in charts for r in rows]
            for round_number in range(200):
                if len(core) >= total or not templates:
                    break
                for template in templates:
                    if len(core) >= total:
                        break
                    version = dict(template)
                    if round_number == 0:
                        year = 2027
                        version["effectiveDate"] = "2027-01-01"
                        version["points"] = _round_to(template["points"] * 1.1, 500) or 500
                    else:
                        year = 2026 - round_number
                        version["effectiveDate"] = f"{year}-01-01"
                        version["expirationDate"] = f"{year}-12-31"
                        version["points"] = max(500, _round_to(template["points"] * 0.9, 500))
                    version["notes"] = f"Chart of {year}"
                    key = json.dumps(version, sort_keys=True)
                    if key not in seen:
                        seen.add(key)
                        core.append(version)
        self.records.extend(core)

    # Earning rules and elite tiers.
    def _rules_of(self, program: _Program) -> list[Record]:
        rng = self.rng
        assert program.operator is not None
        own = program.operator.code
        short = program.program_id.lower()
        doc = self._doc(f"doc-{short}-earning", f"Earning {program.currency} with {program.name}")
        rules: list[Record] = []

        def metrics(kind: str, rate: float) -> list[Record]:
            out = []
            for name, basis, metric_rate in program.metrics:
                if basis == "same_as_redeemable":
                    out.append({"metricName": name, "basis": "same_as_redeemable"})
                elif basis == "fixed":
                    out.append({"metricName": name, "rate": metric_rate, "basis": "fixed"})
                elif basis == "revenue":
                    basis_used = "revenue" if kind == "revenue" else "distance"
                    value = metric_rate if kind == "revenue" else round(rate * 0.1, 4)
                    out.append({"metricName": name, "rate": value, "basis": basis_used})
                else:
                    out.append(
                        {"metricName": name, "rate": round(metric_rate * rate, 4), "basis": basis}
                    )
            return out

        revenue_based = program.pricing == "dynamic" or rng.random() < 0.2
        minimum = rng.choice((None, None, 250, 500))
        if revenue_based:
            rate = float(rng.choice((5, 6, 7, 8, 11)))
            rules.append(
                {
                    "ruleId": f"{short}-own-revenue",
                    "operatingAirlineIds": ["*"],
                    "marketingAirlineIds": [own],
                    "basis": "revenue",
                    "redeemableRate": rate,
                    "eliteMetrics": metrics("revenue", rate),
                    "priority": 10,
                    "description": f"{program.operator.name} tickets earn {rate:g} per USD",
                }
            )
            rules.append(
                {
                    "ruleId": f"{short}-own-basic",
                    "operatingAirlineIds": [own],
                    "marketingAirlineIds": [own],
                    "fareClasses": FARE_BUCKETS["basic"],
                    "basis": "fixed",
                    "redeemableRate": 0.0,
                    "eliteBonusEligible": False,
                    "priority": 20,
                    "description": "Basic economy earns nothing",
                }
            )
        else:
            for bucket, classes in FARE_BUCKETS.items():
                rate = BUCKET_RATES[bucket]
                rule: Record = {
                    "ruleId": f"{short}-own-{bucket}",
                    "operatingAirlineIds": [own],
                    "fareClasses": classes,
                    "basis": "distance",
                    "redeemableRate": rate,
                    "eliteMetrics": metrics("distance", rate),
                    "priority": 5,
                }
                if minimum and bucket not in {"basic", "deep"}:
                    rule["minimumRedeemable"] = minimum
                rules.append(rule)
        alliance = program.operator.alliance
        partners = [
            a.code
            for a in self.airlines
            if a.code != own and alliance is not None and a.alliance == alliance
        ]
        rng.shuffle(partners)
        partners = sorted(set(partners[:14]) | set(program.partners))
        for code in partners:
            for bucket, classes in PARTNER_BUCKETS.items():
                if bucket == "discount" and rng.random() < 0.3:
                    continue
                rate = PARTNER_RATES[bucket] * rng.choice((0.5, 0.75, 1.0, 1.0, 1.25))
                rule = {
                    "ruleId": f"{short}-{code.lower()}-{bucket}",
                    "operatingAirlineIds": [code],
                    "fareClasses": classes,
                    "basis": "distance",
                    "redeemableRate": rate,
                    "eliteMetrics": metrics("distance", rate),
                    "priority": 0,
                }
                if rng.random() < 0.1:
                    rule["marketingAirlineIds"] = [code, own]
                    rule["priority"] = 1
                rules.append(rule)
            if rng.random() < 0.15:
                rules.append(
                    {
                        "ruleId": f"{short}-{code.lower()}-award",
                        "operatingAirlineIds": [code],
                        "fareClasses": ["X"],
                        "basis": "fixed",
                        "redeemableRate": 0.0,
                        "eliteBonusEligible": False,
                        "priority": 2,
                        "description": "Award and staff tickets earn nothing",
                    }
                )
        if rng.random() < 0.12:
            rules.append(
                {
                    "ruleId": f"{short}-any-other",
                    "operatingAirlineIds": ["*"],
                    "basis": "fixed",
                    "redeemableRate": float(rng.choice((100, 250))),
                    "priority": -5,
                    "description": "Any other partner flight earns a flat amount",
                }
            )
        for r in rules:
            r["type"] = "earningRule"
            r["creditingProgramId"] = program.program_id
            r["sourceDocumentId"] = doc
        self._passage(
            doc,
            f"{program.name}: "
            + (
                f"{program.operator.name} flights earn per dollar spent on base fare and "
                "carrier-imposed surcharges."
                if revenue_based
                else f"{program.operator.name} flights earn a share of the distance flown by "
                "fare class, from 10% in basic economy to 300% in first."
            )
            + " Partner flights earn by distance. Elite credit: "
            + ", ".join(m[0] for m in program.metrics)
            + ".",
            "Earning",
        )
        return rules

    def _earning_rules(self) -> None:
        total = self.config.earning_rules
        per_program = [self._rules_of(p) for p in self.airline_programs]
        core = [r for rules in per_program for r in rules]
        ids = [r["ruleId"] for r in core]
        if len(set(ids)) != len(ids):
            raise AssertionError("duplicate earning rule ids")
        if len(core) > total:
            keep = sorted(self.rng.sample(range(len(core)), total))
            core = [core[i] for i in keep]
        else:
            templates = list(core)
            year = 2025
            while len(core) < total:
                for template in templates:
                    if len(core) >= total:
                        break
                    version = dict(template)
                    version["ruleId"] = f"{template['ruleId']}-{year}"
                    version["effectiveDate"] = f"{year}-01-01"
                    version["expirationDate"] = f"{year}-12-31"
                    version["description"] = f"Earning rule in force in {year}"
                    core.append(version)
                year -= 1
        self.records.extend(core)

    def _elite_tiers(self) -> None:
        rng = self.rng
        tier_names = ("Silver", "Gold", "Platinum", "Diamond")
        for program in self.airline_programs:
            assert program.operator is not None
            alliance = program.operator.alliance
            alliance_tiers = next((t for a, _, t in ALLIANCES if a == alliance), ())
            count = rng.choice((3, 3, 4))
            doc = f"doc-{program.program_id.lower()}"
            primary = program.metrics[0]
            yearly = {
                "distance": 30000 * primary[2],
                "revenue": 5000.0,
                "same_as_redeemable": 25000.0,
                "fixed": 30.0,
            }[primary[1]]
            lines = []
            for rank in range(1, count + 1):
                threshold = max(1, _round_to(yearly * rank, 5 if yearly < 1000 else 500))
                record: Record = {
                    "type": "eliteTier",
                    "programId": program.program_id,
                    "tierId": tier_names[rank - 1].lower(),
                    "name": f"{program.name} {tier_names[rank - 1]}",
                    "rank": rank,
                    "redeemableBonusPercent": float((25, 50, 75, 100)[rank - 1]),
                }
                qualification: list[Record] = [{"metricName": primary[0], "threshold": threshold}]
                if len(program.metrics) > 1:
                    qualification.append(
                        {
                            "allOf": [
                                {
                                    "metricName": primary[0],
                                    "threshold": max(1, _round_to(threshold * 0.6, 5)),
                                },
                                {"metricName": program.metrics[1][0], "threshold": 20 * rank},
                            ]
                        }
                    )
                record["qualification"] = qualification
                if alliance_tiers:
                    index = min(len(alliance_tiers) - 1, rank - 2)
                    if index >= 0:
                        record["allianceTier"] = alliance_tiers[index]
                record["sourceDocumentId"] = doc
                self.records.append(record)
                lines.append(f"{tier_names[rank - 1]} at {threshold:,} {primary[0]}")
            self._passage(
                doc,
                f"{program.name} elite status: " + "; ".join(lines) + ". Elites earn a bonus "
                "on redeemable miles from 25% to 100%.",
                "Elite status",
            )

    def generate(self) -> list[Record]:
        self._airports()
        self._airlines()
        self._programs()
        self._routes()
        self._transfers()
        self._bookable_partners()
        self._award_prices()
        self._earning_rules()
        self._elite_tiers()
        return [*self.documents.values(), *self.passages, *self.records]


def generate(config: Config = Config()) -> list[Record]:
    """The records of the knowledge set, in a fixed order."""
    return _Generator(config).generate()


def write_knowledge(path: Path, config: Config = Config()) -> dict[str, int]:
    """Write the set to ``path`` as JSONL; return the number of records by type."""
    records = generate(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        out.writelines(
            json.dumps(r, separators=(",", ":"), ensure_ascii=False) + "\n" for r in records
        )
    return counts_by_type(records)


def counts_by_type(records: Iterable[Record]) -> dict[str, int]:
    return dict(sorted(Counter(r["type"] for r in records).items()))


def add_arguments(parser: argparse.ArgumentParser, prefix: str = "") -> None:
    """The generator's count flags (``prefix`` lets another script namespace them)."""
    defaults = Config()
    parser.add_argument(f"--{prefix}seed", type=int, default=defaults.seed, help="random seed")
    for name in ("programs", "airlines", "airports", "routes", "award_prices", "earning_rules"):
        flag = f"--{prefix}{name.replace('_', '-')}"
        parser.add_argument(flag, type=int, default=getattr(defaults, name), help=f"{name} count")
    parser.add_argument(
        f"--{prefix}non-airline-programs",
        type=int,
        default=None,
        help="bank and hotel programs among --programs (default: a tenth)",
    )


def config_from_args(args: argparse.Namespace, prefix: str = "") -> Config:
    p = prefix.replace("-", "_")
    return Config(
        seed=getattr(args, f"{p}seed"),
        programs=getattr(args, f"{p}programs"),
        non_airline_programs=getattr(args, f"{p}non_airline_programs"),
        airlines=getattr(args, f"{p}airlines"),
        airports=getattr(args, f"{p}airports"),
        routes=getattr(args, f"{p}routes"),
        award_prices=getattr(args, f"{p}award_prices"),
        earning_rules=getattr(args, f"{p}earning_rules"),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", type=Path, help="JSONL file to write")
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        counts = write_knowledge(args.output, config_from_args(args))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps({"output": str(args.output), "records": counts}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
