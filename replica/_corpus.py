"""Deterministic article text for the replica: titles, paragraphs, authors and tags drawn from a seeded generator."""

from __future__ import annotations

import random
from dataclasses import dataclass

SECTIONS: dict[str, str] = {
    "afghanistan": "Afghanistan",
    "world": "World",
    "business": "Business",
    "sports": "Sports",
    "health": "Health",
    "immigration-news": "Immigration News",
}
"""Category slug → display name, in menu order."""

STAFF = ["Fatima Rahimi", "Ahmad Shah Noori", "Zahra Nader", "Khaama Press", "Sayed Habib Hashimi", "Mariam Alokozay"]
ORGANISATION = "Khaama Press"

PLACES = ["Kabul", "Herat", "Balkh", "Kandahar", "Nangarhar", "Badakhshan", "Bamyan", "Kunduz", "Ghazni", "Paktia"]
CITIES_ABROAD = ["Islamabad", "Tehran", "Doha", "Brussels", "Geneva", "Berlin", "Istanbul", "Tashkent", "Dushanbe"]
ORGS = [
    "the World Health Organization",
    "the UN Assistance Mission in Afghanistan",
    "the World Food Programme",
    "the International Committee of the Red Cross",
    "UNICEF",
    "the Asian Development Bank",
    "the International Organization for Migration",
]


@dataclass(frozen=True)
class _Frame:
    """One kind of story: title patterns, tags and paragraph patterns with named slots."""

    titles: tuple[str, ...]
    tags: tuple[str, ...]
    paragraphs: tuple[str, ...]


_FRAMES: dict[str, tuple[_Frame, ...]] = {
    "afghanistan": (
        _Frame(
            titles=(
                "Floods kill {n} people and destroy hundreds of homes in {place}",
                "Heavy rains leave {n} dead in {place}, officials say",
            ),
            tags=("Floods", "{place}", "Natural disasters"),
            paragraphs=(
                "Flash floods triggered by heavy rain have killed at least {n} people in {place} province, local "
                "officials said on {weekday}.",
                "The head of the provincial disaster management department said that {m} houses were destroyed and "
                "several hundred acres of farmland were washed away.",
                "Residents told reporters that the water arrived in the middle of the night, leaving families little "
                "time to reach higher ground.",
                "{org} said its teams had delivered tents, blankets and drinking water to the worst-hit villages.",
                "Aid agencies warn that the destruction of irrigation channels could cut this year's harvest in the "
                "province by as much as {pct} percent.",
                "Afghanistan is among the countries most exposed to the effects of climate change, and seasonal "
                "floods have grown more destructive in recent years.",
            ),
        ),
        _Frame(
            titles=(
                "Ministry announces reopening of {n} clinics in {place}",
                "{n} rural health centres resume work in {place} after funding gap",
            ),
            tags=("Health services", "{place}"),
            paragraphs=(
                "The Ministry of Public Health says {n} clinics closed last year for lack of funds have reopened in "
                "remote districts of {place}.",
                "A spokesman for the ministry said the centres will offer vaccinations, maternal care and treatment "
                "for malnutrition, serving an estimated {m} people.",
                "The clinics are financed for the next {k} months through a programme run with {org}.",
                "Health workers in the province say patients previously travelled for hours on foot to reach the "
                "nearest hospital.",
                "The ministry added that recruiting female health workers remains the most urgent challenge.",
            ),
        ),
    ),
    "world": (
        _Frame(
            titles=(
                "Foreign ministers meet in {city} to discuss regional security",
                "Regional envoys gather in {city} as talks on security resume",
            ),
            tags=("Diplomacy", "{city}", "Regional security"),
            paragraphs=(
                "Foreign ministers and special envoys from {k} countries met in {city} on {weekday} to discuss "
                "security and trade across the region.",
                "Participants said in a joint statement that stability in Afghanistan was essential for the "
                "economic development of its neighbours.",
                "The host country's foreign minister said the meeting had agreed to set up a working group on "
                "border trade and transit.",
                "Observers noted that the gathering was the {ordinal} of its kind this year.",
                "The next round of talks is expected to take place within {k} months.",
            ),
        ),
        _Frame(
            titles=(
                "{org_title} appeals for ${n} million in humanitarian aid",
                "Donors urged to close ${n} million gap, says {org_title}",
            ),
            tags=("Humanitarian aid", "Funding"),
            paragraphs=(
                "{org_title} has appealed for ${n} million to support its operations over the coming year.",
                "The agency said in a statement released in {city} that only {pct} percent of last year's appeal had "
                "been funded.",
                "Without new pledges, it warned, food rations would be cut for about {m} families.",
                "Officials described the situation as one of the largest humanitarian crises in the world.",
                "Several donor governments are expected to announce new contributions at a conference next month.",
            ),
        ),
    ),
    "business": (
        _Frame(
            titles=(
                "Exports through {crossing} rise by {pct} percent",
                "Traders report {pct} percent rise in exports via {crossing}",
            ),
            tags=("Trade", "Exports", "{crossing}"),
            paragraphs=(
                "Exports sent through {crossing} rose by {pct} percent in the last quarter, according to "
                "figures released by the Ministry of Industry and Commerce.",
                "Dried fruit, saffron and carpets accounted for most of the shipments, worth about ${n} million.",
                "Traders said shorter waiting times at border crossings had made the route more attractive.",
                "Economists caution that exports remain small compared with imports, leaving a large trade deficit.",
                "The chamber of commerce in {place} has asked for more cold-storage facilities to reduce losses.",
            ),
        ),
        _Frame(
            titles=(
                "Afghani gains against the dollar for the {ordinal} week",
                "Currency market steady as afghani firms",
            ),
            tags=("Economy", "Currency"),
            paragraphs=(
                "The afghani strengthened against the US dollar for the {ordinal} consecutive week, money changers "
                "in {place} said on {weekday}.",
                "One dollar was traded at {k}.{m2} afghanis in the Sarai Shahzada market in Kabul.",
                "Analysts attribute the stability to cash shipments of humanitarian aid and tight control of "
                "foreign currency.",
                "Business owners say the stronger currency has eased the cost of imported goods but hurt exporters.",
            ),
        ),
    ),
    "sports": (
        _Frame(
            titles=(
                "Afghanistan beat {rival} by {runs} runs in series opener",
                "Spinners lead Afghanistan to {runs}-run win over {rival}",
            ),
            tags=("Cricket", "Afghanistan national cricket team", "{rival}"),
            paragraphs=(
                "Afghanistan defeated {rival} by {runs} runs in the first match of the series on {weekday}.",
                "Batting first, Afghanistan posted {total} for {k} in their fifty overs, with the top order providing "
                "a solid platform.",
                "The spinners then took control, and {rival} were bowled out with {k} overs remaining.",
                "The captain praised the bowlers and said the team would not change a winning side.",
                "The second match of the series will be played on {weekday} at the same venue.",
            ),
        ),
        _Frame(
            titles=("Young athletes from {place} win {k} medals at regional games",),
            tags=("Athletics", "{place}"),
            paragraphs=(
                "A team of young athletes from {place} has returned home with {k} medals from the regional games "
                "held in {city}.",
                "Most of the medals were won in wrestling and taekwondo, the team's coach said.",
                "Families and fans gathered at the airport to welcome the athletes on {weekday}.",
                "Sports officials said they hoped the results would attract support for training facilities.",
            ),
        ),
    ),
    "health": (
        _Frame(
            titles=(
                "Polio vaccination campaign to reach {n} thousand children",
                "{n} thousand children to get polio drops",
            ),
            tags=("Polio", "Vaccination", "Children"),
            paragraphs=(
                "A {k}-day polio vaccination campaign begins on {weekday}, aiming to reach {n} thousand children "
                "under the age of five.",
                "Health officials said vaccinators will go to mosques, markets and health centres in {place} and "
                "neighbouring provinces.",
                "{org_title} said the campaign is part of a regional effort to stop transmission of the virus.",
                "Afghanistan and Pakistan are the last two countries where wild poliovirus is still endemic.",
                "Parents are urged to make sure every child receives the vaccine, even if already vaccinated before.",
            ),
        ),
        _Frame(
            titles=("Malnutrition cases rise in {place}, aid groups warn",),
            tags=("Malnutrition", "{place}", "Children"),
            paragraphs=(
                "The number of children treated for acute malnutrition in {place} has risen by {pct} percent "
                "compared with last year, aid groups say.",
                "Doctors at the provincial hospital said the nutrition ward is operating beyond its capacity of "
                "{k} beds.",
                "{org_title} said rising food prices and reduced aid were the main causes.",
                "Mobile health teams have been sent to districts where families cannot afford to travel.",
            ),
        ),
    ),
    "immigration-news": (
        _Frame(
            titles=(
                "{n} Afghan migrants return from Iran in a single day",
                "Over {n} Afghans return home via Islam Qala",
            ),
            tags=("Migrants", "Iran", "Returnees"),
            paragraphs=(
                "More than {n} Afghan migrants returned from Iran on {weekday} through the Islam Qala and Milak "
                "crossings, officials said.",
                "Most of the returnees were deported, according to {org}, which provides assistance at the border.",
                "Returnees described long journeys and said they had been given little time to collect their "
                "belongings.",
                "Officials in Herat said temporary shelters near the border had been expanded to house {m} people.",
                "Humanitarian groups have called on neighbouring countries to halt forced returns.",
            ),
        ),
        _Frame(
            titles=("Afghan refugees in {host} face new residency rules",),
            tags=("Refugees", "{host}"),
            paragraphs=(
                "Afghan refugees living in {host} say new residency rules have left thousands uncertain about their "
                "future.",
                "Under the rules, refugees must renew their documents within {k} weeks or face fines.",
                "Community representatives said many families cannot afford the fees and have asked for an extension.",
                "{org_title} said it was in contact with the authorities to clarify the procedure.",
            ),
        ),
    ),
}

_RIVALS = ["Zimbabwe", "Ireland", "Bangladesh", "the Netherlands", "Scotland", "Oman", "Nepal"]
_CROSSINGS = [
    "the Torkham crossing",
    "the Hairatan port",
    "the Islam Qala crossing",
    "the Spin Boldak crossing",
    "the Lapis Lazuli corridor",
    "Kabul's air corridor",
]
_HOSTS = ["Islamabad", "Tehran", "Istanbul", "Dushanbe", "Karachi", "Mashhad", "Peshawar"]
_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_ORDINALS = ["second", "third", "fourth", "fifth", "sixth"]


@dataclass(frozen=True)
class Draft:
    """Generated text of one article, before the site gives it an id, dates and a slug."""

    section: str
    title: str
    authors: tuple[str, ...]
    tags: tuple[str, ...]
    paragraphs: tuple[str, ...]


def draft(rng: random.Random, section: str) -> Draft:
    """One article of ``section`` (a category slug) drawn from ``rng``."""
    frame = rng.choice(_FRAMES[section])
    org = rng.choice(ORGS)
    slots = {
        "n": rng.randint(12, 980),
        "m": rng.randint(120, 9800),
        "m2": rng.randint(10, 99),
        "k": rng.randint(3, 12),
        "pct": rng.randint(6, 64),
        "place": rng.choice(PLACES),
        "city": rng.choice(CITIES_ABROAD),
        "org": org,
        "org_title": org[0].upper() + org[1:],
        "rival": rng.choice(_RIVALS),
        "runs": rng.randint(9, 160),
        "total": rng.randint(220, 330),
        "crossing": rng.choice(_CROSSINGS),
        "host": rng.choice(_HOSTS),
        "weekday": rng.choice(_WEEKDAYS),
        "ordinal": rng.choice(_ORDINALS),
    }
    paragraphs = tuple(p.format(**slots) for p in frame.paragraphs)
    title = rng.choice(frame.titles).format(**slots)
    title = title[0].upper() + title[1:]
    tags = tuple(tag.format(**slots) for tag in frame.tags)
    return Draft(section, title, (rng.choice(STAFF),), tags, paragraphs)


SEED_ARTICLE = Draft(
    section="world",
    title="NATO, US to decide troops pullout as an Alliance: Blinken",
    authors=(ORGANISATION,),
    tags=("Antony Blinken", "NATO", "US troops"),
    paragraphs=(
        "US Secretary of State Antony Blinken said on Tuesday that any withdrawal of American troops from "
        "Afghanistan would be decided together with NATO allies.",
        "Speaking to reporters in Brussels alongside NATO Secretary-General Jens Stoltenberg, he said a review of "
        "the withdrawal deadline was still under way and that no decision would be taken without the allies.",
        "Blinken said Washington wanted to rebuild and revitalise the alliance, and would share its initial "
        "findings on Afghanistan with the other members.",
        "“We went in together, we adjusted together and when the time is right we will leave together,” Blinken "
        "said, calling “together” the common theme of the mission.",
        "Stoltenberg said the peace talks remained fragile but were the only path to a lasting settlement, and "
        "that all parties had to negotiate in good faith.",
        "He added that the Taliban had to reduce violence and cut ties with international terrorist groups.",
    ),
)
SEED_ID = 54353566
SEED_SLUG = "nato-us-to-decide-troops-pullout-as-an-alliance-blinken"

# Typographic quotes are part of the test: real WordPress text is full of them.
DARI_ARTICLE = Draft(
    section="afghanistan",
    title="Girls’ schools in Kabul: “We want to learn” — students speak out",  # noqa: RUF001
    authors=("Zahra Nader", "Sayed Habib Hashimi"),
    tags=("Education", "Girls’ education", "کابل"),  # noqa: RUF001
    paragraphs=(
        "Students in Kabul gathered outside closed school gates on Saturday, holding signs that read "
        "«ما میخواهیم درس بخوانیم» — “we want to study” in Dari.",
        "Maryam Sâdât, a seventeen-year-old student, said she had been out of school for almost three years and "
        "was teaching her younger sisters at home.",
        "“هر روز امیدوار هستیم که مکتبها باز شوند,” said her mother, Rōya, adding that every day the family "
        "hopes the schools will reopen.",
        "Education activists say secret home classes have spread across the city, but cannot replace a school diploma.",
        "The UN has repeatedly called for the ban on secondary education for girls to be lifted.",
    ),
)
