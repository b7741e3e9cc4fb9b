"""Every page of the site, who may open it, and whether it shows numbers: the list browser tests walk.

Found from the url confs (`satisfaction_site/urls.py`, `satisfaction/urls.py` and each package's `urls.py`,
`analytics/urls.py`) and the admin's registry. Left out on purpose: POST-only actions (acknowledge, resolve,
accept, dismiss, delete, resend, remove, keep, contact, close), htmx partials that live inside a page (dashboard
widgets, the recovery tile, the report's continuity section, the customer search), downloads (exports, bundle,
PDF, error CSVs, import template), the API and the SSO hand-shake.

A detail page names the objects it needs as `{key}` in `kwargs`; `tests/browser/walk_data.py` builds them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse

STAFF, MANAGER, ADMIN = "staff", "manager", "admin"
ROLES = (STAFF, MANAGER, ADMIN)
EVERYBODY = frozenset(ROLES)
MANAGERS = frozenset({MANAGER, ADMIN})


@dataclass(frozen=True)
class Page:
    """One page: its url name and arguments, the roles that may open it, and what a role sees instead."""

    name: str  # file stem of its screenshots, and its name in failure reports
    url_name: str
    roles: frozenset = MANAGERS
    numbers: bool = False  # shows numbers over a period: must state its period and filters in [data-scope]
    kwargs: dict = field(default_factory=dict)  # url kwarg -> key of the object it needs
    query: str = ""
    redirects: dict = field(default_factory=dict)  # role -> url name the page sends that role to
    public: bool = False  # opens without signing in (survey links), in the language of its invitation

    @property
    def admin(self) -> bool:
        return self.url_name.startswith("admin:")

    def path(self, objects: dict | None = None) -> str:
        kwargs = {arg: (objects or {})[key] for arg, key in self.kwargs.items()}
        url = reverse(self.url_name, kwargs=kwargs)
        return f"{url}?{self.query}" if self.query else url

    def answer(self, role: str) -> int | str:
        """What `role` gets: 200, 403, or the url name it is redirected to."""
        if role in self.redirects:
            return self.redirects[role]
        if self.public or role in self.roles:
            return 200
        # The admin sends a non-staff user to its own login; the site's pages refuse with 403.
        return "admin:login" if self.admin else 403

    @property
    def screenshot_role(self) -> str:
        """The role whose view of the page the screenshots show."""
        return ADMIN if self.admin else (MANAGER if MANAGER in self.roles else STAFF)


def _changelist(model: str, app: str = "satisfaction") -> Page:
    return Page(f"admin-{model}", f"admin:{app}_{model}_changelist", roles=frozenset({ADMIN}))


PAGES: list[Page] = [
    Page("home", "home", roles=EVERYBODY,
         redirects={STAFF: "record-feedback", MANAGER: "analytics:dashboard", ADMIN: "analytics:dashboard"}),
    # Analytics
    Page("dashboard", "analytics:dashboard", numbers=True),
    Page("records", "analytics:records", numbers=True),
    Page("topic-comments", "analytics:topic-comments", numbers=True, kwargs={"code": "topic"}),
    Page("path-to-target", "analytics:path", numbers=True),
    Page("report", "analytics:report", numbers=True),
    Page("agents", "analytics:agents", numbers=True),
    Page("agent-detail", "analytics:agent-detail", numbers=True, kwargs={"key": "agent"}),
    Page("subscriptions", "analytics:subscriptions"),
    # Customers and feedback
    Page("customers", "customer-list", roles=EVERYBODY, numbers=True),
    Page("customer-detail", "customer-detail", roles=EVERYBODY, numbers=True, kwargs={"pk": "customer"}),
    Page("customer-surveys", "customer-surveys", kwargs={"pk": "customer"}),
    Page("record-feedback", "record-feedback", roles=EVERYBODY),
    # Alerts and the watch list
    Page("alerts", "alert-list", numbers=True),
    Page("alert-detail", "alert-detail", kwargs={"pk": "alert"}),
    Page("watchlist", "watchlist", numbers=True),
    # The improvement loop
    Page("suggestions", "suggestion-list", numbers=True),
    Page("measures", "measure-list"),
    Page("measure-new", "measure-create"),
    Page("measure-detail", "measure-detail", numbers=True, kwargs={"pk": "measure"}),
    Page("my-tasks", "my-tasks", roles=EVERYBODY),
    Page("recovery", "recovery-list", numbers=True),
    Page("recovery-case", "recovery-case", kwargs={"pk": "recovery_case"}),
    Page("themes", "text-themes", numbers=True),
    # Surveys
    Page("campaigns", "survey-campaigns"),
    Page("survey-settings", "survey-settings", kwargs={"code": "service_type"}),
    Page("survey-form", "survey-form", public=True, kwargs={"token": "survey_token"}),
    Page("survey-thanks", "survey-thanks", public=True, kwargs={"token": "answered_token"}),
    Page("survey-unsubscribe", "survey-unsubscribe", public=True, kwargs={"token": "survey_token"}),
    # Imports and operations
    Page("import", "import-index", roles=EVERYBODY),
    Page("import-job", "import-job", roles=EVERYBODY, kwargs={"job_id": "import_job"}),
    Page("jobs", "jobs"),
    # The admin: its index, the changelists of the main models, and one change form
    Page("admin", "admin:index", roles=frozenset({ADMIN})),
    *(
        _changelist(model)
        for model in (
            "customer", "contact", "contract", "serviceticket", "complaint", "satisfactionrecord",
            "satisfactiontarget", "satisfactionalert", "watchlistentry", "customerriskscore", "improvementsuggestion",
            "improvementmeasure", "improvementtask", "recoverycase", "surveycampaign", "surveyinvitation",
            "importjob", "jobrun", "topic",
        )
    ),
    _changelist("user", app="auth"),
    _changelist("logentry", app="auditlog"),
    _changelist("reportsubscription", app="analytics"),
    Page("admin-customer-change", "admin:satisfaction_customer_change", roles=frozenset({ADMIN}),
         kwargs={"object_id": "customer"}),
]  # fmt: skip

PAGES_BY_NAME = {page.name: page for page in PAGES}
