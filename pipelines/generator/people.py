"""The clients' staff: who raised each ticket, and the personal data that puts in its records.

Each client gets a pool of people: a stable `person_id`, an international full name (accents,
apostrophes, particles), an e-mail address `first.last@` a domain made from the client's name,
a ConnectWise contact id and an Atlassian account id. Every ticket has one requester: a
ServiceNow ticket's is the person behind its caller_id (each of the client's callers is one of
its people); the other tickets of a work item share its first ServiceNow ticket's requester,
else one drawn from the pool. Each ticket also gets the requester's free text: Jira HR requests
carry a personal detail (a leave date, a home address, a bank account's last digits).

Every draw here comes from a random.Random of its own, derived from the seed (like the malformed
records'), so the world's main sequence, and every truth file that does not list people, is the
same with or without them.
"""

from __future__ import annotations

import hashlib
import random
import re
import unicodedata
from datetime import date, timedelta

from pipelines.generator import reference
from pipelines.generator.truth import Truth
from pipelines.generator.world import Client, Person, Ticket, WorkItem

FIRST_CONTACT_ID = 2001
"""ConnectWise contact ids are numbered from here, across all clients."""
# Letters NFKD does not take apart into an ASCII letter and accents.
FOLDED = str.maketrans(
    {"ß": "ss", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "æ": "ae", "Æ": "AE", "œ": "oe", "đ": "d", "ı": "i"}
)


def ascii_fold(text: str) -> str:
    """`José Müller` -> `Jose Muller`; what is left that is not ASCII is dropped."""
    decomposed = unicodedata.normalize("NFKD", text.translate(FOLDED))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).encode("ascii", "ignore").decode()


def email_domain(client: Client) -> str:
    """`Cyberdyne Studios` -> `cyberdyne-studios.example`."""
    return re.sub(r"[^a-z0-9]+", "-", ascii_fold(client.name).lower()).strip("-") + ".example"


def local_part(name: str) -> str:
    """A name in an e-mail address: lowercase ASCII, letters, digits and hyphens (`O'Brien` -> `obrien`)."""
    return re.sub(r"[^a-z0-9-]", "", ascii_fold(name).lower())


class People:
    """The people of every client; `assign` gives a work item's tickets their requester and text."""

    def __init__(self, seed: int, clients: list[Client], truth: Truth):
        self.rng = random.Random(f"{seed}:people")
        self.truth = truth
        self.listed: set[str] = set()
        """The person_ids already in people.csv."""
        self._build(clients)

    def _build(self, clients: list[Client]) -> None:
        rng = self.rng
        technicians = {name for _, _, name, _ in reference.TECHNICIANS}
        combinations = len(reference.FIRST_NAMES) * len(reference.LAST_NAMES)
        names_taken: set[str] = set()
        ids_taken: set[str] = set()
        contact_id = FIRST_CONTACT_ID
        for client in clients:
            domain = email_domain(client)
            names, locals_ = set(), set()
            for _ in range(max(6, round(client.size * rng.randint(12, 24)))):
                while True:
                    first, last = rng.choice(reference.FIRST_NAMES), rng.choice(reference.LAST_NAMES)
                    name, local = f"{first} {last}", f"{local_part(first)}.{local_part(last)}"
                    # unique in the client (name and address); across clients while half the names are free
                    if name in technicians or name in names or local in locals_:
                        continue
                    if name not in names_taken or len(names_taken) >= combinations // 2:
                        break
                person_id = f"P-{rng.getrandbits(32):08x}"
                while person_id in ids_taken:
                    person_id = f"P-{rng.getrandbits(32):08x}"
                names.add(name)
                locals_.add(local)
                names_taken.add(name)
                ids_taken.add(person_id)
                client.people.append(
                    Person(
                        person_id=person_id,
                        client=client,
                        first_name=first,
                        last_name=last,
                        email=f"{local}@{domain}",
                        cw_contact_id=contact_id,
                        jira_account_id=hashlib.md5(f"atlassian {person_id}".encode()).hexdigest()[:24],
                    )
                )
                contact_id += 1
            client.caller_people = tuple(rng.sample(client.people, len(client.callers)))

    def assign(self, wi: WorkItem) -> None:
        """Each ticket's requester and free text, and their rows of requesters.csv and people.csv."""
        client = wi.client
        first_sn = next((t for t in wi.tickets if t.system == "servicenow"), None)
        shared = client.caller_people[first_sn.caller_index] if first_sn else self.rng.choice(client.people)
        for t in wi.tickets:
            person = client.caller_people[t.caller_index] if t.system == "servicenow" else shared
            t.requester = person
            t.description = self._describe(t, person)
            self.truth.add("requesters.csv", [t.ticket_id, person.person_id])
            if person.person_id not in self.listed:
                self.listed.add(person.person_id)
                self.truth.add("people.csv", [person.person_id, client.client_id, person.full_name, person.email])

    def _describe(self, t: Ticket, p: Person) -> str:
        name, email = p.full_name, p.email
        if t.system == "jira":
            return self._jira_text(t, p)
        if t.entity == "sc_req_item":
            return f"{t.summary} for {name} ({email})."
        if t.system == "servicenow":
            if t.source == "monitoring":
                return f"Raised by monitoring: {t.summary}. Affected user: {name} ({email})."
            return f"{name} ({email}) reports: {t.summary}."
        if t.source == "RMM":
            return f"Created from a NinjaOne alert: {t.summary}. Site contact: {name}."
        if t.source == "Integration":
            return f"Mirrored from ServiceNow: {t.summary}. Caller: {name}."
        return f"{name} reports by {t.source.lower()}: {t.summary}."

    def _jira_text(self, t: Ticket, p: Person) -> str:
        """HR: a personal detail in the requester's words; the other departments: a plainer request."""
        rng = self.rng
        project, request_type = t.category
        currency, phone, addresses = reference.PERSONAL_DETAILS[t.client.region]
        opened = t.opened.date()
        street, city = rng.choice(addresses)
        values = {
            "date": (opened + timedelta(days=rng.randint(7, 60))).isoformat(),
            "month": f"{opened.replace(day=1) - timedelta(days=1):%B %Y}",
            "amount": f"{currency} {rng.randint(2000, 60000) / 100:.2f}",
            "digits": f"{rng.randrange(10000):04d}",
            "phone": phone.format(a=f"{rng.randrange(10000):04d}", b=f"{rng.randrange(10000):04d}"),
            "street": street,
            "house": rng.randint(1, 199),
            "city": city,
            "birth": date(rng.randint(1962, 2004), rng.randint(1, 12), rng.randint(1, 28)).isoformat(),
            "count": rng.randint(2, 6),
            "floor": rng.randint(1, 9),
            "room": f"{rng.randint(1, 9)}.{rng.randint(1, 30):02d}",
            "year": opened.year,
        }
        if project == "HR":
            detail = reference.HR_DETAILS.get(request_type) or rng.choice(reference.HR_OTHER_DETAILS)
            return f"Hi, {p.full_name} here ({p.email}). {detail.format(**values)}"
        sentence = reference.REQUEST_SENTENCES.get(request_type, reference.REQUEST_OTHER)
        return f"Hello, this is {p.full_name}. {sentence.format(**values)}"

    @property
    def count(self) -> int:
        """The people listed in people.csv: those who appear in some record."""
        return len(self.listed)
