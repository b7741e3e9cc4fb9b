"""Deterministic demo data shaped like the priority-1 service-quality study.

Priority-1 customers get a clearly higher ticket follow-up rate and lower ticket satisfaction
than the rest; legal consultation is the weaker service type; data analysis dips in one month.
Everything is drawn from one seeded numpy generator, so the same seed gives the same data
(relative to the day it runs: the twelve months end today).
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, models, transaction
from django.utils import timezone

from core import roles
from satisfaction.crm.models import Contact, Contract, Customer, ServiceType
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.helpdesk.models import Complaint, ServiceTicket
from satisfaction.text.services import text_rebuild


@dataclass(frozen=True)
class Scale:
    customers: int
    priority1_customers: int
    tickets_p1: int
    tickets_other: int
    complaints_p1: int
    complaints_other: int
    records: int


SCALES = {
    # 527 customers, exactly 105 of them with a priority-1 contact, as in the study.
    "default": Scale(527, 105, 60, 360, 40, 210, 7_300),
    "large": Scale(10_000, 2_000, 30_000, 170_000, 8_000, 42_000, 1_000_000),
}

BATCH = 5_000
INDUSTRIES = ["Finance", "Manufacturing", "Retail", "Healthcare", "Energy", "Logistics", "Technology", "Public sector"]
NAME_PARTS = ["Hua", "Xin", "Tai", "Ming", "Guo", "Yuan", "Long", "Feng", "Jin", "Da", "Hong", "Rui", "Kang", "Sheng"]
SUFFIXES = ["Holdings", "Group", "Technologies", "Industries", "Partners", "Trading", "Logistics", "Capital"]
AGENTS = ["Li Wei", "Wang Fang", "Zhang Min", "Liu Yang", "Chen Jie", "Zhao Lei", "Sun Li", "Zhou Tao"]
# Handlers differ, as real ones do: a shift of the ticket rating per agent (strong, average, weak), and two new
# hires who handle only every 97th / 131st ticket, so the Agents page has people below the ranking minimum.
AGENT_RATING_SHIFT = np.array([0.45, 0.25, 0.0, -0.1, -0.55, 0.1, 0.0, -0.2, 0.3, -0.6])
NEW_HIRES = {97: "Wu Hao", 131: "Qian Yu"}
TICKET_AGENTS = [*AGENTS, *NEW_HIRES.values()]
# (p satisfied, mean response hours) per service type: legal consultation is the weaker one.
SERVICE_PROFILE = {
    "data_analysis": (0.90, 10.0),
    "legal_consultation": (0.78, 20.0),
    "document_review": (0.92, 8.0),
}
DIP_SERVICE, DIP_MONTHS_AGO = "data_analysis", 4
FEEDBACK = {
    "high": [
        "Excellent work, fast and precise.",
        "非常满意，响应及时。",
        "Clear report, thank you.",
        "专业、准确，值得信赖。",
        "The consultant was patient and explained everything clearly.",
        "报告内容完整，图表清楚易懂。",
        "服务态度很好，耐心解答了所有问题。",
        "Quick reply and a very professional team.",
        "",
    ],
    "mid": [
        "Good overall, some delays.",
        "整体不错，但沟通可以更及时。",
        "Fine, but needed one more round.",
        "报告还可以，个别数据需要再核对。",
        "OK, but the invoice took a while to arrive.",
        "内容基本完整，交付比约定晚了两天。",
        "Logging in to the client portal is clumsy; the download failed twice.",
        "客户门户登录麻烦，下载文件失败。",
        "",
    ],
    "low": [
        "Took far too long.",
        "结果不准确，需要返工。",
        "Nobody followed up on my question.",
        "多次催促才有回复，不满意。",
        "The report had errors and several sections were missing.",
        "费用比报价高，账单也算错了。",
        "Rude staff, nobody took ownership.",
        "审查意见很笼统，没有实际帮助。",
        "Could not log in to the client portal to download the files.",
        "门户网站一直登录不了，文件下载不了。",
    ],
}
# The demo's known problems speak in the comments too: slow legal consultation, priority-1 follow-ups.
SERVICE_FEEDBACK = {
    ("legal_consultation", "low"): [
        "律师回复太慢，等了三天才有答复。",
        "The lawyer took a week to reply; far too slow for an urgent contract.",
        "法律咨询响应太慢，耽误了签约时间。",
        "Waited days for the legal opinion.",
    ],
    ("legal_consultation", "mid"): ["律师意见专业，但回复太慢。", "Good advice, but the response time was slow."],
    ("data_analysis", "low"): ["数据分析结论和实际不符，数据有错误。", "The analysis numbers were inconsistent."],
}
P1_FEEDBACK = {
    "low": [
        "第二次跟进了还是没有解决，又要重新说明情况。",
        "Third follow-up on the same issue and it is still open.",
        "同一个问题反复跟进好几次，转了三个人。",
        "We had to chase them again and again.",
    ],
    "mid": ["问题解决了，但需要二次跟进。", "Resolved after a second follow-up."],
}


@dataclass
class SeedReport:
    counts: dict = field(default_factory=dict)
    seconds: float = 0.0
    users: dict = field(default_factory=dict)  # username → password, only when demo users were created


class DemoDataExists(Exception):
    """Raised when seeding would mix demo data into a database that already has data."""


def seed_demo(*, seed: int = 42, scale: str = "default", reset: bool = False, create_users: bool = True,
              log=lambda msg: None) -> SeedReport:  # fmt: skip
    """Fill the database with demo data; refuses a non-empty database unless `reset`."""
    sizes = SCALES[scale]
    started = time.perf_counter()
    if Customer.objects.exists():
        if not reset:
            raise DemoDataExists(
                "The database already has customers; seed_demo changed nothing. "
                "Use --reset to wipe the domain data first."
            )
        log("Wiping existing domain data …")
        wipe_domain_data()

    rng = np.random.default_rng(seed)
    report = SeedReport()
    users = ensure_demo_users() if create_users else {}
    report.users = users
    staff_user = get_user_model().objects.filter(username="staff").first()
    today = timezone.localdate()
    start = today - dt.timedelta(days=365)
    service_types = {st.code: st for st in ServiceType.objects.filter(code__in=SERVICE_PROFILE)}

    with transaction.atomic():
        log(f"Customers and contacts ({sizes.customers}) …")
        customer_ids, is_p1 = _create_customers(rng, sizes, start)
        log("Contracts …")
        contracts = _create_contracts(rng, customer_ids, is_p1, service_types, start)
        log(f"Tickets ({sizes.tickets_p1 + sizes.tickets_other}) …")
        _create_tickets(rng, sizes, contracts, start, today)
        log(f"Complaints ({sizes.complaints_p1 + sizes.complaints_other}) …")
        _create_complaints(rng, sizes, contracts, start, today)
        log(f"Satisfaction records ({sizes.records}) …")
        _create_records(rng, sizes, contracts, service_types, start, today, staff_user)
        log("Text analysis of the comments …")
        text_rebuild()

    report.counts = {
        "customers": Customer.objects.count(),
        "priority-1 customers": Customer.objects.in_segment(1).count(),
        "contacts": Contact.objects.count(),
        "contracts": Contract.objects.count(),
        "tickets": ServiceTicket.objects.count(),
        "complaints": Complaint.objects.count(),
        "satisfaction records": SatisfactionRecord.objects.count(),
    }
    report.seconds = time.perf_counter() - started
    return report


def ensure_demo_users() -> dict:
    """Create the demo users `admin`, `manager`, `staff` with fresh random passwords; returns the new ones."""
    roles.sync_role_groups()
    User = get_user_model()
    created = {}
    for username, group, superuser in (
        ("admin", None, True),
        ("manager", roles.MANAGER, False),
        ("staff", roles.STAFF, False),
    ):
        if User.objects.filter(username=username).exists():
            continue
        password = secrets.token_urlsafe(9)
        user = User.objects.create_user(
            username=username, password=password, email=f"{username}@example.com",
            is_staff=superuser, is_superuser=superuser,
        )  # fmt: skip
        if group:
            user.groups.add(Group.objects.get(name=group))
        created[username] = password
    return created


DEMO_USERNAMES = ("admin", "manager", "staff")
# Passwords anybody would try first on a demo login; production refuses to start while one of them works.
KNOWN_DEMO_PASSWORDS = ("admin", "manager", "staff", "password", "demo", "changeme", "satisfaction", "123456")


def users_with_known_demo_passwords() -> list[str]:
    """Usernames of active demo users and superusers whose password is a known demo one (or their own name).

    Bounded work: only those few accounts are checked, each against a short list.
    """
    User = get_user_model()
    candidates = User.objects.filter(is_active=True).filter(
        models.Q(username__in=DEMO_USERNAMES) | models.Q(is_superuser=True)
    )[:50]
    return [
        user.username
        for user in candidates
        if any(user.check_password(guess) for guess in (*KNOWN_DEMO_PASSWORDS, user.username))
    ]


def wipe_domain_data() -> None:
    """Delete all domain rows (not users, service types, targets or text topics) with plain SQL: fast at 1M rows."""
    from django.apps import apps

    keep = {"servicetype", "satisfactiontarget", "topic"}
    models = [m for m in apps.get_app_config("satisfaction").get_models() if m._meta.model_name not in keep]
    analytics = list(apps.get_app_config("analytics").get_models())
    # Children before parents; repeat until every table is empty to respect foreign keys in any order.
    pending = analytics + models
    with transaction.atomic(), connection.cursor() as cursor:
        for _ in range(len(pending)):
            remaining = []
            for model in pending:
                try:
                    with transaction.atomic():
                        cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
                except Exception:  # noqa: BLE001 - a parent table is still referenced; retry after its children
                    remaining.append(model)
            if not remaining:
                break
            pending = remaining
        cursor.execute("DELETE FROM auditlog_logentry")


def _aware(day: dt.date, seconds) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=int(seconds)))


def _not_later(moment: dt.datetime, now: dt.datetime) -> dt.datetime:
    """A record stamped later today than the clock is moved to the day before (same time of day)."""
    return moment if moment <= now else moment - dt.timedelta(days=1)


def _ending_by(begin: dt.datetime, hours: float, now: dt.datetime) -> dt.datetime:
    """`begin`, moved earlier if a case lasting `hours` from it would end after `now`: demo data is never ahead
    of the clock, and the case keeps its duration."""
    end = begin + dt.timedelta(hours=hours)
    return begin if end <= now else begin - (end - now) - dt.timedelta(hours=1)


def _bulk(model, objs, batch=BATCH):
    model.objects.bulk_create(objs, batch_size=batch)


def _create_customers(rng, sizes: Scale, start: dt.date):
    n = sizes.customers
    is_p1 = np.zeros(n, dtype=bool)
    is_p1[rng.choice(n, size=sizes.priority1_customers, replace=False)] = True
    names = rng.integers(0, len(NAME_PARTS), size=(n, 2))
    suffix = rng.integers(0, len(SUFFIXES), size=n)
    industry = rng.integers(0, len(INDUSTRIES), size=n)
    tiers = rng.choice(["strategic", "key", "standard", "basic"], size=n, p=[0.1, 0.25, 0.45, 0.2])
    created_days = rng.integers(365, 3 * 365, size=n)
    customers = [
        Customer(
            external_id=f"C{i + 1:06d}",
            name=f"{NAME_PARTS[names[i, 0]]}{NAME_PARTS[names[i, 1]].lower()} {SUFFIXES[suffix[i]]} {i + 1}",
            industry=INDUSTRIES[industry[i]],
            tier=tiers[i],
            created_at=_aware(start - dt.timedelta(days=int(created_days[i])), 9 * 3600),
        )
        for i in range(n)
    ]
    _bulk(Customer, customers)
    ids = list(Customer.objects.order_by("external_id").values_list("id", flat=True))

    contacts = []
    n_contacts = rng.integers(1, 4, size=n)
    for i, cid in enumerate(ids):
        for k in range(n_contacts[i]):
            priority = 1 if (is_p1[i] and k == 0) else int(rng.integers(2, 6))
            contacts.append(
                Contact(
                    external_id=f"P{i + 1:06d}-{k + 1}",
                    customer_id=cid,
                    name=f"Contact {i + 1}-{k + 1}",
                    contact_priority=priority,
                    email=f"contact{i + 1}.{k + 1}@example.com",
                    phone=f"+86 10 {8000_0000 + i * 3 + k}",
                    language="en" if rng.random() < 0.3 else "zh-hans",
                )
            )
    _bulk(Contact, contacts)
    return np.array(ids), is_p1


def _create_contracts(rng, customer_ids, is_p1, service_types, start):
    """1–3 contracts per customer with distinct service types; returns arrays describing them."""
    codes = list(SERVICE_PROFILE)
    contracts = []
    meta = []  # (customer_id, is_p1, service code)
    for i, cid in enumerate(customer_ids):
        k = int(rng.integers(1, 4))
        for code in rng.choice(codes, size=k, replace=False):
            begin = start - dt.timedelta(days=int(rng.integers(0, 720)))
            contracts.append(
                Contract(
                    external_id=f"K{len(contracts) + 1:07d}",
                    customer_id=int(cid),
                    number=f"HT-{begin.year}-{len(contracts) + 1:06d}",
                    service_type=service_types[code],
                    start_date=begin,
                    end_date=begin + dt.timedelta(days=int(rng.integers(540, 1460))),
                    value=Decimal(int(rng.integers(50, 2000)) * 1000),
                )
            )
            meta.append((int(cid), bool(is_p1[i]), str(code)))
    _bulk(Contract, contracts)
    ids = list(Contract.objects.order_by("external_id").values_list("id", flat=True))
    return {
        "id": np.array(ids),
        "customer": np.array([m[0] for m in meta]),
        "p1": np.array([m[1] for m in meta]),
        "code": np.array([m[2] for m in meta]),
    }


def _pick(rng, contracts, p1: bool, size: int):
    pool = np.flatnonzero(contracts["p1"] == p1)
    return pool[rng.integers(0, len(pool), size=size)]


def _times(rng, size, start, today):
    days = rng.integers(0, (today - start).days, size=size)
    secs = rng.integers(8 * 3600, 20 * 3600, size=size)
    return [_aware(start + dt.timedelta(days=int(d)), s) for d, s in zip(days, secs, strict=True)]


def _levels(rng, size):
    return rng.choice(["high", "medium", "low"], size=size, p=[0.33, 0.34, 0.33])


def _create_tickets(rng, sizes, contracts, start, today):
    # Priority-1: ~70% follow-ups and satisfaction ≈ 2.6; the rest: ~49% and ≈ 3.2 (the study's shape).
    for p1, n, follow_p, hours_mean in ((True, sizes.tickets_p1, 0.70, 32.9), (False, sizes.tickets_other, 0.49, 35.9)):
        for offset in range(0, n, BATCH):
            m = min(BATCH, n - offset)
            idx = _pick(rng, contracts, p1, m)
            follow = rng.random(m) < follow_p
            hours = np.round(rng.gamma(2.0, hours_mean / 2.0, size=m), 1)
            base = np.where(follow, 2.4, 3.6) - (0.35 if p1 else 0.0)
            noise = rng.normal(base, 1.0)
            rated = rng.random(m) < 0.9
            opened = _times(rng, m, start, today)
            now = timezone.now()
            opened = [_ending_by(opened[j], float(hours[j]), now) for j in range(m)]
            urg, prio = _levels(rng, m), _levels(rng, m)
            agents = rng.integers(0, len(AGENTS), size=m)
            for every, name in NEW_HIRES.items():
                agents = np.where((offset + np.arange(m)) % every == 0, TICKET_AGENTS.index(name), agents)
            sat = np.clip(np.rint(noise + AGENT_RATING_SHIFT[agents]), 1, 5).astype(int)
            _bulk(
                ServiceTicket,
                [
                    ServiceTicket(
                        external_id=f"T{'P' if p1 else 'O'}{offset + j + 1:07d}",
                        contract_id=int(contracts["id"][idx[j]]),
                        opened_at=opened[j],
                        closed_at=opened[j] + dt.timedelta(hours=float(hours[j])),
                        handling_hours=float(hours[j]),
                        urgency=urg[j],
                        ticket_priority=prio[j],
                        satisfaction=int(sat[j]) if rated[j] else None,
                        follow_up=bool(follow[j]),
                        agent_name=TICKET_AGENTS[agents[j]],
                    )
                    for j in range(m)
                ],
            )


def _create_complaints(rng, sizes, contracts, start, today):
    # Priority-1: fewer escalations (≈5.6% vs 9.5%), slightly lower satisfaction; long calendar-time tails.
    for p1, n, esc_p, sat_mean in (
        (True, sizes.complaints_p1, 0.056, 3.0),
        (False, sizes.complaints_other, 0.095, 3.11),
    ):
        for offset in range(0, n, BATCH):
            m = min(BATCH, n - offset)
            idx = _pick(rng, contracts, p1, m)
            filed = _times(rng, m, start, today)
            response = np.round(rng.lognormal(np.log(20 if p1 else 24), 1.1, size=m), 1)
            resolution = np.round(response + rng.lognormal(np.log(60), 1.0, size=m), 1)
            escalated = rng.random(m) < esc_p
            sat = np.clip(np.rint(rng.normal(sat_mean, 1.1, size=m)), 1, 5).astype(int)
            open_ = rng.random(m) < 0.05
            speed = rng.choice(["fast", "normal", "slow"], size=m, p=[0.3, 0.45, 0.25])
            urg = _levels(rng, m)
            agents = rng.integers(0, len(AGENTS), size=m)
            now = timezone.now()
            last = np.where(open_, response, np.maximum(response, resolution))
            filed = [_ending_by(filed[j], float(last[j]), now) for j in range(m)]
            objs = []
            for j in range(m):
                resolved = None if open_[j] else filed[j] + dt.timedelta(hours=float(resolution[j]))
                objs.append(
                    Complaint(
                        external_id=f"S{'P' if p1 else 'O'}{offset + j + 1:07d}",
                        contract_id=int(contracts["id"][idx[j]]),
                        filed_at=filed[j],
                        responded_at=filed[j] + dt.timedelta(hours=float(response[j])),
                        resolved_at=resolved,
                        response_hours=float(response[j]),
                        resolution_hours=None if open_[j] else float(resolution[j]),
                        satisfaction=None if open_[j] else int(sat[j]),
                        escalated=bool(escalated[j]),
                        urgency=urg[j],
                        handling_speed=speed[j],
                        agent_name=AGENTS[agents[j]],
                    )
                )
            _bulk(Complaint, objs)


def _scores(rng, p_satisfied):
    """One-decimal scores: satisfied ones lean to 4.5–5.0, unsatisfied ones spread over 1.0–3.9."""
    m = len(p_satisfied)
    satisfied = rng.random(m) < p_satisfied
    high = np.clip(rng.triangular(4.0, 4.7, 5.0, size=m), 4.0, 5.0)
    band = rng.choice([3.0, 2.0, 1.0], size=m, p=[0.55, 0.3, 0.15])
    low = band + rng.integers(0, 10, size=m) / 10
    return np.round(np.where(satisfied, high, low), 1)


def _create_records(rng, sizes, contracts, service_types, start, today, staff_user):
    n = sizes.records
    codes = list(SERVICE_PROFILE)
    code_index = {c: i for i, c in enumerate(codes)}
    contract_codes = np.array([code_index[c] for c in contracts["code"]])
    p_base = np.array([SERVICE_PROFILE[c][0] for c in codes])
    resp_mean = np.array([SERVICE_PROFILE[c][1] for c in codes])
    channels = np.array(["form", "api", "import"])
    total_days = (today - start).days
    dip_from = total_days - 30 * DIP_MONTHS_AGO
    staff_id = staff_user.pk if staff_user else None
    for offset in range(0, n, BATCH):
        m = min(BATCH, n - offset)
        idx = rng.integers(0, len(contracts["id"]), size=m)
        svc = contract_codes[idx]
        # Volume grows a little over the year: later days are more likely.
        day = np.minimum((rng.random(m) ** 0.8 * total_days).astype(int), total_days - 1)
        secs = rng.integers(8 * 3600, 21 * 3600, size=m)
        p = p_base[svc] - np.where(contracts["p1"][idx], 0.05, 0.0)
        dip = (svc == code_index[DIP_SERVICE]) & (day >= dip_from) & (day < dip_from + 30)
        p = np.where(dip, p - 0.15, p)
        score = _scores(rng, p)
        with_sub = rng.random(m) < 0.8
        accuracy = np.clip(np.rint(score + rng.normal(0, 0.7, m)), 1, 5).astype(int)
        completeness = np.clip(np.rint(score + rng.normal(0.1, 0.8, m)), 1, 5).astype(int)
        response = np.round(rng.gamma(2.0, resp_mean[svc] / 2.0) * (1 + (5 - score) / 4), 1)
        channel = channels[rng.choice(3, size=m, p=[0.6, 0.25, 0.15])]
        text_pick = rng.random(m)
        now = timezone.now()
        objs = []
        for j in range(m):
            s = float(score[j])
            band = "high" if s >= 4.5 else "mid" if s >= 3 else "low"
            texts = FEEDBACK[band] + SERVICE_FEEDBACK.get((codes[svc[j]], band), [])
            if contracts["p1"][idx[j]]:
                texts = texts + P1_FEEDBACK.get(band, [])
            objs.append(
                SatisfactionRecord(
                    external_id=f"R{offset + j + 1:08d}",
                    customer_id=int(contracts["customer"][idx[j]]),
                    service_type_id=service_types[codes[svc[j]]].pk,
                    score=Decimal(f"{s:.1f}"),
                    feedback=texts[int(text_pick[j] * len(texts))],
                    response_time_hours=float(response[j]) if with_sub[j] else None,
                    accuracy_score=int(accuracy[j]) if with_sub[j] else None,
                    completeness_score=int(completeness[j]) if with_sub[j] else None,
                    channel=str(channel[j]),
                    recorded_by_id=staff_id if channel[j] == "form" else None,
                    created_at=_not_later(_aware(start + dt.timedelta(days=int(day[j]) + 1), secs[j]), now),
                    # Historical demo data counts as already evaluated; alerts come from new feedback.
                    alerts_evaluated_at=timezone.now(),
                )
            )
        _bulk(SatisfactionRecord, objs)
