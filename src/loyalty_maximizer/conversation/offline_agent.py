"""The offline agent: a deterministic model provider, no model behind it.

It plays the model's part in the same loop the state machine and ``run_conversation`` run:
given the traveller's message it recognises what is asked (award trip, earnings on a paid
flight, where to credit for status, a rule question, a profile update) and the slots from
the knowledge graph's own vocabulary (program, airline and alliance names and aliases,
airports, cities and metro codes) plus cabins, fare classes, amounts, party sizes, dates;
then either asks for what is missing or calls the tool. Given the tool's result it writes
the answer from the result's numbers only, with the caveats and the sources. A follow-up
("what about premium economy?", "and for three people?") reuses the conversation's last
tool call with the slots the follow-up changes.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from loyalty_maximizer.aliases import PROGRAM_ALIASES
from loyalty_maximizer.conversation.messages import (
    AssistantMessage,
    Message,
    ToolResultMessage,
    ToolUse,
    UserMessage,
    current_exchange,
)
from loyalty_maximizer.conversation.providers.base import ModelRequest
from loyalty_maximizer.facts.airports import METRO_AIRPORTS, reference_airport
from loyalty_maximizer.graph.repository import KnowledgeRepository
from loyalty_maximizer.profiles import UserProfile

AWARD = "analyze_award_redemption_strategies"
EARNINGS = "calculate_flight_earnings"
CREDITING = "recommend_crediting_program"
KNOWLEDGE = "query_loyalty_knowledge"
UPDATE_PROFILE = "update_user_profile"

CABINS = (
    ("premium_economy", r"premium[ -]?economy|premium cabin|\bpe\b|\bpremium\b"),
    ("first", r"\bfirst(?: class)?\b"),
    ("business", r"business|bussiness|busines|\bbiz\b|flat[ -]?bed|lie[ -]?flat|\bj class\b"),
    ("economy", r"economy|\bcoach\b|main cabin"),
)
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "a couple of": 2, "both of us": 2,
}  # fmt: skip
UNSUPPORTED = re.compile(
    r"\b(hotels?|nights? at|car rental|rental car|rent a car|cruise|train|rail|visa|weather|"
    r"insurance|credit cards?|on time|delayed|flight status|gate|baggage|seat map)\b",
    re.IGNORECASE,
)
FOLLOW_UP = re.compile(r"^\s*(what about|how about|and\b|what if|same\b|instead|also)", re.I)


def _norm(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))  # Malé -> Male
    return re.sub(r"[^a-z0-9&]+", " ", plain.lower()).strip()


# The vocabulary -----------------------------------------------------------------------------


@dataclass
class Vocabulary:
    """Names travellers use, from the knowledge graph: phrase -> id."""

    programs: dict[str, str] = field(default_factory=dict)
    program_names: dict[str, str] = field(default_factory=dict)  # id -> display name
    airlines: dict[str, str] = field(default_factory=dict)
    airline_programs: dict[str, str] = field(default_factory=dict)  # airline id -> program
    alliances: dict[str, str] = field(default_factory=dict)
    places: dict[str, str] = field(default_factory=dict)  # city or airport name -> code
    codes: set[str] = field(default_factory=set)  # airport and metro codes
    tiers: dict[str, set[str]] = field(default_factory=dict)  # program -> tier ids

    @classmethod
    def from_repository(cls, repo: KnowledgeRepository) -> Vocabulary:
        vocabulary = cls()
        for program in repo.programs.values():
            pid = program.program_id
            vocabulary.program_names[pid] = program.name
            for phrase in (program.name, pid.replace("_", " "), *PROGRAM_ALIASES.get(pid, ())):
                vocabulary.programs.setdefault(_norm(phrase), pid)
            if program.operator_airline_id:
                vocabulary.airline_programs.setdefault(program.operator_airline_id, pid)
        for airline in repo.airlines.values():
            vocabulary.airlines[_norm(airline.name)] = airline.airline_id
            first = _norm(airline.name).split(" ")[0]
            if len(first) > 3:
                vocabulary.airlines.setdefault(first, airline.airline_id)
        for alliance in repo.alliances.values():
            vocabulary.alliances[_norm(alliance.name)] = alliance.alliance_id
        for metro, airports in METRO_AIRPORTS.items():
            vocabulary.codes.add(metro)
            vocabulary.codes.update(airports)
            city = (reference_airport(airports[0]) or {}).get("city")
            if city:
                vocabulary.places.setdefault(_norm(str(city)), metro)
        for code in sorted({*repo.airport_codes(), *vocabulary.codes}):
            vocabulary.codes.add(code)
            for name in _place_names(code):
                vocabulary.places.setdefault(name, code)
        for tier in repo.elite_tiers(vocabulary.program_names):
            vocabulary.tiers.setdefault(tier.program_id, set()).add(tier.tier_id)
        return vocabulary

    def find(self, text: str, table: dict[str, str]) -> list[tuple[int, str]]:
        """(position, id) of each phrase of ``table`` in ``text``, longest phrases first;
        a word of five letters or more that no phrase covers may match a one-word phrase
        with a typo ("Lodon", "bussiness")."""
        normalised = f" {_norm(text)} "
        found: list[tuple[int, str]] = []
        taken: list[tuple[int, int]] = []
        for phrase in sorted(table, key=len, reverse=True):
            if not phrase:
                continue
            for match in re.finditer(rf" {re.escape(phrase)} ", normalised):
                span = (match.start() + 1, match.end() - 1)  # the phrase, not its spaces
                if not any(a < span[1] and span[0] < b for a, b in taken):
                    taken.append(span)
                    found.append((match.start(), table[phrase]))
        singles = [p for p in table if " " not in p and len(p) >= 5]
        for word in re.finditer(r"[a-z&]{5,}", normalised):
            if any(a <= word.start() < b for a, b in taken):
                continue
            close = difflib.get_close_matches(word.group(0), singles, n=1, cutoff=0.8)
            if close:
                found.append((word.start(), table[close[0]]))
        return sorted(found)


GENERIC_WORDS = frozenset(
    {
        "airport", "international", "intl", "regional", "municipal", "field", "county",
        "airfield", "am", "main", "city",
    }
)  # fmt: skip
METRO_OF = {airport: metro for metro, airports in METRO_AIRPORTS.items() for airport in airports}


@functools.cache
def _airports() -> dict[str, dict[str, Any]]:
    import airportsdata

    return {code: dict(row) for code, row in airportsdata.load("IATA").items()}


def _cities(code: str) -> set[str]:
    """The city names an airport is known by ("Dallas-Fort Worth" -> also "dallas")."""
    row = reference_airport(code) or {}
    city = _norm(str(row.get("city") or ""))
    names = {city} if city else set()
    for part in re.split(r"[-/]", str(row.get("city") or "")):
        if _norm(part):
            names.add(_norm(part))
    if city:
        names.add(" ".join(w for w in city.split() if w not in GENERIC_WORDS))
    return {n for n in names if len(n) >= 3}


def _place_names(code: str) -> set[str]:
    """What travellers call an airport: its city and the distinctive words of its name
    ("London Heathrow Airport" -> "heathrow")."""
    row = reference_airport(code) or {}
    cities = _cities(code)
    city_words = {w for c in cities for w in c.split()}
    name = [w for w in _norm(str(row.get("name") or "")).split() if w not in GENERIC_WORDS]
    distinctive = " ".join(w for w in name if w not in city_words)
    names = set(cities)
    if len(distinctive) >= 4:
        names.add(distinctive)
    # the time zone's place often names the country of a one-airport nation
    # ("Indian/Maldives")
    zone = _norm(str(_airports().get(code, {}).get("tz") or "").rsplit("/", 1)[-1])
    if len(zone) >= 4:
        names.add(zone)
    return names


# Understanding ------------------------------------------------------------------------------


def _amount(text: str) -> int | None:
    match = re.fullmatch(r"([\d][\d,\. ]*)\s*(k|m|thousand|million)?", text.strip().lower())
    if not match:
        return None
    digits = match.group(1).replace(",", "").replace(" ", "")
    try:
        value = float(digits)
    except ValueError:
        return None
    scale = {"k": 1_000, "thousand": 1_000, "m": 1_000_000, "million": 1_000_000}
    return round(value * scale.get(match.group(2) or "", 1))


AMOUNT = r"(\d[\d,\. ]*\d|\d)\s*(k|m|thousand|million)?\b"


def balances(text: str, vocabulary: Vocabulary) -> dict[str, int]:
    """Program -> points stated in the text ("100k Amex", "50,000 United miles")."""
    found: dict[str, int] = {}
    lowered = _norm(text.replace(",", ""))
    programs = vocabulary.find(text, vocabulary.programs)
    for match in re.finditer(AMOUNT, lowered):
        amount = _amount(match.group(0))
        if amount is None or amount < 500:
            continue
        after = lowered[match.end() : match.end() + 40]
        before = lowered[max(0, match.start() - 40) : match.start()]
        owner = [pid for _, pid in vocabulary.find(after, vocabulary.programs)[:1]]
        if not owner:
            airline = vocabulary.find(after, vocabulary.airlines)[:1]
            if airline and airline[0][1] in vocabulary.airline_programs:
                owner = [vocabulary.airline_programs[airline[0][1]]]
        if not owner:
            owner = [pid for _, pid in vocabulary.find(before, vocabulary.programs)[-1:]]
        if not owner:
            airline = vocabulary.find(before, vocabulary.airlines)[-1:]
            if airline and airline[0][1] in vocabulary.airline_programs:
                owner = [vocabulary.airline_programs[airline[0][1]]]
        if owner:
            found.setdefault(owner[0], amount)
    del programs
    return found


def cabin(text: str) -> str | None:
    for name, pattern in CABINS:
        if re.search(pattern, text, re.IGNORECASE):
            return name
    return None


def party_size(text: str) -> int | None:
    lowered = text.lower()
    match = re.search(
        r"\b(\d+)\s*(people|persons|travell?ers|passengers|adults|of us|pax)\b", lowered
    )
    if match:
        return int(match.group(1))
    match = re.search(
        r"\bfamily of (\w+)|\bfor (\w+)(?: people| of us)?\b|\b(\w+) (?:people|of us)\b", lowered
    )
    if match:
        word = next(g for g in match.groups() if g)
        if word.isdigit():
            return int(word)
        if word in NUMBER_WORDS:
            return NUMBER_WORDS[word]
    if re.search(
        r"\bme and my (wife|husband|partner|friend|son|daughter)\b|\bthe two of us\b", lowered
    ):
        return 2
    seats = re.search(r"\b(\w+) (?:seats|tickets|award seats)\b", lowered)
    if seats and (seats.group(1).isdigit() or seats.group(1) in NUMBER_WORDS):
        word = seats.group(1)
        return int(word) if word.isdigit() else NUMBER_WORDS[word]
    if re.search(r"\b(just me|only me|by myself|solo)\b", lowered):
        return 1
    return None


def fare_class(text: str) -> str | None:
    match = re.search(
        r"\b(?:booking class|fare class|fare bucket|class|in|bucket)\s+([A-Z])\b(?!\w)", text
    ) or re.search(r"\b([A-Z])[- ](?:class|fare)\b|\(([A-Z])\)", text)
    return next((g for g in match.groups() if g), None) if match else None


MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}


def travel_date(text: str, today: dt.date) -> str | None:
    """An exact date ("2027-03-12", "12 March 2027"), or the first day of a named month's
    next occurrence ("in March", "next September")."""
    iso = re.search(r"\b(\d{4}-\d{2}-\d{2})\b", text)
    if iso:
        return iso.group(1)
    lowered = text.lower()
    months = "|".join(MONTHS)
    exact = re.search(rf"\b(\d{{1,2}}) ({months}) (\d{{4}})\b", lowered)
    if exact:
        day, month, year = int(exact.group(1)), MONTHS[exact.group(2)], int(exact.group(3))
        return dt.date(year, month, day).isoformat()
    named = re.search(rf"\b(next )?({months})\b", lowered)
    if named:
        month = MONTHS[named.group(2)]
        year = today.year if month > today.month else today.year + 1
        return dt.date(year, month, 1).isoformat()
    return None


def places(text: str, vocabulary: Vocabulary) -> list[str]:
    """Airport and metro codes named in the text, in order: IATA codes written in capitals,
    then city names."""
    found = [
        (m.start() * 1, m.group(0))
        for m in re.finditer(r"\b[A-Z]{3}\b", text)
        if m.group(0) in vocabulary.codes or reference_airport(m.group(0))
    ]
    normalised_positions = vocabulary.find(text, vocabulary.places)
    # positions of the two lists are in different texts; order cities by their place in
    # the lower-cased text, which keeps the same order as the original
    lowered = text.lower()
    for _, code in normalised_positions:
        city = next((c for c, v in vocabulary.places.items() if v == code and c in _norm(text)), "")
        position = lowered.find(city.split(" ")[0]) if city else len(text)
        found.append((position, code))
    ordered: list[str] = []
    for _, code in sorted(found):
        if code not in ordered:
            ordered.append(code)
    return ordered


def _place_at_start(fragment: str, vocabulary: Vocabulary) -> str | None:
    """The place a fragment starts with ("London in business" -> LON; "the Maldives";
    "Tokyo Haneda" -> HND, the airport rather than the city)."""
    fragment = re.sub(r"^\s*(the|a|an)\s+", "", fragment, flags=re.IGNORECASE)
    code = re.match(r"\s*([A-Z]{3})\b", fragment)
    if code and (code.group(1) in vocabulary.codes or reference_airport(code.group(1))):
        return code.group(1)
    words = fragment.split()
    head = " ".join(words[:4])
    second_word = len(_norm(" ".join(words[:1]))) + 2
    matches = vocabulary.find(head, vocabulary.places)
    if not matches or matches[0][0] > 1:
        return None  # the fragment does not start with a place ("to fly New York ...")
    found = [p for pos, p in matches if pos <= second_word]
    airports = [p for p in found if p not in METRO_AIRPORTS]
    for word in words[1:3]:
        code_after = word.strip(",.;:?!()")
        if found and re.fullmatch(r"[A-Z]{3}", code_after) and code_after in vocabulary.codes:
            return code_after  # "Paris CDG", "New York JFK"
    if found and found[0] in METRO_AIRPORTS and airports:
        return airports[0]
    return found[0] if found else None


def origin_destination(text: str, vocabulary: Vocabulary) -> tuple[str | None, str | None]:
    """(origin, destination): the place right after "from" and the place right after "to";
    otherwise the places in the order named (a single place is the destination)."""
    origin = destination = None
    for match in re.finditer(r"\bfrom\s+", text, re.IGNORECASE):
        origin = origin or _place_at_start(text[match.end() :], vocabulary)
    route_dash = r"\s+[-–—]\s+|\s*[–—]\s*|(?<=\b[A-Z]{3})-(?=[A-Z]{3}\b)"
    for match in re.finditer(rf"\b(?:to|into)\s+|{route_dash}", text, re.IGNORECASE):
        destination = destination or _place_at_start(text[match.end() :], vocabulary)
    named = places(text, vocabulary)
    rest = [code for code in named if code not in (origin, destination)]
    if origin is None and destination is None and len(rest) == 1:
        return None, rest[0]
    if origin is None and rest:
        origin = rest.pop(0)
    if destination is None and rest:
        destination = rest.pop(0)
    return origin, destination


def programs_named(text: str, vocabulary: Vocabulary) -> list[str]:
    found: list[str] = []
    for _, pid in vocabulary.find(text, vocabulary.programs):
        if pid not in found:
            found.append(pid)
    return found


def airlines_named(text: str, vocabulary: Vocabulary) -> list[str]:
    found = [code for _, code in vocabulary.find(text, vocabulary.airlines)]
    found += [m.group(1) for m in re.finditer(r"\b([A-Z][A-Z0-9]|[0-9][A-Z])\s?\d{1,4}\b", text)]
    return list(dict.fromkeys(found))


PROFILE_UPDATE = re.compile(
    r"\b(my [\w&' ]{1,40}(balance|miles|points|account) (is|are|went|has) (now|up|down|at)|"
    r"my [\w&' ]{1,30} is now \d|i (now )?have \d[\d,.]*\s*k?\b[^?]*$|(i'm|i am) now (a |an )?"
    r"(\w+ ){1,3}(with|in|on|at)|i just (reached|made|got) (\w+ ){1,3}(status )?(with|in|on)|"
    r"update my|set my|change my home|my home airport is|i prefer|i'd rather)\b",
    re.IGNORECASE,
)
CREDITING_WORDS = re.compile(
    r"\b(where (should|do|to|would|can) i credit|should i credit|which (program|one) (should|do) i"
    r" credit|credit (it|them|these|those|my [\w ]+) to (reach|keep|get|earn|requalify)|"
    r"will crediting|(reach|keep|requalify( for)?|qualify for|get to|earn) [\w ]{0,30}"
    r"(status|gold|silver|platinum|senator|sapphire|emerald|ruby|diamond|elite|\d+k)\b)",
    re.IGNORECASE,
)
EARNINGS_WORDS = re.compile(
    r"\b(earn|earns|earning|accrue|how many [\w&' ]{0,30}(miles|points|pqp|sqc|avios)|"
    r"what (would|will|does|do) [\w&' ]{0,40}(give|get|earn)|"
    r"base fare|credit(ed|ing)? (it )?to)\b",
    re.IGNORECASE,
)
AWARD_WORDS = re.compile(
    r"\b(fly|flight|flights|book|booking|trip|award|redeem|use my|using my|get me to|get to|"
    r"going to|travel|seats?|tickets?|options|cheapest way|best way|my points|my miles)\b",
    re.IGNORECASE,
)
RULE_WORDS = re.compile(
    r"\b(transfer|transfers|ratio|bonus|convert|partners?|rules?|expire|expiry|how does|what is|"
    r"is there|minimum|increments?)\b",
    re.IGNORECASE,
)


def intent_of(text: str, vocabulary: Vocabulary) -> str:
    """What the traveller wants, from cue words and the places and programs named."""
    lowered = text.lower()
    named_places = places(text, vocabulary)
    if UNSUPPORTED.search(text) and not re.search(r"transfer|convert|airline", lowered):
        return "unsupported"
    if PROFILE_UPDATE.search(text) and (
        not named_places or re.search(r"home airport|home to", lowered)
    ):
        return "profile_update"
    if re.search(r"where (should|could|can) (i|we) go|how much (does|would|will) it cost", lowered):
        return "award"  # a trip without its places: ask for them
    if CREDITING_WORDS.search(text):
        if named_places or re.search(r"\bcredit", lowered):
            return "crediting"
        return "rules"  # what a status takes
    flight_detail = fare_class(text) is not None or bool(re.search(r"base fare|\$\d", text))
    wants_earnings = EARNINGS_WORDS.search(text) or (
        flight_detail and not re.search(r"award|redeem", lowered)
    )
    if wants_earnings and (named_places or flight_detail or not programs_named(text, vocabulary)):
        return "earnings"
    if RULE_WORDS.search(text) and not (
        len(named_places) >= 2 or re.search(r"\b(fly|flight|book|trip)\b", lowered)
    ):
        return "rules"
    if named_places and (AWARD_WORDS.search(text) or len(named_places) >= 2):
        return "award"
    if AWARD_WORDS.search(text):
        question_like = re.search(r"^\s*(does|do|is|are|can|what|how|which|when)\b", lowered)
        return "rules" if programs_named(text, vocabulary) and question_like else "award"
    if programs_named(text, vocabulary) or _programs_of_airlines(text, vocabulary):
        return "rules"
    return "unsupported"


def _programs_of_airlines(text: str, vocabulary: Vocabulary) -> list[str]:
    return [
        vocabulary.airline_programs[a]
        for a in airlines_named(text, vocabulary)
        if a in vocabulary.airline_programs
    ]


def unknown_program(text: str, vocabulary: Vocabulary) -> str | None:
    """A capitalised name before "points" or "miles" that is no program or airline the
    knowledge defines ("Southwest Rapid Rewards points")."""
    for match in re.finditer(r"((?:[A-Z][\w&']+ ){1,3})(?:points|miles)\b", text):
        name = match.group(1).strip()
        known = vocabulary.find(name, vocabulary.programs) or vocabulary.find(
            name, vocabulary.airlines
        )
        if not known and name.split()[0].lower() not in {"how", "what", "my", "the", "i", "do"}:
            return name
    return None


# The agent -----------------------------------------------------------------------------------


@dataclass
class OfflineAgent:
    """A ``ModelProvider`` that understands travellers' questions without a model."""

    vocabulary: Vocabulary
    today: dt.date | None = None
    _uses: int = 0

    @classmethod
    def for_repository(
        cls, repo: KnowledgeRepository, today: dt.date | None = None
    ) -> OfflineAgent:
        return cls(Vocabulary.from_repository(repo), today)

    def complete(self, request: ModelRequest) -> AssistantMessage:
        exchange = current_exchange(list(request.messages))
        results = [m for m in exchange if isinstance(m, ToolResultMessage)]
        if results:
            return AssistantMessage(text=compose_answer(exchange, self.vocabulary))
        question = next(m for m in reversed(exchange) if isinstance(m, UserMessage)).text
        today = request.today or self.today or dt.datetime.now(dt.UTC).date()
        plan = self.plan(question, list(request.messages), request.profile, request.user_id, today)
        if isinstance(plan, str) or request.final:
            return AssistantMessage(
                text=plan if isinstance(plan, str) else "I could not work that out."
            )
        uses = []
        for name, arguments in plan:
            self._uses += 1
            uses.append(ToolUse(tool_use_id=f"offline-{self._uses}", name=name, input=arguments))
        return AssistantMessage(tool_uses=uses, stop_reason="tool_use")

    def plan(
        self,
        question: str,
        history: Sequence[Message],
        profile: UserProfile | None,
        user_id: str | None,
        today: dt.date,
    ) -> str | list[tuple[str, dict[str, Any]]]:
        v = self.vocabulary
        asked = _pending_question(history)
        if asked is not None:
            question = f"{asked} {question}"  # the answer to our clarifying question
        intent = intent_of(question, v)
        previous = _last_tool_use(history)
        if previous is not None and (FOLLOW_UP.search(question) or intent == "unsupported"):
            changed = _follow_up(previous, question, v, today)
            if changed is not None:
                return [(previous.name, changed)]
        unknown = unknown_program(question, v)
        if unknown and intent in ("award", "rules", "earnings"):
            return (
                f"The knowledge I have does not include {unknown}, so I cannot tell you about it "
                "without guessing. I can help with the programs it covers (ask me which)."
            )
        if intent == "unsupported":
            return (
                "The knowledge I have covers airline and bank loyalty programs: award flights, "
                "earning on paid flights, elite status and transfer rules. It does not cover "
                "that question, so I cannot answer it without guessing."
            )
        if intent == "award":
            return _award_plan(question, v, profile, today)
        if intent == "earnings":
            return _earnings_plan(question, v, profile, today)
        if intent == "crediting":
            return _crediting_plan(question, v, profile, previous, today)
        if intent == "profile_update":
            return _profile_plan(question, v, user_id)
        request: dict[str, Any] = {"question": question}
        named = programs_named(question, v)
        for airline in airlines_named(question, v):
            if airline in v.airline_programs and v.airline_programs[airline] not in named:
                named.append(v.airline_programs[airline])
        if named:
            request["programIds"] = named
        return [(KNOWLEDGE, request)]


def _pending_question(history: Sequence[Message]) -> str | None:
    """The traveller's earlier message when our last answer asked them something (no tool
    was called), so the reply is read together with it."""
    earlier = list(history)
    while earlier and isinstance(earlier[-1], UserMessage):
        earlier.pop()  # the message being answered now
    if len(earlier) < 2:
        return None
    answer, before = earlier[-1], earlier[-2]
    if (
        isinstance(answer, AssistantMessage)
        and not answer.tool_uses
        and answer.text.rstrip().endswith("?")
        and isinstance(before, UserMessage)
    ):
        return before.text
    return None


def _last_tool_use(history: Sequence[Message]) -> ToolUse | None:
    for message in reversed(history):
        if isinstance(message, AssistantMessage) and message.tool_uses:
            use = message.tool_uses[0]
            if use.name in (AWARD, EARNINGS, CREDITING):
                return use
    return None


def _follow_up(
    previous: ToolUse, question: str, v: Vocabulary, today: dt.date
) -> dict[str, Any] | None:
    changed = dict(previous.input)
    touched = False
    if previous.name == AWARD:
        new_cabin = cabin(question)
        if new_cabin:
            changed["cabinClass"] = new_cabin
            touched = True
        size = party_size(question)
        if size:
            changed["numberOfTravelers"] = size
            touched = True
        origin, destination = origin_destination(question, v)
        if destination:
            changed["destination"] = destination
            touched = True
        if origin:
            changed["origin"] = origin
            touched = True
        if re.search(r"round[ -]?trip|return", question, re.I):
            changed["tripType"] = "round_trip"
            touched = True
    elif previous.name == EARNINGS:
        segments = [dict(s) for s in changed["flightItinerary"]["segments"]]
        klass = fare_class(question)
        if klass:
            for segment in segments:
                segment["fareClass"] = klass
            touched = True
        named = programs_named(question, v)
        if named:
            changed["targetLoyaltyPrograms"] = named
            touched = True
        changed["flightItinerary"] = {**changed["flightItinerary"], "segments": segments}
    return changed if touched else None


def _award_plan(
    question: str, v: Vocabulary, profile: UserProfile | None, today: dt.date
) -> str | list[tuple[str, dict[str, Any]]]:
    origin, destination = origin_destination(question, v)
    lives = re.search(r"\b(?:live|based|living) in\s+(.{0,30})", question, re.IGNORECASE)
    if lives:
        home_city = _place_at_start(lives.group(1), v)
        if home_city:
            origin = home_city
            if destination == home_city:
                destination = next((c for c in places(question, v) if c != home_city), None)
    home = profile.preferences.home_airport if profile else None
    origin = origin or home
    if destination is None:
        return "Where would you like to fly to? Tell me the city or airport, and where from."
    if origin is None:
        return f"Where would you fly from to {destination}? Tell me the city or airport."
    request: dict[str, Any] = {
        "origin": origin,
        "destination": destination,
        "cabinClass": cabin(question)
        or (profile.preferences.preferred_cabin if profile else None)
        or "economy",
        "numberOfTravelers": party_size(question) or 1,
        "tripType": "round_trip"
        if re.search(r"round[ -]?trip|\breturn\b", question, re.I)
        else "one_way",
    }
    stated = balances(question, v)
    if profile:
        for membership in profile.loyalty_programs:
            if membership.redeemable_balance and membership.program_id not in stated:
                stated[membership.program_id] = membership.redeemable_balance.amount
    request["userRewardsBalances"] = [{"programId": p, "balance": b} for p, b in stated.items()]
    preferences = award_preferences(question, v)
    if preferences:
        request["preferences"] = preferences
    del today
    return [(AWARD, request)]


def award_preferences(question: str, v: Vocabulary) -> dict[str, Any]:
    """Stops, transfers, alliances and programs the traveller rules in or out."""
    preferences: dict[str, Any] = {}
    if re.search(r"\b(non-?stop|direct flights?|no connections?)\b", question, re.I):
        preferences["maxStops"] = 0
    if re.search(
        r"\b(no transfers?|without transferring|don'?t transfer|only my)\b", question, re.I
    ):
        preferences["considerPointTransfers"] = False
    alliances = [a for _, a in v.find(question, v.alliances)]
    if alliances and re.search(r"\bonly\b", question, re.I):
        preferences["preferredAlliances"] = alliances
    avoid = re.search(
        r"\b(?:don'?t|do not|not) use\s+(.{0,50})|\b(?:avoid|exclude)\s+(.{0,50})", question, re.I
    )
    if avoid:
        fragment = next(g for g in avoid.groups() if g)
        excluded = programs_named(fragment, v) + [
            v.airline_programs[a] for a in airlines_named(fragment, v) if a in v.airline_programs
        ]
        if excluded:
            preferences["excludePrograms"] = list(dict.fromkeys(excluded))[:1]
    return preferences


def itinerary(question: str, v: Vocabulary, today: dt.date) -> list[dict[str, Any]]:
    """The flight segments named ("Munich to Frankfurt and then Frankfurt to Singapore"),
    each with its carriers, fare class and date."""
    pieces = re.split(r"\band then\b|,\s*then\b|\bthen\b|;", question, flags=re.IGNORECASE)
    routes = [origin_destination(piece, v) for piece in pieces]
    pairs = [(o, d) for o, d in routes if o and d]
    if len(pairs) < 2:
        origin, destination = origin_destination(question, v)
        pairs = [(origin, destination)] if origin and destination else []
    operated = re.search(r"\b([\w ]{2,30}?)[- ]operated\b", question, re.IGNORECASE)
    sold = re.search(r"\bunder an? ([\w ]{2,30}?) (?:flight )?(?:number|code)", question, re.I)
    credited = _credit_fragment(question)
    to_program = set(airlines_named(credited, v)) if credited else set()
    airlines = [a for a in airlines_named(question, v) if a not in to_program] or (
        airlines_named(question, v)
    )
    operating = airlines_named(operated.group(1), v)[:1] if operated else []
    marketing = airlines_named(sold.group(1), v)[:1] if sold else []
    klass, date = fare_class(question), travel_date(question, today)
    segments = []
    for origin, destination in pairs:
        segment: dict[str, Any] = {"originAirport": origin, "destinationAirport": destination}
        carrier = (operating or airlines)[:1]
        if carrier:
            segment["operatingCarrier"] = carrier[0]
        if marketing or carrier:
            segment["marketingCarrier"] = (marketing or carrier)[0]
        if klass:
            segment["fareClass"] = klass
        if date:
            segment["travelDate"] = date
        segments.append(segment)
    return segments


def ticket_price(question: str) -> dict[str, Any] | None:
    def money(pattern: str) -> float | None:
        found = re.search(pattern, question, re.IGNORECASE)
        return float(found.group(1).replace(",", "")) if found else None

    base = money(r"base fare (?:of |is |was )?\$?\s*([\d,]+(?:\.\d+)?)")
    if base is None:
        return None
    price: dict[str, Any] = {"baseFare": base, "currency": "USD"}
    surcharges = money(
        r"\$?\s*([\d,]+(?:\.\d+)?)\s*(?:in )?(?:carrier[- ]imposed |carrier )?surcharges?"
    )
    if surcharges is not None:
        price["carrierImposedSurcharges"] = surcharges
    return price


def _credit_fragment(question: str) -> str | None:
    """What follows "credit ... to" or "with" ("to United or Aeroplan?")."""
    found = re.search(
        r"\bcredit(?:ed|ing)?\b.{0,80}?\bto\s+(?!(?:reach|keep|get|earn)\b)(.{0,40})"
        r"|\b(?:with|into)\s+(.{0,40})",
        question,
        re.IGNORECASE,
    )
    return next((g for g in found.groups() if g), None) if found else None


def target_programs(question: str, v: Vocabulary) -> list[str]:
    """Programs the traveller would credit to: those named, and an airline named after
    "credit ... to" or "with" ("credit to United" -> MileagePlus)."""
    targets = programs_named(question, v)
    fragment = _credit_fragment(question)
    if fragment:
        for airline in airlines_named(fragment, v):
            program = v.airline_programs.get(airline)
            if program and program not in targets:
                targets.append(program)
    return targets


def _earnings_plan(
    question: str, v: Vocabulary, profile: UserProfile | None, today: dt.date
) -> str | list[tuple[str, dict[str, Any]]]:
    segments = itinerary(question, v, today)
    if not segments:
        return (
            "Which flight is it? Tell me the route (for example FRA to SIN), the airline and "
            "the fare class."
        )
    request: dict[str, Any] = {"flightItinerary": {"segments": segments}}
    price = ticket_price(question)
    if price:
        request["flightItinerary"]["ticketPrice"] = price
    targets = target_programs(question, v)
    if targets:
        request["targetLoyaltyPrograms"] = targets
    tiers = stated_tiers(question, v)
    if profile:
        tiers += [
            {"programId": m.program_id, "tier": m.status_tier}
            for m in profile.loyalty_programs
            if m.status_tier
            and m.status_tier in v.tiers.get(m.program_id, set())  # the knowledge's tiers only
            and m.program_id not in {t["programId"] for t in tiers}
        ]
    if tiers:
        request["userProfileContext"] = {"statusTiers": tiers}
    return [(EARNINGS, request)]


def stated_tiers(question: str, v: Vocabulary) -> list[dict[str, str]]:
    """Statuses the traveller states ("as a United Premier Gold", "I'm Aeroplan 25K")."""
    found: list[dict[str, str]] = []
    for program, tiers in v.tiers.items():
        for tier in tiers:
            held = re.search(rf"\b{re.escape(tier)}\b", question, re.IGNORECASE)
            goal = re.search(
                rf"\b(?:to|reach|keep|get me to|get to)\s+{re.escape(tier)}\b", question, re.I
            )
            if held and not goal:
                named = programs_named(question, v) + [
                    v.airline_programs.get(a, "") for a in airlines_named(question, v)
                ]
                if program in named and not any(f["programId"] == program for f in found):
                    found.append({"programId": program, "tier": tier})
    return found


def _crediting_plan(
    question: str,
    v: Vocabulary,
    profile: UserProfile | None,
    previous: ToolUse | None = None,
    today: dt.date | None = None,
) -> str | list[tuple[str, dict[str, Any]]]:
    segments = itinerary(question, v, today or dt.date.today())
    request: dict[str, Any] = {}
    if segments:
        request["flightItinerary"] = {"segments": segments}
    elif previous is not None and "flightItinerary" in previous.input:
        request["flightItinerary"] = previous.input["flightItinerary"]
        if previous.input.get("targetLoyaltyPrograms"):
            request["targetLoyaltyPrograms"] = previous.input["targetLoyaltyPrograms"]
    else:
        return "Which flights would you credit? Tell me the route, the airline and the fare class."
    targets = target_programs(question, v)
    if targets:
        request["targetLoyaltyPrograms"] = targets
    alliance = v.find(question, v.alliances)
    level = re.search(r"\b(gold|silver|platinum|diamond|emerald|sapphire|ruby)\b", question, re.I)
    if alliance and level:
        request["goal"] = {
            "allianceTier": f"{alliance[0][1].split('_')[0]}_{level.group(1).lower()}"
        }
    else:
        for program in programs_named(question, v) + targets:
            tiers = v.tiers.get(program, set())
            wanted = [
                t
                for t in tiers
                if re.search(rf"\b(?:to|reach|keep|get to)\s+{re.escape(t)}\b", question, re.I)
            ]
            if wanted:
                request["goal"] = {"programId": program, "tierId": wanted[0]}
                break
    current = stated_tiers(question, v)
    progress = stated_progress(question, v)
    if profile:
        current += [
            {"programId": m.program_id, "tier": m.status_tier}
            for m in profile.loyalty_programs
            if m.status_tier
            and m.status_tier in v.tiers.get(m.program_id, set())
            and m.program_id not in {c["programId"] for c in current}
        ]
        progress += [
            {
                "programId": m.program_id,
                "metricName": e.metric_name,
                "currentValue": e.current_value,
            }
            for m in profile.loyalty_programs
            for e in m.elite_qualifying_metrics
        ]
    if current:
        request["currentTiers"] = current
    if progress:
        request["currentEliteProgress"] = progress
    return [(CREDITING, request)]


METRIC_NAMES = ("Qualifying Points", "Loyalty Points", "PQP", "PQF", "SQC", "MQD", "Tier Points")


def stated_progress(question: str, v: Vocabulary) -> list[dict[str, Any]]:
    """Elite progress the traveller states ("700 Qualifying Points with Miles & More")."""
    found: list[dict[str, Any]] = []
    for metric in METRIC_NAMES:
        match = re.search(rf"([\d][\d,]*)\s+{re.escape(metric)}\b", question, re.IGNORECASE)
        if match:
            named = programs_named(question, v)
            if named:
                found.append(
                    {
                        "programId": named[0],
                        "metricName": metric,
                        "currentValue": float(match.group(1).replace(",", "")),
                    }
                )
    return found


def _profile_plan(
    question: str, v: Vocabulary, user_id: str | None
) -> str | list[tuple[str, dict[str, Any]]]:
    stated = balances(question, v)
    programs: list[dict[str, Any]] = [{"programId": p, "balance": b} for p, b in stated.items()]
    named = programs_named(question, v) + [
        v.airline_programs[a] for a in airlines_named(question, v) if a in v.airline_programs
    ]

    def entry(program: str) -> dict[str, Any]:
        found = next((p for p in programs if p["programId"] == program), None)
        if found is None:
            found = {"programId": program}
            programs.append(found)
        return found

    for program in dict.fromkeys(named):
        for tier in sorted(v.tiers.get(program, set()), key=len, reverse=True):
            if re.search(
                rf"\b{re.escape(tier.replace('_', ' '))}\b", question.replace("-", " "), re.I
            ):
                entry(program)["statusTier"] = tier
                break
        for metric in METRIC_NAMES:
            value = re.search(rf"([\d][\d,]*)\s+{re.escape(metric)}\b", question, re.I)
            if value:
                entry(program).setdefault("eliteQualifyingMetrics", []).append(
                    {"metricName": metric, "currentValue": float(value.group(1).replace(",", ""))}
                )
        break  # a statement updates the first program it names
    request: dict[str, Any] = {"userId": user_id or "me"}
    if programs:
        request["programs"] = programs
    preferences: dict[str, Any] = {}
    home = re.search(r"home (?:airport )?(?:is|to)\s+(?:now\s+)?(.{0,30})", question, re.I)
    if home:
        place = _place_at_start(home.group(1), v)
        if place:
            preferences["homeAirport"] = place
    if re.search(r"\bprefer|\bideally|\bfavou?rite\b", question, re.I):
        alliances = [a for _, a in v.find(question, v.alliances)]
        if alliances:
            preferences["preferredAlliances"] = alliances
        preferred_cabin = cabin(question)
        if preferred_cabin:
            preferences["preferredCabin"] = preferred_cabin
        airlines = airlines_named(question, v)
        if airlines and not alliances:
            preferences["preferredAirlines"] = airlines
    if preferences:
        request["preferences"] = preferences
    if len(request) == 1:
        return (
            "What should I change in your profile? For example: my United balance is now "
            "62,000 miles."
        )
    return [(UPDATE_PROFILE, request)]


# Answers -------------------------------------------------------------------------------------


def compose_answer(exchange: Sequence[Message], v: Vocabulary) -> str:
    parts: list[str] = []
    for message in exchange:
        if not isinstance(message, ToolResultMessage):
            continue
        if not message.ok:
            error = message.error.message if message.error else "it failed"
            parts.append(f"I could not get that from the knowledge: {error}")
            continue
        content = message.content if isinstance(message.content, dict) else {}
        writer = {
            AWARD: _award_answer,
            EARNINGS: _earnings_answer,
            CREDITING: _crediting_answer,
            KNOWLEDGE: _knowledge_answer,
            UPDATE_PROFILE: _profile_answer,
        }.get(message.name)
        if writer is not None:
            parts.append(writer(content, v))
    return "\n\n".join(p for p in parts if p) or "I found nothing in the knowledge for that."


def _points(value: Any) -> str:
    return f"{int(value):,}" if isinstance(value, (int, float)) else str(value)


def _award_answer(result: dict[str, Any], v: Vocabulary) -> str:
    options = result.get("awardOptions") or []
    if not options:
        return (
            "The knowledge I have holds no award that books this trip (no program with both a "
            "route and an award price for it), so I cannot suggest one."
        )
    lines = ["Best award options (cost for the whole party):"]
    for option in options[:3]:
        cost = option["estimatedCost"]
        line = (
            f"- {option['programName']}: {_points(cost['amount'])} {cost['currencyName']} "
            f"({option['description']})"
        )
        if option.get("feasible"):
            moves = [
                f"transfer {_points(t['estimatedPointsToTransfer'])} {t['fromProgram']} to "
                f"{t['toProgram']} (receives {_points(t['pointsReceived'])})"
                for t in option.get("transferPartnersPotentiallyNeeded") or []
            ]
            line += "; " + ("; ".join(moves) if moves else "paid from your own balance")
        else:
            line += f"; your balances are short by {_points(option.get('shortfall'))}"
        fees = option.get("taxesAndFeesEstimate") or {}
        if fees.get("amount") is not None:
            line += f"; taxes and fees about {fees['amount']:,.2f} {fees.get('currency', 'USD')}"
        if option.get("pricing") == "dynamic_from":
            line += " (dynamic price: a typical minimum, verify it live before transferring)"
        lines.append(line)
    if result.get("summaryAdvice"):
        lines.append(str(result["summaryAdvice"]))
    return "\n".join(lines)


def _earnings_answer(result: dict[str, Any], v: Vocabulary) -> str:
    options = result.get("earningOptions") or []
    if not options:
        return "The knowledge I have has no earning rule for that flight."
    lines = ["What the flight earns:"]
    for option in options:
        earned = option["redeemableCurrency"]
        metrics = ", ".join(
            f"{_points(m['valueEarned'])} {m['name']}"
            for m in option.get("eliteQualifyingMetrics") or []
        )
        line = f"- {option['programName']}: {_points(earned['amountEarned'])} {earned['type']}"
        if metrics:
            line += f" and {metrics}"
        if all(s.get("ruleId") is None for s in option.get("segments") or []):
            line += " (no earning rule in the knowledge for this flight)"
        lines.append(line)
    notes = [n for o in options for n in o.get("calculationNotes") or []]
    if notes:
        lines.append("Notes: " + "; ".join(dict.fromkeys(notes)))
    return "\n".join(lines)


def _crediting_answer(result: dict[str, Any], v: Vocabulary) -> str:
    recommendations = result.get("recommendations") or []
    if not recommendations:
        return "The knowledge I have has no program these flights can be credited to."
    best = recommendations[0]
    name = v.program_names.get(best["programId"], best["programId"])
    text = f"Credit them to {name}"
    if best.get("tierReached"):
        text += f": you would reach {best['tierReached']}"
    text += "."
    if best.get("rationale"):
        text += f" {best['rationale']}"
    if result.get("summaryAdvice"):
        text += f"\n{result['summaryAdvice']}"
    return text


def _knowledge_answer(result: dict[str, Any], v: Vocabulary) -> str:
    answer = str(result.get("answer") or "").strip()
    if not answer:
        return "The knowledge I have does not say."
    sources = ", ".join(
        c.get("title") or c["documentId"]
        for c in result.get("citations") or []
        if c.get("documentId")
    )
    return answer + (f"\nSources: {sources}" if sources else "")


def _profile_answer(result: dict[str, Any], v: Vocabulary) -> str:
    lines = ["Saved. Your programs now:"]
    for membership in result.get("loyaltyPrograms") or []:
        balance = membership.get("redeemableBalance") or {}
        line = f"- {membership.get('programName') or membership['programId']}"
        if balance:
            line += f": {_points(balance.get('amount'))} {balance.get('currencyName', '')}".rstrip()
        if membership.get("statusTier"):
            line += f", status {membership['statusTier']}"
        lines.append(line)
    return "\n".join(lines)
