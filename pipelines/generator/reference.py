"""The demo MSP's fixed vocabulary, shared by the world, the renderers and the mapping files.

Client names, services (canonical categories with each system's own category values and
their billing codes), priorities and states per system, calendars and holidays, SLA
policies, technicians and monitoring alert kinds. The unmapped and unknown pools are the
values the mapping files deliberately leave out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

# --- clients ----------------------------------------------------------------------------

BRANDS = (
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Hooli",
    "Vandelay",
    "Contoso",
    "Fabrikam",
    "Northwind",
    "Tailspin",
    "Wingtip",
    "Litware",
    "Adatum",
    "Proseware",
    "Lucerne",
    "Alpine",
    "Coho",
    "Trey",
    "Wide World",
    "Margie",
    "Blue Yonder",
    "Fourth Coffee",
    "Graphic Design",
    "Humongous",
    "Woodgrove",
    "Cyberdyne",
    "Soylent",
    "Tyrell",
    "Wonka",
    "Gringotts",
    "Oceanic",
    "Pied Piper",
    "Massive Dynamic",
    "Dunder",
    "Sterling",
    "Bluth",
    "Kramerica",
    "Monarch",
    "Oscorp",
    "Aperture",
    "Black Mesa",
    "Gekko",
    "Nakatomi",
    "Prestige",
    "Sirius",
    "Virtucon",
    "Zorg",
    "Ollivander",
    "Krusty",
    "Duff",
    "Vehement",
    "Spacely",
    "Cogswell",
    "Rekall",
    "Weyland",
    "Yoyodyne",
    "Encom",
    "Dharma",
)

# (word, ServiceNow's long spelling, NinjaOne's short spelling)
LINES_OF_BUSINESS = (
    ("Co", "Company", "Co."),
    ("Logistics", "Logistics", "Log."),
    ("Health", "Healthcare", "Hlth."),
    ("Legal", "Legal Services", "Leg."),
    ("Foods", "Foods", "Fds."),
    ("Dental", "Dental Care", "Dent."),
    ("Architects", "Architects", "Arch."),
    ("Energy", "Energy", "Engy."),
    ("Partners", "Partners", "Ptnrs."),
    ("Realty", "Realty", "Rlty."),
    ("Motors", "Motors", "Mtrs."),
    ("Labs", "Laboratories", "Labs."),
    ("Media", "Media Group", "Med."),
    ("Finance", "Financial Services", "Fin."),
    ("Retail", "Retail", "Rtl."),
    ("Studios", "Studios", "Std."),
    ("Clinics", "Clinics", "Clin."),
    ("Freight", "Freight", "Frt."),
    ("Insurance", "Insurance", "Ins."),
    ("Consulting", "Consulting", "Cons."),
    ("Pharma", "Pharmaceuticals", "Ph."),
    ("Hotels", "Hotels", "Htl."),
    ("Schools", "Schools", "Sch."),
    ("Builders", "Builders", "Bldr."),
)

# region: (share of clients, business calendar, ServiceNow company suffix)
REGIONS = {
    "EU": (0.5, "business-eu", "B.V."),
    "US": (0.35, "business-us", "Inc."),
    "APAC": (0.15, "business-apac", "Pte Ltd"),
}

# --- assets -----------------------------------------------------------------------------

ASSET_NAMING_PATTERN = r"^(LAPTOP|DESKTOP|SERVER)-[A-Z]{2,4}-[0-9]{3}$"

# (asset class, share, NinjaOne node classes)
ASSET_CLASSES = (
    ("LAPTOP", 0.55, ("WINDOWS_WORKSTATION", "WINDOWS_WORKSTATION", "MAC")),
    ("DESKTOP", 0.30, ("WINDOWS_WORKSTATION",)),
    ("SERVER", 0.15, ("WINDOWS_SERVER", "LINUX_SERVER")),
)

# department code in the asset name -> the CMDB department
DEPARTMENTS = {
    "HR": "HR",
    "FIN": "Finance",
    "OPS": "Operations",
    "IT": "IT",
    "SAL": "Sales",
    "MKT": "Marketing",
    "LEG": "Legal",
    "ENG": "Engineering",
    "ADM": "Administration",
    "FAC": "Facilities",
    "CS": "Customer Service",
    "RND": "Research",
    "EXEC": "Executive",
    "WH": "Warehouse",
    "LAB": "Laboratory",
    "PR": "Public Relations",
}

# --- services: canonical categories and each system's values for them -------------------


@dataclass(frozen=True)
class Service:
    category: str
    """The canonical category."""
    department: str
    billing_code: str
    billable: bool
    hourly_rate: float
    cw_type: str | None = None
    cw_subtypes: tuple[str, ...] = ()
    cw_any_subtype: bool = False
    """categories.csv maps the ConnectWise type with an empty subcategory (any subtype)."""
    sn_category: str | None = None
    sn_subcategories: tuple[str, ...] = ()
    sn_any_subcategory: bool = True


IT_SERVICES = (
    Service(
        "Network Incident",
        "IT",
        "Network Engineering",
        True,
        165.0,
        "Network",
        ("Outage", "Slow Connection", "VPN"),
        False,
        "network",
        ("connectivity", "vpn", "wireless", "dns"),
    ),
    Service(
        "Hardware Incident",
        "IT",
        "Onsite Support",
        True,
        150.0,
        "Hardware",
        ("Laptop", "Printer", "Monitor"),
        False,
        "hardware",
        ("laptop", "printer", "monitor", "docking station"),
    ),
    Service(
        "Software Incident",
        "IT",
        "Remote Support",
        True,
        125.0,
        "Software",
        ("Application Error", "Installation", "Licensing"),
        False,
        "software",
        ("application", "operating system", "installation"),
    ),
    Service(
        "Security Incident",
        "IT",
        "Security Response",
        True,
        195.0,
        "Security",
        ("Phishing", "Malware"),
        False,
        "security",
        ("phishing", "malware", "account compromise"),
    ),
    Service(
        "Email Incident",
        "IT",
        "Email Support",
        True,
        125.0,
        "Email",
        ("Mailbox", "Delivery"),
        False,
        "email",
        ("mailbox", "delivery", "spam"),
    ),
    Service(
        "Password Reset",
        "IT",
        "Agreement Support",
        False,
        0.0,
        "Account",
        ("Password Reset",),
        False,
        "inquiry",
        ("password",),
        False,
    ),
)
MONITORING = Service(
    "Monitoring Alert", "IT", "Monitoring Response", True, 110.0, "Monitoring", (), True, "monitoring", ()
)
BILLABLE_IT_SERVICES = tuple(s for s in IT_SERVICES if s.billable)
PASSWORD_RESET = IT_SERVICES[-1]

# ServiceNow catalog items (requested items): cat_item display value -> service
CATALOG_ITEMS = (
    ("New User Account", Service("Access Request", "IT", "Provisioning", False, 0.0)),
    ("Mailbox Access", Service("Access Request", "IT", "Provisioning", False, 0.0)),
    ("Software Install Request", Service("Software Request", "IT", "Software Packaging", False, 0.0)),
    ("Standard Laptop", Service("Hardware Request", "IT", "Procurement", False, 0.0)),
)

# Jira Service Management projects: key -> (name, department, share of ESM requests)
JIRA_PROJECTS = {
    "HR": ("Human Resources", "HR", 0.3),
    "FIN": ("Finance", "Finance", 0.25),
    "FAC": ("Facilities", "Facilities", 0.25),
    "ITSD": ("IT Service Desk", "IT", 0.2),
}
JIRA_PROJECT_IDS = {key: str(10000 + i) for i, key in enumerate(JIRA_PROJECTS)}

# (project, request type, canonical category, needs approval)
JIRA_REQUEST_TYPES = (
    ("HR", "Onboard new hire", "Employee Onboarding", True),
    ("HR", "Offboard employee", "Employee Offboarding", False),
    ("HR", "Payroll question", "Payroll Inquiry", False),
    ("HR", "Update personal details", "HR Records", False),
    ("FIN", "Expense reimbursement", "Expense Claim", True),
    ("FIN", "Purchase request", "Procurement Request", True),
    ("FIN", "Invoice query", "Accounts Payable Inquiry", False),
    ("FAC", "Desk move", "Workplace Move", False),
    ("FAC", "Building access", "Building Access", False),
    ("FAC", "Repair request", "Facilities Repair", False),
    ("ITSD", "Get IT help", "IT Help Request", False),
    ("ITSD", "Request new software", "Software Request", False),
)

INTERNAL_ADMIN_CODE = "Internal Admin"
"""The billing code of internal time (charge codes): bills no category, not billable."""
CHARGE_CODES = ((7, "Admin Time"), (8, "Training"))

# Values the mapping files leave out (the unmapped_category and unknown_* defects).
UNMAPPED_CW_CATEGORIES = (("Account", "Other"), ("Project", "Quote"), ("Misc", "General"))
UNMAPPED_SN_CATEGORIES = (("inquiry", "general"), ("database", ""), ("facilities", "badge reader"))
UNMAPPED_CATALOG_ITEMS = ("Ergonomic Chair", "Conference Room AV")
UNMAPPED_JIRA_REQUEST_TYPES = {
    "HR": "Ask a question",
    "FIN": "Budget question",
    "FAC": "Parking permit",
    "ITSD": "Report a bug",
}
UNKNOWN_WORK_TYPES = ("After Hours Support", "Consulting", "Project Labor")

# --- priorities and states --------------------------------------------------------------

PRIORITIES = ("P1", "P2", "P3", "P4")
PRIORITY_SHARES = (0.05, 0.2, 0.5, 0.25)
CW_PRIORITIES = {
    "P1": "Priority 1 - Critical",
    "P2": "Priority 2 - High",
    "P3": "Priority 3 - Medium",
    "P4": "Priority 4 - Low",
}
SN_PRIORITIES = {"P1": ("1",), "P2": ("2",), "P3": ("3",), "P4": ("4", "5")}
JIRA_PRIORITIES = {"P1": ("Highest",), "P2": ("High",), "P3": ("Medium",), "P4": ("Low", "Lowest")}
UNKNOWN_PRIORITIES = {
    "connectwise": ("Priority 5 - Planning", "Emergency"),
    "servicenow": ("0", "6"),
    "jira": ("Blocker", "Critical"),
}

# clock -> each system's state (ServiceNow: the code; its label for display-value exports)
CW_STATUSES = {
    "new": "New",
    "open": "In Progress",
    "paused": "Waiting Customer",
    "resolved": "Resolved",
    "closed": "Closed",
    "canceled": "Cancelled",
}
SN_STATES = {"new": "1", "open": "2", "paused": "3", "resolved": "6", "closed": "7", "canceled": "8"}
SN_STATE_LABELS = {
    "1": "New",
    "2": "In Progress",
    "3": "On Hold",
    "6": "Resolved",
    "7": "Closed",
    "8": "Canceled",
}
# Labels of a real ServiceNow history export (the real exports the tests read), so the same states mapping serves it.
SN_EXPORT_LABELS = {
    "Active": "open",
    "Awaiting User Info": "paused",
    "Awaiting Vendor": "paused",
    "Awaiting Problem": "paused",
    "Awaiting Evidence": "paused",
}
JIRA_STATUSES = {
    "new": "Waiting for support",
    "open": "In Progress",
    "paused": "Waiting for customer",
    "resolved": "Resolved",
    "closed": "Closed",
    "canceled": "Canceled",
}
JIRA_AWAITING_APPROVAL = "Waiting for approval"
JIRA_DECLINED = "Declined"
JIRA_STATUS_CATEGORIES = {
    "new": ("new", "To Do", 2),
    "open": ("indeterminate", "In Progress", 4),
    "paused": ("indeterminate", "In Progress", 4),
    "resolved": ("done", "Done", 3),
    "closed": ("done", "Done", 3),
    "canceled": ("done", "Done", 3),
}

# --- calendars, holidays, SLAs ----------------------------------------------------------

# name: (IANA zone, {ISO weekday: ("HH:MM", "HH:MM")})
WEEKDAYS = range(1, 6)
CALENDARS = {
    "24x7": ("UTC", {d: ("00:00", "24:00") for d in range(1, 8)}),
    "business-eu": ("Europe/Amsterdam", {d: ("08:00", "18:00") for d in WEEKDAYS}),
    "business-us": ("America/New_York", {d: ("08:00", "17:00") for d in WEEKDAYS}),
    "business-apac": ("Asia/Singapore", {d: ("09:00", "18:00") for d in WEEKDAYS}),
}
SERVICE_DESK_CALENDAR = "business-eu"
"""The central service desk's calendar: the one the ServiceNow and Jira SLA policies count in."""


def _easter(year: int) -> date:
    """Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 (the algorithm's own name)
    m = (a + 11 * h + 22 * l) // 451
    month = (h + l - 7 * m + 114) // 31
    day = (h + l - 7 * m + 114) % 31 + 1
    return date(year, month, day)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th ISO weekday of a month; n = -1 for the last."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.isoweekday()) % 7 + 7 * (n - 1))
    last = (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)
    return last - timedelta(days=(last.isoweekday() - weekday) % 7)


def holidays(calendar: str, year: int) -> list[tuple[date, str, str | None, str | None]]:
    """(date, name, start, end) of one calendar's days off in a year; start and end None = whole day.

    Part days are afternoons off. Each business calendar also has a quarterly all-hands
    afternoon (the last Friday of January, April, July and October).
    """
    if calendar == "24x7":
        return []
    days: list[tuple[date, str, str | None, str | None]] = [(date(year, 1, 1), "New Year's Day", None, None)]
    if calendar == "business-eu":
        easter = _easter(year)
        days += [
            (easter - timedelta(days=2), "Good Friday", None, None),
            (easter + timedelta(days=1), "Easter Monday", None, None),
            (date(year, 4, 27), "King's Day", None, None),
            (easter + timedelta(days=39), "Ascension Day", None, None),
            (date(year, 12, 24), "Christmas Eve (afternoon)", "13:00", "18:00"),
            (date(year, 12, 25), "Christmas Day", None, None),
            (date(year, 12, 26), "Boxing Day", None, None),
            (date(year, 12, 31), "New Year's Eve (afternoon)", "14:00", "18:00"),
        ]
        all_hands = ("14:00", "18:00")
    elif calendar == "business-us":
        days += [
            (_nth_weekday(year, 1, 1, 3), "Martin Luther King Jr. Day", None, None),
            (_nth_weekday(year, 2, 1, 3), "Presidents' Day", None, None),
            (_nth_weekday(year, 5, 1, -1), "Memorial Day", None, None),
            (date(year, 7, 3), "Independence Day eve (afternoon)", "13:00", "17:00"),
            (date(year, 7, 4), "Independence Day", None, None),
            (_nth_weekday(year, 9, 1, 1), "Labor Day", None, None),
            (_nth_weekday(year, 11, 4, 4), "Thanksgiving", None, None),
            (
                _nth_weekday(year, 11, 4, 4) + timedelta(days=1),
                "Day after Thanksgiving (afternoon)",
                "12:00",
                "17:00",
            ),
            (date(year, 12, 24), "Christmas Eve (afternoon)", "12:00", "17:00"),
            (date(year, 12, 25), "Christmas Day", None, None),
        ]
        all_hands = ("13:00", "17:00")
    else:
        days += [
            (date(year, 5, 1), "Labour Day", None, None),
            (date(year, 8, 9), "National Day", None, None),
            (date(year, 12, 25), "Christmas Day", None, None),
            (date(year, 12, 31), "New Year's Eve (afternoon)", "14:00", "18:00"),
        ]
        all_hands = ("15:00", "18:00")
    days += [
        (_nth_weekday(year, month, 5, -1), "Quarterly all-hands (afternoon)", *all_hands)
        for month in (1, 4, 7, 10)
    ]
    return sorted(days)


# ServiceNow and Jira SLA targets in minutes: (response, resolution) per priority.
# P1 counts around the clock (24x7); the others in the service desk's calendar.
SN_TARGETS = {"P1": (15, 240), "P2": (60, 480), "P3": (240, 1440), "P4": (480, 2880)}
JIRA_TARGETS = {
    "HR": {"P1": (60, 480), "P2": (240, 1440), "P3": (480, 2400), "P4": (960, 4800)},
    "Finance": {"P1": (60, 480), "P2": (240, 1440), "P3": (480, 2880), "P4": (960, 4800)},
    "Facilities": {"P1": (30, 240), "P2": (120, 960), "P3": (480, 2400), "P4": (960, 4800)},
    "IT": {"P1": (15, 240), "P2": (60, 480), "P3": (240, 1440), "P4": (480, 2880)},
}
APPROVAL_TARGET_MINUTES = 960
"""The approval OLA for ESM requests that need approval (HR and Finance), per priority alike."""
PREMIUM_RESOLUTION_OVERRIDE = ("P2", 360)
"""A client-specific ServiceNow policy row: the first premium client's P2 resolution target."""


@dataclass(frozen=True)
class SlaPolicy:
    policy: str
    system: str
    department: str
    client_id: str
    priority: str
    metric: str
    target_minutes: int
    calendar: str


# ConnectWise SLAs: (id, name, basedOn, calendar or None); per priority (respond, plan, resolve) hours.
# ConnectWise SLAs: (id, name, basedOn, its custom calendar). `Custom` counts in the SLA's
# `customCalendar`, `AllHours` around the clock. The first is the default SLA (`defaultFlag`).
CW_SLAS = (
    (1, "Standard EU", "Custom", "business-eu"),
    (2, "Standard US", "Custom", "business-us"),
    (3, "Standard APAC", "Custom", "business-apac"),
    (4, "Premium 24x7", "AllHours", None),
)
# Targets per priority (respondHours, planWithin, resolutionHours): the SLA's priorities
# (service/SLAs/{id}/priorities). Premium lists no P4 target: its own hours, the SLA's
# defaults, apply to P4 and to a priority no SLA lists.
CW_SLA_HOURS = {"P1": (1.0, 2.0, 4.0), "P2": (2.0, 4.0, 8.0), "P3": (4.0, 8.0, 24.0), "P4": (8.0, 16.0, 48.0)}
CW_SLA_DEFAULT_HOURS = (8.0, 16.0, 48.0)
CW_SLA_UNLISTED = {(4, "P4")}


def cw_sla_hours(sla_id: int, vendor_priority: str) -> tuple[float, float, float]:
    """The targets a ConnectWise SLA gives a ticket of this (vendor) priority: its listed ones, else its own."""
    listed = {CW_PRIORITIES[p]: hours for p, hours in CW_SLA_HOURS.items() if (sla_id, p) not in CW_SLA_UNLISTED}
    return listed.get(vendor_priority, CW_SLA_DEFAULT_HOURS)
REGION_SLA = {"EU": 1, "US": 2, "APAC": 3}
PREMIUM_SLA = 4

# --- people and monitoring --------------------------------------------------------------

# (member id, identifier, name, work role)
TECHNICIANS = (
    (148, "jsmith", "Jordan Smith", "Service Desk Tier 1"),
    (152, "mgarcia", "Maria Garcia", "Service Desk Tier 2"),
    (163, "tnguyen", "Thanh Nguyen", "Service Desk Tier 2"),
    (171, "kjansen", "Kees Jansen", "Network Engineer"),
    (177, "aokafor", "Ada Okafor", "Systems Engineer"),
    (182, "lchen", "Li Chen", "Service Desk Tier 1"),
    (190, "rpatel", "Ravi Patel", "Security Analyst"),
    (204, "sbrown", "Sam Brown", "Field Technician"),
    (211, "evisser", "Eva Visser", "Systems Engineer"),
    (219, "dkim", "Daniel Kim", "Service Desk Tier 2"),
)
ASSIGNMENT_GROUPS = ("Service Desk", "Network Operations", "Endpoint Support", "Security Operations")

# (NinjaOne source name, subject, ConnectWise subtype, ServiceNow subcategory, severities)
ALERT_KINDS = (
    ("Disk Space", "Disk C: free space below 10%", "Disk Space", "disk space", ("MAJOR", "MODERATE")),
    ("CPU Utilization", "CPU above 95% for 15 minutes", "Performance", "performance", ("MODERATE", "MINOR")),
    (
        "Device Offline",
        "Device has not checked in for 10 minutes",
        "Offline",
        "availability",
        ("CRITICAL", "MAJOR"),
    ),
    ("Windows Service", "Service stopped: Print Spooler", "Service Down", "service", ("MAJOR", "MINOR")),
    ("Backup", "Backup job failed", "Backup Failed", "backup", ("MAJOR", "MODERATE")),
    ("Patch Management", "Patch installation failed", "Patching", "patching", ("MINOR", "MODERATE")),
)
SEVERITY_PRIORITY = {"CRITICAL": "P1", "MAJOR": "P2", "MODERATE": "P3", "MINOR": "P4"}
NINJA_PRIORITY = {"P1": "HIGH", "P2": "HIGH", "P3": "MEDIUM", "P4": "LOW"}

# --- the clients' staff: requesters and their personal data ------------------------------
# International names with accents, apostrophes, hyphens and particles. No technician's name
# can be drawn (people.py leaves those combinations out).

FIRST_NAMES = (
    "José",
    "Zoë",
    "Björn",
    "Anaïs",
    "Chloé",
    "François",
    "Jürgen",
    "Søren",
    "Łukasz",
    "Małgorzata",
    "Ingrid",
    "Émile",
    "Renée",
    "Noémie",
    "Raúl",
    "Inés",
    "Joaquín",
    "Sinéad",
    "Siobhán",
    "Seán",
    "Aoife",
    "Niamh",
    "Dmitri",
    "Olga",
    "Priya",
    "Arjun",
    "Ananya",
    "Wei",
    "Mei",
    "Hiroshi",
    "Yuki",
    "Min-jun",
    "Ji-woo",
    "Kwame",
    "Amara",
    "Chidi",
    "Fatima",
    "Omar",
    "Leila",
    "Yusuf",
    "Ayşe",
    "Elif",
    "Nikos",
    "Eleni",
    "Giulia",
    "Matteo",
    "Sofia",
    "Lars",
    "Astrid",
    "Henrik",
    "Freya",
    "Hannah",
    "Lukas",
    "Olivia",
    "Noah",
    "Isabel",
    "Tomás",
    "João",
    "Gonçalo",
    "Thảo",
    "Marguerite",
    "Bartholomew",
    "Rosalind",
    "Desmond",
)
LAST_NAMES = (
    "Müller",
    "O'Brien",
    "O'Connor",
    "D'Angelo",
    "N'Diaye",
    "Núñez",
    "Gonçalves",
    "Dvořák",
    "Kowalski",
    "Wiśniewska",
    "Nowak",
    "Søndergaard",
    "Ødegaard",
    "Björklund",
    "Lindqvist",
    "Nieminen",
    "Virtanen",
    "van der Berg",
    "de Vries",
    "Janssens",
    "Dubois",
    "Lefèvre",
    "Fournier",
    "Moreau",
    "Rossi",
    "Bianchi",
    "Esposito",
    "Papadopoulos",
    "Yılmaz",
    "Öztürk",
    "Haddad",
    "Mansour",
    "Al-Sayed",
    "Mensah",
    "Adeyemi",
    "Nwosu",
    "Okonkwo",
    "Sharma",
    "Iyer",
    "Krishnan",
    "Banerjee",
    "Tanaka",
    "Watanabe",
    "Nakamura",
    "Choi",
    "Wang",
    "Zhang",
    "Huang",
    "Tran",
    "Pham",
    "Santos",
    "Oliveira",
    "Fernández",
    "López",
    "Hernández",
    "Schröder",
    "Weiß",
    "Fischer",
    "Horváth",
    "Kovačević",
    "MacLeod",
    "McAllister",
    "Fitzgerald",
    "García-Márquez",
)

# region: (currency, phone number pattern with {a} and {b} four digits each, home addresses (street, city))
PERSONAL_DETAILS = {
    "EU": (
        "EUR",
        "+31 6 {a}{b}",
        (("Keizersgracht", "Amsterdam"), ("Rue Oberkampf", "Paris"), ("Kastanienallee", "Berlin")),
    ),
    "US": (
        "USD",
        "+1 212 555 {a}",
        (("Maple Avenue", "Brooklyn"), ("Elm Street", "Hoboken"), ("Lakeshore Drive", "Chicago")),
    ),
    "APAC": (
        "SGD",
        "+65 {a} {b}",
        (("Orchard Road", "Singapore"), ("Tiong Bahru Road", "Singapore"), ("Joo Chiat Place", "Singapore")),
    ),
}

# What HR requesters write about themselves, per request type (any other type: one of HR_OTHER_DETAILS).
# {date} a date soon after the request, {month} the month before it, {amount} a sum in the region's
# currency, {digits} four digits (of a bank account), {phone}, {street} {house}, {city}, {birth} a date
# of birth, and {count}, {floor}, {room}, {year} for the plainer requests below.
HR_DETAILS = {
    "Onboard new hire": "I start on {date} and still need my contract and payroll; my private phone is {phone}.",
    "Offboard employee": "My last working day is {date}; please pay my final salary into account ending {digits}.",
    "Payroll question": "My salary for {month} was {amount} short; my bank account ends in {digits}.",
    "Update personal details": "I moved to {street} {house}, {city}; please update my home address from {date}.",
}
HR_OTHER_DETAILS = (
    "My parental leave starts on {date}; please update my contract.",
    "I am on sick leave from {date}; my doctor's note follows by post.",
    "My date of birth in the HR system is wrong: it is {birth}.",
)
# The plainer requests of the other departments, per request type (any other type: REQUEST_OTHER).
REQUEST_SENTENCES = {
    "Expense reimbursement": "Please reimburse my travel expenses of {amount}.",
    "Purchase request": "Please order {count} new monitors for my team.",
    "Invoice query": "Supplier invoice {year}-{digits} has not been paid yet.",
    "Desk move": "Please move my desk to floor {floor}.",
    "Building access": "My badge no longer opens the entrance on floor {floor}.",
    "Repair request": "The heating in meeting room {room} does not work.",
    "Get IT help": "My laptop has been very slow since this morning.",
    "Request new software": "I need a licence for the diagramming tool.",
}
REQUEST_OTHER = "Could you help me with this, please?"

# The client that money without one is counted under in revenue and reconciliation (the dbt
# var unassigned_client_id's default): a work item none of whose tickets names a mapped client.
UNASSIGNED_CLIENT = "UNASSIGNED"
