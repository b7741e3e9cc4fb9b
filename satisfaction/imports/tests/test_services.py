"""Importing files of every kind: encodings, XLSX, Chinese headers and values, mappings, all-or-nothing, the command."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import Workbook

from core.batch import ErrorSink
from satisfaction.crm.models import Contact, Contract, Customer
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.helpdesk.models import Complaint, ServiceTicket
from satisfaction.imports import kinds
from satisfaction.imports.services import import_file, import_mapping_save
from satisfaction.tests import factories as f

pytestmark = pytest.mark.django_db


def csv_bytes(rows, encoding="utf-8"):
    text = "\n".join(",".join(str(c) for c in row) for row in rows) + "\n"
    return io.BytesIO(text.encode(encoding))


def xlsx_bytes(rows):
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


CUSTOMERS = [
    ["客户ID", "客户名称", "行业", "客户等级"],
    ["K1", "甲公司", "金融", "重点客户"],
    ["K2", "乙公司", "制造", "战略"],
]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_customers_csv_in_each_encoding(encoding):
    result = import_file(kind="customers", source=csv_bytes(CUSTOMERS, encoding), filename="c.csv")
    assert (result.created, result.error_count, result.unknown_columns) == (2, 0, [])
    assert sorted(Customer.objects.values_list("external_id", "name", "industry", "tier")) == [
        ("K1", "甲公司", "金融", "key"),
        ("K2", "乙公司", "制造", "strategic"),
    ]


def test_customers_xlsx():
    result = import_file(kind="customers", source=xlsx_bytes(CUSTOMERS), filename="c.xlsx")
    assert result.created == 2
    assert Customer.objects.get(external_id="K2").name == "乙公司"


def test_english_headers_are_accepted_too():
    rows = [["Customer ID", "customer_name", "Industry", "tier"], ["E1", "Acme", "Retail", "basic"]]
    assert import_file(kind="customers", source=csv_bytes(rows), filename="c.csv").created == 1
    assert Customer.objects.get(external_id="E1").tier == "basic"


def test_full_chain_contacts_contracts_tickets_complaints(monkeypatch, django_capture_on_commit_callbacks):
    import_file(kind="customers", source=csv_bytes(CUSTOMERS, "gb18030"), filename="c.csv")
    contacts = [
        ["联系人ID", "客户ID", "姓名", "联系优先级", "邮箱", "电话"],
        ["P1", "K1", "张三", "1", "zhang@example.com", "13800000000"],
        ["P2", "K2", "李四", "3", "", ""],
    ]
    assert import_file(kind="contacts", source=csv_bytes(contacts), filename="p.csv").created == 2
    assert Contact.objects.get(external_id="P1").contact_priority == 1
    assert list(Customer.objects.in_segment(1).values_list("external_id", flat=True)) == ["K1"]

    contracts = [
        ["合同ID", "客户ID", "服务类型", "开始日期", "结束日期", "合同金额"],
        ["H1", "K1", "数据分析", "2024/1/1", "2024-12-31", "120,000.50"],
        ["H2", "K2", "legal_consultation", "2024-03-01", "", ""],
    ]
    assert import_file(kind="contracts", source=xlsx_bytes(contracts), filename="h.xlsx").created == 2
    h1 = Contract.objects.get(external_id="H1")
    assert (h1.service_type.code, h1.start_date, h1.end_date, h1.value) == (
        "data_analysis", dt.date(2024, 1, 1), dt.date(2024, 12, 31), Decimal("120000.50")
    )  # fmt: skip

    closed = []
    monkeypatch.setattr(kinds, "after_cases_closed", lambda **ids: closed.append(ids))
    agent = f.UserFactory(username="wang")
    tickets = [
        [
            "工单ID",
            "合同ID",
            "创建时间",
            "关闭时间",
            "工单耗时",
            "紧急程度",
            "工单优先级",
            "满意度",
            "是否二次跟进",
            "处理人",
        ],
        ["T1", "H1", "2024-05-01 09:00", "2024-05-01 17:30", "8.5", "高", "中", "4", "是", "wang"],
        ["T2", "H2", "2024-05-02 10:00", "", "", "低", "低", "", "N", "外包客服"],
    ]
    with django_capture_on_commit_callbacks(execute=True):
        assert import_file(kind="tickets", source=csv_bytes(tickets, "gb18030"), filename="t.csv").created == 2
    t1, t2 = ServiceTicket.objects.get(external_id="T1"), ServiceTicket.objects.get(external_id="T2")
    assert (t1.urgency, t1.ticket_priority, t1.satisfaction, t1.follow_up, t1.handling_hours) == (
        "high", "medium", 4, True, 8.5
    )  # fmt: skip
    assert (t1.agent, t1.agent_name, t2.agent, t2.agent_name) == (agent, "wang", None, "外包客服")
    assert t1.closed_at - t1.opened_at == dt.timedelta(hours=8, minutes=30)
    assert (t2.follow_up, t2.closed_at, t2.satisfaction) == (False, None, None)
    assert closed == [{"ticket_ids": [t1.pk], "complaint_ids": []}]  # only the closed ticket

    complaints = [
        [
            "投诉ID",
            "合同ID",
            "投诉时间",
            "响应时间",
            "解决时间",
            "响应时长",
            "解决时长",
            "满意度",
            "是否升级",
            "处理速度",
            "处理人",
        ],
        ["Q1", "H1", "2024-06-01 08:00", "2024-06-01 09:00", "2024-06-02 08:00", "1", "24", "2", "是", "慢", "wang"],
        ["Q2", "H2", "2024-06-03", "", "", "", "", "", "0", "快", ""],
    ]
    with django_capture_on_commit_callbacks(execute=True):
        assert import_file(kind="complaints", source=csv_bytes(complaints), filename="q.csv").created == 2
    q1 = Complaint.objects.get(external_id="Q1")
    assert (q1.escalated, q1.handling_speed, q1.response_hours, q1.resolution_hours, q1.satisfaction) == (
        True, "slow", 1.0, 24.0, 2
    )  # fmt: skip
    assert Complaint.objects.get(external_id="Q2").handling_speed == "fast"
    assert closed[-1] == {"ticket_ids": [], "complaint_ids": [q1.pk]}


def test_rows_breaking_cross_field_rules_are_reported():
    f.ContractFactory(external_id="H1")
    tickets = [
        ["工单ID", "合同ID", "创建时间", "关闭时间", "满意度", "紧急程度", "是否二次跟进"],
        ["T1", "H1", "2024-05-02 09:00", "2024-05-01 09:00", "4", "高", "是"],
        ["T2", "H9", "2024-05-02 09:00", "", "7", "urgent!", "maybe"],
        ["T3", "H1", "not a date", "", "", "", ""],
    ]
    result = import_file(kind="tickets", source=csv_bytes(tickets), filename="t.csv")
    assert result.created == 0 and ServiceTicket.objects.count() == 0
    assert {(e.row, e.column) for e in result.errors} == {
        (2, "关闭时间"), (3, "合同ID"), (3, "满意度"), (3, "紧急程度"), (3, "是否二次跟进"), (4, "创建时间"),
    }  # fmt: skip


def test_unknown_columns_are_reported_and_missing_required_columns_stop_the_import():
    rows = [["客户ID", "客户名称", "备注", "Owner"], ["K1", "甲", "x", "y"]]
    result = import_file(kind="customers", source=csv_bytes(rows), filename="c.csv")
    assert result.created == 1 and result.unknown_columns == ["备注", "Owner"]

    missing = [["客户名称", "行业"], ["甲", "金融"]]
    result = import_file(kind="customers", source=csv_bytes(missing), filename="c.csv")
    assert result.created == 0 and "external_id" in result.message
    assert result.errors[0].row == 1 and result.errors[0].column == "header"


def test_saved_mapping_reads_another_layout():
    f.CustomerFactory(external_id="C-1")
    import_mapping_save(
        name="Survey tool",
        kind="feedback",
        columns={"Antwort-ID": "external_id", "Kunde": "customer", "Dienst": "service_type", "Note": "score",
                 "Intern": "-"},
    )  # fmt: skip
    rows = [["Antwort-ID", "Kunde", "Dienst", "Note", "Intern"], ["A1", "C-1", "文档审查", "3.5", "x"]]
    from satisfaction.imports.models import ImportMapping

    result = import_file(
        kind="feedback", source=csv_bytes(rows), filename="s.csv", mapping=ImportMapping.objects.get(name="Survey tool")
    )
    assert (result.created, result.unknown_columns) == (1, [])
    assert SatisfactionRecord.objects.get().score == Decimal("3.5")


def test_mapping_to_an_unknown_field_is_refused():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        import_mapping_save(name="Bad", kind="customers", columns={"X": "favourite_colour"})
    assert "columns" in exc.value.message_dict


def test_error_report_csv_neutralises_formulas():
    f.CustomerFactory(external_id="C-1")
    rows = [["记录ID", "客户ID", "服务类型", "评分"], ["R1", "=HYPERLINK(1)", "数据分析", "4"]]
    sink = ErrorSink()
    result = import_file(kind="feedback", source=csv_bytes(rows), filename="f.csv", errors=sink)
    out = io.StringIO()
    sink.write_csv(out)
    sink.close()
    assert result.error_count == 1
    assert out.getvalue().splitlines() == [
        "row,column,value,reason",
        "2,客户ID,'=HYPERLINK(1),Unknown customer id '=HYPERLINK(1)'.",
    ]


def test_xlsx_feedback_with_native_cell_types():
    f.CustomerFactory(external_id="C-1")
    when = dt.datetime(2024, 2, 3, 10, 0)
    rows = [
        ["记录ID", "客户ID", "服务类型", "评分", "准确率", "响应时间(小时)", "时间"],
        ["R1", "C-1", "数据分析", 4.5, 4, 1.5, when],
    ]
    result = import_file(kind="feedback", source=xlsx_bytes(rows), filename="f.xlsx")
    assert result.created == 1
    record = SatisfactionRecord.objects.get()
    assert (record.score, record.accuracy_score, record.response_time_hours) == (Decimal("4.5"), 4, 1.5)
    assert record.created_at == timezone.make_aware(when)


def test_unreadable_files_are_refused_with_a_reason():
    result = import_file(kind="customers", source=io.BytesIO(b"PK\x03\x04garbage"), filename="c.xlsx")
    assert result.created == 0 and "XLSX" in result.message


def test_command_imports_and_reports(tmp_path, capsys):
    path = tmp_path / "customers.csv"
    path.write_bytes(csv_bytes(CUSTOMERS, "gb18030").getvalue())
    call_command("import_data", "customers", str(path), "--dry-run")
    assert Customer.objects.count() == 0
    call_command("import_data", "customers", str(path))
    assert Customer.objects.count() == 2
    assert "2 created" in capsys.readouterr().out

    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([["客户ID", "客户名称", "客户等级"], ["K3", "丙", "金牌"]]).getvalue())
    with pytest.raises(CommandError, match="1 row errors"):
        call_command("import_data", "customers", str(bad))
    report = (tmp_path / "bad.csv.errors.csv").read_text(encoding="utf-8-sig").splitlines()
    assert report[0] == "row,column,value,reason" and report[1].startswith('2,客户等级,金牌,"Unknown customer tier')
    with pytest.raises(CommandError, match="No saved mapping"):
        call_command("import_data", "customers", str(path), "--mapping", "nope")


def test_the_documented_sample_files_import_in_order():
    from django.conf import settings

    samples = settings.BASE_DIR / "docs" / "samples"
    order = [
        ("customers", "customers.csv", 3), ("contacts", "contacts.csv", 4), ("contracts", "contracts.csv", 3),
        ("tickets", "tickets_gb18030.csv", 4), ("complaints", "complaints.csv", 2), ("feedback", "feedback.csv", 4),
        ("feedback", "feedback.xlsx", 4),
    ]  # fmt: skip
    for kind, name, created in order:
        result = import_file(kind=kind, source=samples / name)
        assert (result.created, result.error_count, result.unknown_columns) == (created, 0, []), name
    assert SatisfactionRecord.objects.get(external_id="FB-001").ticket.external_id == "TK-001"
    again = import_file(kind="feedback", source=samples / "feedback.csv")
    assert (again.created, again.skipped) == (0, 4)

    bad = import_file(kind="feedback", source=samples / "feedback_with_errors.csv")
    assert bad.created == 0 and bad.unknown_columns == ["备注"]
    # Row 5 repeats row 2's FB-101: a row error as well as its bad score, as docs/imports.md says.
    assert [(e.row, e.column) for e in bad.errors] == [
        (3, "客户ID"), (4, "评分"), (4, "服务类型"), (5, "评分"), (5, "记录ID"),
    ]  # fmt: skip
    assert bad.errors[-1].reason == "Duplicate id: row 2 has the same id."


def test_make_samples_imports_every_sample_as_history_without_live_alerts(capsys):
    """The `make samples` list, run as its recipe runs it (import_data --history), on a site that has data."""
    import re

    from django.conf import settings

    from satisfaction.alerts.models import SatisfactionAlert
    from satisfaction.tests.factories import CustomerFactory

    CustomerFactory(external_id="C000001")  # the demo's own ids do not collide with the samples'
    makefile = (settings.BASE_DIR / "Makefile").read_text()
    listed = re.search(r"^SAMPLES := (.*?)\n(?=\S)", makefile, re.S | re.M).group(1)
    pairs = [pair.split(":") for pair in listed.replace("\\\n", " ").split()]
    order = ["customers", "contacts", "contracts", "tickets", "complaints", "feedback"]
    assert [kind for kind, _ in pairs][:6] == order
    for kind, name in pairs:
        call_command("import_data", "--history", kind, str(settings.BASE_DIR / "docs" / "samples" / name))
    assert SatisfactionRecord.objects.count() == 8  # feedback.csv and feedback.xlsx, 4 each
    assert not SatisfactionAlert.objects.exists()
