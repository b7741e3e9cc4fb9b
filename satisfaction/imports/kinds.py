"""The six import kinds: accepted column headers (English and Chinese), value parsers and cross-field rules."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from core import cells as vocab
from core.batch import BatchSpec, CleanChunk, CleanRow, ErrorSink, RawChunk, RowInvalid
from satisfaction.crm.models import Contact, Contract, Customer, ServiceType
from satisfaction.crm.services import contact_update, contract_update, customer_update, segment_may_have_changed
from satisfaction.helpdesk.models import Complaint, ServiceTicket
from satisfaction.helpdesk.services import cases_closed, complaint_update, ticket_update
from satisfaction.helpdesk.signals import cases_bulk_created
from satisfaction.imports.models import ImportKind


@dataclass(frozen=True)
class Column:
    """One field a kind accepts: its name, the headers that mean it, how to parse a cell, whether required."""

    name: str
    headers: tuple[str, ...] = ()
    parse: Callable[[Any], Any] | None = None
    required: bool = False
    max_length: int | None = None
    # The model attname the parsed value is written to; None for references resolved in bulk.
    attname: str | None = ""


def int_1_5(value):
    return vocab.parse_int(value, low=1, high=5)


def email(value):
    address = vocab.text(value).strip()
    try:
        validate_email(address)
    except ValidationError:
        raise RowInvalid(_("Enter a valid email address.")) from None
    return address


def money(value) -> Decimal:
    number = vocab.parse_decimal(value)
    if number < 0:
        raise RowInvalid(_("Must be at least %(min)s.") % {"min": 0})
    rounded = number.quantize(Decimal("0.01"))
    if rounded != number:
        raise RowInvalid(_("At most two decimal places."))
    if abs(rounded) >= Decimal("1e12"):
        raise RowInvalid(_("Too large: at most 12 digits before the decimal point."))
    return rounded


def _hours(value) -> float:
    return vocab.parse_float(value, minimum=0.0)


EXTERNAL_ID = dict(max_length=64, required=True)

COLUMNS: dict[str, list[Column]] = {
    ImportKind.CUSTOMERS: [
        Column("external_id", ("客户ID", "客户编号", "customer id", "id"), **EXTERNAL_ID),
        Column("name", ("客户名称", "名称", "customer name", "客户"), required=True, max_length=200),
        Column("industry", ("行业", "所属行业"), max_length=100),
        Column("tier", ("客户等级", "等级", "customer tier"), vocab.parse_tier),
        Column("created_at", ("创建时间", "created"), vocab.parse_datetime),
    ],
    ImportKind.CONTACTS: [
        Column("external_id", ("联系人ID", "联系人编号", "contact id", "id"), **EXTERNAL_ID),
        Column("customer", ("客户ID", "客户编号", "customer id"), required=True, attname=None),
        Column("name", ("姓名", "联系人", "联系人姓名", "contact name"), required=True, max_length=200),
        Column("contact_priority", ("联系优先级", "优先级", "priority"), int_1_5),
        Column("email", ("邮箱", "电子邮件", "邮件", "e-mail"), email, max_length=254),
        Column("phone", ("电话", "手机", "联系电话", "mobile"), max_length=50),
        Column("language", ("语言",), vocab.parse_language),
    ],
    ImportKind.CONTRACTS: [
        Column("external_id", ("合同ID", "合同编号ID", "contract id", "id"), **EXTERNAL_ID),
        Column("customer", ("客户ID", "客户编号", "customer id"), required=True, attname=None),
        Column("service_type", ("服务类型", "service"), required=True, attname=None),
        Column("number", ("合同编号", "合同号", "contract number"), max_length=64),
        Column("start_date", ("开始日期", "起始日期", "start"), vocab.parse_date, required=True),
        Column("end_date", ("结束日期", "截止日期", "end"), vocab.parse_date),
        Column("value", ("合同金额", "金额", "amount", "contract value"), money),
    ],
    ImportKind.TICKETS: [
        Column("external_id", ("工单ID", "工单编号", "ticket id", "id"), **EXTERNAL_ID),
        Column("contract", ("合同ID", "合同编号", "contract id"), required=True, attname=None),
        Column("opened_at", ("创建时间", "开单时间", "opened", "created at"), vocab.parse_datetime, required=True),
        Column("closed_at", ("关闭时间", "closed"), vocab.parse_datetime),
        Column("handling_hours", ("工单耗时", "耗时", "处理时长", "handling time"), _hours),
        Column("urgency", ("紧急程度", "紧急度"), vocab.parse_level),
        Column("ticket_priority", ("工单优先级", "优先级", "priority"), vocab.parse_level),
        Column("satisfaction", ("满意度", "满意度评分"), int_1_5),
        Column("follow_up", ("是否二次跟进", "二次跟进", "needs follow up"), vocab.parse_bool),
        Column("agent", ("处理人", "负责人", "agent name"), max_length=100, attname=None),
    ],
    ImportKind.COMPLAINTS: [
        Column("external_id", ("投诉ID", "投诉编号", "complaint id", "id"), **EXTERNAL_ID),
        Column("contract", ("合同ID", "合同编号", "contract id"), required=True, attname=None),
        Column("filed_at", ("投诉时间", "filed", "created at"), vocab.parse_datetime, required=True),
        Column("responded_at", ("响应时间", "responded"), vocab.parse_datetime),
        Column("resolved_at", ("解决时间", "resolved"), vocab.parse_datetime),
        Column("response_hours", ("响应时长", "response time"), _hours),
        Column("resolution_hours", ("解决时长", "resolution time"), _hours),
        Column("satisfaction", ("满意度", "满意度评分"), int_1_5),
        Column("escalated", ("是否升级", "升级"), vocab.parse_bool),
        Column("urgency", ("紧急程度", "紧急度"), vocab.parse_level),
        Column("handling_speed", ("处理速度", "speed"), vocab.parse_speed),
        Column("agent", ("处理人", "负责人", "agent name"), max_length=100, attname=None),
    ],
    # Feedback cells go unparsed to record_satisfaction_batch, which applies the rules of record_satisfaction.
    ImportKind.FEEDBACK: [
        Column("external_id", ("记录ID", "记录编号", "反馈ID", "record id", "id"), required=True),
        Column("customer", ("客户ID", "客户编号", "customer id"), required=True),
        Column("service_type", ("服务类型", "service"), required=True),
        Column("score", ("评分", "满意度评分", "满意度", "rating"), required=True),
        Column("feedback", ("反馈内容", "反馈", "内容", "comment", "comments")),
        Column("response_time_hours", ("响应时间(小时)", "响应时间", "响应时长", "response time")),
        Column("accuracy_score", ("准确率", "准确性", "准确度", "accuracy")),
        Column("completeness_score", ("完整性", "完整度", "completeness")),
        Column("channel", ("渠道", "来源")),
        Column("created_at", ("时间", "反馈时间", "记录时间", "日期", "date", "time")),
        Column("ticket", ("工单ID", "ticket id")),
        Column("complaint", ("投诉ID", "complaint id")),
    ],
}

_NORMALISE = re.compile(r"[\s_\-]+")


def normalise_header(header: str) -> str:
    """Case, spaces, underscores, dashes and full-width brackets do not matter when matching headers."""
    return _NORMALISE.sub("", str(header).replace("（", "(").replace("）", ")").replace("\ufeff", "")).lower()


def header_aliases(kind: str) -> dict[str, str]:
    """Normalised header → field name, for every header the kind accepts."""
    aliases = {}
    for column in COLUMNS[kind]:
        for header in (column.name, *column.headers):
            aliases.setdefault(normalise_header(header), column.name)
    return aliases


def after_cases_closed(*, ticket_ids: list[int], complaint_ids: list[int]) -> None:
    """After imported tickets closed / complaints resolved commit: announced as every other write path does."""
    cases_closed(ticket_ids=ticket_ids, complaint_ids=complaint_ids)


def _customers_of_contacts(contact_ids: list[int]) -> set[int]:
    """Distinct customer ids of some contacts, a bounded number of ids per query."""
    found: set[int] = set()
    for start in range(0, len(contact_ids), 900):
        part = contact_ids[start : start + 900]
        found.update(Contact.objects.filter(pk__in=part).order_by().values_list("customer_id", flat=True).distinct())
    return found


class ModelBatch(BatchSpec):
    """Batch rules for one of the helpdesk/CRM kinds: parse each cell, resolve references in bulk, check rules."""

    def __init__(self, kind: str, quiet_before=None):
        self.kind = kind
        # History: cases closed before this moment invite no survey.
        self.quiet_before = quiet_before
        self.model = MODELS[kind]
        self.columns = COLUMNS[kind]
        self._service_types = None
        self._cache: dict[tuple[str, str], Any] = {}
        self._closed_ids: list[int] = []
        # Customers that got new contacts: their segment may have changed.
        self._contact_customer_ids: set[int] = set()

    def clean_chunk(self, chunk: RawChunk, errors: ErrorSink) -> CleanChunk:
        given = chunk.names
        # Sync changes what the file gives, never a reference (moving a ticket to another contract is not a sync).
        self.update_fields = tuple(
            ("agent_name" if c.name == "agent" else (c.attname or c.name))
            for c in self.columns
            if c.name in given and c.name != "external_id" and (c.attname is not None or c.name == "agent")
        )
        parsed = []
        for row_no, raw in chunk.rows():
            values: dict[str, Any] = {}
            bad: dict[str, str] = {}
            for column in self.columns:
                cell = raw.get(column.name)
                if cell is None or (isinstance(cell, str) and not cell.strip()):
                    if column.required:
                        bad[column.name] = "This column is required."
                    continue
                try:
                    value = column.parse(cell) if column.parse else vocab.text(cell).strip()
                    if column.max_length and isinstance(value, str) and len(value) > column.max_length:
                        raise RowInvalid(_("At most %(n)s characters.") % {"n": column.max_length})
                except RowInvalid as exc:
                    bad[column.name] = exc.reason
                    continue
                values[column.name] = value
            parsed.append((row_no, raw, values, bad))
        refs = self._resolve_references([p[2] for p in parsed])
        cleaned, rejected_ids = [], []
        for row_no, raw, values, bad in parsed:
            row_values = {
                (c.attname or c.name): values[c.name]
                for c in self.columns
                if c.attname is not None and c.name in values
            }
            for name, (target, attname) in refs.items():
                if name not in values:
                    continue
                resolved = target.get(values[name])
                if resolved is None:
                    if name != "agent":
                        bad.setdefault(name, f"Unknown {name.replace('_', ' ')} {values[name]!r}.")
                    continue
                row_values[attname] = resolved
            if "agent" in values:
                row_values["agent_name"] = values["agent"]
            for name in UNKNOWN_WHEN_ABSENT.get(self.kind, ()):
                row_values.setdefault(name, None)  # missing is not "no": an absent or empty cell stays unknown
            self.check(row_values, bad)
            if bad:
                for name, reason in bad.items():
                    errors.add(row_no, name, raw.get(name), reason)
                rejected_ids.append((row_no, values.get("external_id") or ""))
                continue
            cleaned.append(CleanRow(row=row_no, external_id=values["external_id"], values=row_values))
        return CleanChunk.from_rows(cleaned, marked=[self.mark(row) for row in cleaned], rejected_ids=rejected_ids)

    def _resolve_references(self, rows: list[dict[str, Any]]) -> dict[str, tuple[dict, str]]:
        refs = {}
        names = {c.name for c in self.columns if c.attname is None}
        if "customer" in names:
            refs["customer"] = (self._by_external_id(Customer, rows, "customer"), "customer_id")
        if "contract" in names:
            refs["contract"] = (self._by_external_id(Contract, rows, "contract"), "contract_id")
        if "service_type" in names:
            refs["service_type"] = (self._service_type_ids(), "service_type_id")
        if "agent" in names:
            refs["agent"] = (self._agents({r["agent"] for r in rows if r.get("agent")}), "agent_id")
        return refs

    def _by_external_id(self, model, rows, name) -> dict[str, int]:
        if len(self._cache) > 200_000:
            self._cache.clear()  # keep memory flat on files with very many distinct references
        keys = [k for k in {r[name] for r in rows if r.get(name)} if (name, k) not in self._cache]
        for start in range(0, len(keys), 900):
            for ext, pk in model.objects.filter(external_id__in=keys[start : start + 900]).values_list(
                "external_id", "pk"
            ):
                self._cache[(name, ext)] = pk
        return _KeyView(self._cache, name)

    def _service_type_ids(self) -> dict[str, int]:
        if self._service_types is None:
            self._service_types = _LowerView({}, reload=_load_service_types)
            _load_service_types(self._service_types.data)
        return self._service_types

    def _agents(self, names: set[str]) -> dict[str, int]:
        User = get_user_model()
        return dict(User.objects.filter(username__in=list(names)).values_list(User.USERNAME_FIELD, "pk"))

    def check(self, values: dict[str, Any], bad: dict[str, str]) -> None:
        """Cross-field rules, the same the database constraints enforce, reported per row."""
        for later, earlier in ORDER_RULES.get(self.kind, ()):
            if values.get(later) is not None and values.get(earlier) is not None and values[later] < values[earlier]:
                bad.setdefault(later, f"Must not be before {earlier.replace('_', ' ')}.")

    def mark(self, row: CleanRow) -> bool:
        closing = CLOSING_FIELD.get(self.kind)
        if closing is None or row.values.get(closing) is None:
            return False
        return self.quiet_before is None or row.values[closing] >= self.quiet_before

    def after_write(self, created, marked) -> None:
        self._closed_ids.extend(pk for pk, external_id in created if external_id in marked)
        if self.kind == ImportKind.CONTACTS:
            self._contact_customer_ids |= _customers_of_contacts([pk for pk, _ in created])

    def update_row(self, pk: int, changes: dict[str, Any]) -> None:
        """A changed row goes through the entity's update service, as a manual edit does (a ticket closed since
        the last import is announced once, a contact's new priority moves its customer's segment)."""
        update, name = UPDATE_SERVICES[self.kind]
        update(**{name: self.model.objects.get(pk=pk), "data": changes})

    def on_commit(self, created_ids: list[int]) -> None:
        if created_ids and self.kind in CLOSING_FIELD:  # tickets, complaints: inserted without save()
            cases_bulk_created.send(sender=self.model, ids=list(created_ids))
        if self._contact_customer_ids:
            segment_may_have_changed(customer_ids=self._contact_customer_ids)
        if self._closed_ids:
            tickets = self._closed_ids if self.kind == ImportKind.TICKETS else []
            complaints = self._closed_ids if self.kind == ImportKind.COMPLAINTS else []
            after_cases_closed(ticket_ids=tickets, complaint_ids=complaints)


def _load_service_types(into: dict[str, int]) -> None:
    for pk, *names in ServiceType.objects.values_list("pk", "code", "name_en", "name_zh"):
        for key in names:
            into[key.strip().lower()] = pk


class _KeyView:
    """Read-only view of the reference cache for one reference name."""

    def __init__(self, cache, name):
        self.cache, self.name = cache, name

    def get(self, key):
        return self.cache.get((self.name, key))


class _LowerView:
    def __init__(self, data, reload=None):
        self.data = data
        self.reload = reload
        self.tried: set[str] = set()

    def get(self, key):
        key = str(key).strip().lower()
        if key not in self.data and self.reload is not None and key not in self.tried:
            self.tried.add(key)
            self.reload(self.data)  # created since the batch started (an import that creates them)
        return self.data.get(key)


MODELS = {
    ImportKind.CUSTOMERS: Customer,
    ImportKind.CONTACTS: Contact,
    ImportKind.CONTRACTS: Contract,
    ImportKind.TICKETS: ServiceTicket,
    ImportKind.COMPLAINTS: Complaint,
}
UPDATE_SERVICES = {
    ImportKind.CUSTOMERS: (customer_update, "customer"),
    ImportKind.CONTACTS: (contact_update, "contact"),
    ImportKind.CONTRACTS: (contract_update, "contract"),
    ImportKind.TICKETS: (ticket_update, "ticket"),
    ImportKind.COMPLAINTS: (complaint_update, "complaint"),
}
# Yes/no fields a source may lack: an absent column or an empty cell is stored as unknown (NULL), not as "no".
UNKNOWN_WHEN_ABSENT = {ImportKind.TICKETS: ("follow_up",), ImportKind.COMPLAINTS: ("escalated",)}
# Imported tickets closed / complaints resolved are handed to `after_cases_closed` once the import commits.
CLOSING_FIELD = {ImportKind.TICKETS: "closed_at", ImportKind.COMPLAINTS: "resolved_at"}
ORDER_RULES = {
    ImportKind.CONTRACTS: [("end_date", "start_date")],
    ImportKind.TICKETS: [("closed_at", "opened_at")],
    ImportKind.COMPLAINTS: [("responded_at", "filed_at"), ("resolved_at", "filed_at"), ("resolved_at", "responded_at")],
}
