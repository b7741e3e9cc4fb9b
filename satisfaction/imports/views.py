"""Import pages: upload a file, watch the job's progress, read its summary, download its row errors."""

import csv
import io

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from core.batch import ErrorSink
from core.htmx import render_page_or_partial
from core.roles import StaffRequiredMixin
from core.spreadsheets import neutralise
from satisfaction.imports.kinds import COLUMNS
from satisfaction.imports.mappings import IGNORE, mapping_load, mapping_of
from satisfaction.imports.models import ImportKind, ImportMapping
from satisfaction.imports.selectors import import_job_list
from satisfaction.imports.services import (
    import_job_choose,
    import_job_create,
    import_jobs_fail_stale,
    import_mapping_save,
)

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
ALLOWED_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")
RECENT_JOBS = 20
# The encodings a CSV is most often saved in besides UTF-8; the command and the API take any Python codec name.
ENCODING_CHOICES = [
    ("", _("Detect (UTF-8 or GB18030)")),
    ("utf-8", "UTF-8"),
    ("gb18030", _("GB18030 (Simplified Chinese)")),
    ("big5", _("Big5 (Traditional Chinese)")),
    ("shift_jis", _("Shift-JIS (Japanese)")),
    ("cp1252", _("Windows-1252 (Western European)")),
    ("latin-1", _("ISO-8859-1 (Latin-1)")),
    ("utf-16", "UTF-16"),
]


# Forms sit with the views: they exist only for these pages, and every write goes through the import services.
class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file contains"), choices=ImportKind.choices)
    file = forms.FileField(label=_("CSV or XLSX file"), help_text=_("UTF-8 or GB18030 CSV, or an .xlsx workbook."))
    mapping = forms.ModelChoiceField(
        label=_("Saved header mapping"), queryset=ImportMapping.objects.all(), required=False, empty_label=_("None")
    )
    encoding = forms.ChoiceField(
        label=_("Encoding (CSV)"),
        choices=ENCODING_CHOICES,
        required=False,
        help_text=_("Leave on detect unless the import says the encoding is not certain."),
    )
    dry_run = forms.BooleanField(label=_("Dry run: validate only, write nothing"), required=False)
    mapping_file = forms.FileField(
        label=_("Or a mapping file"),
        required=False,
        help_text=_("YAML or JSON: columns, value maps, date formats, on_error, history, create."),
    )
    history = forms.BooleanField(
        label=_("History: past data"),
        required=False,
        help_text=_("No alerts, e-mails or survey invitations for rows older than the alert windows."),
    )
    no_update = forms.BooleanField(
        label=_("Insert only"),
        required=False,
        help_text=_("Rows imported before are skipped even when they changed (by default they are updated)."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(ALLOWED_SUFFIXES):
            raise ValidationError(_("Upload a .csv or .xlsx file."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(_("The file is larger than 200 MB."))
        return upload

    def clean(self):
        data = super().clean()
        mapping = data.get("mapping")
        if mapping and data.get("kind") and mapping.kind != data["kind"]:
            self.add_error("mapping", _("This mapping is for another kind of file."))
        upload = data.get("mapping_file")
        data["mapping_spec"] = None
        if upload and mapping:
            self.add_error("mapping_file", _("Choose a saved mapping or a mapping file, not both."))
        elif upload and data.get("kind"):
            try:
                data["mapping_spec"] = mapping_load(upload.read(), kind=data["kind"])
            except ValidationError as exc:
                self.add_error("mapping_file", _problems(exc))
        return data


def _problems(exc: ValidationError) -> str:
    """One sentence of a mapping's ValidationError, each problem after the key it concerns."""
    return "; ".join(f"{key}: {' '.join(messages)}" for key, messages in exc.message_dict.items())


class MappingForm(forms.Form):
    name = forms.CharField(label=_("Mapping name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=ImportKind.choices)
    columns = forms.CharField(
        label=_("Columns"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One per line: header in your file = field name (use - to ignore a column on purpose)."),
    )
    definition = forms.CharField(
        label=_("Or the mapping file"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("YAML or JSON, as in docs/imports.md: value maps, date_format, on_error, history, create."),
    )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if bool(data.get("columns")) == bool(data.get("definition", "").strip()):
            raise ValidationError(_("Fill in the columns or the mapping file (one of them)."))
        if data.get("definition", "").strip():
            try:
                data["spec"] = mapping_load(data["definition"], kind=data["kind"])
            except ValidationError as exc:
                self.add_error("definition", _problems(exc))
        return data

    def clean_columns(self):
        if not self.cleaned_data["columns"].strip():
            return {}
        pairs = {}
        for number, line in enumerate(self.cleaned_data["columns"].splitlines(), start=1):
            if not line.strip():
                continue
            header, sep, field = line.partition("=")
            if not sep or not header.strip() or not field.strip():
                raise ValidationError(_("Line %(n)s: write it as header = field.") % {"n": number})
            pairs[header.strip()] = field.strip()
        return pairs


def _fields_by_kind():
    return [
        (value, label, [(c.name, c.headers, c.required) for c in COLUMNS[value]]) for value, label in ImportKind.choices
    ]


class ImportIndexView(StaffRequiredMixin, TemplateView):
    """Upload form, the headers each kind accepts, saved mappings and the latest import jobs."""

    template_name = "imports/index.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.setdefault("form", ImportUploadForm())
        ctx.setdefault("mapping_form", _mapping_form_for(self.request.GET.get("edit")))
        import_jobs_fail_stale()  # works without a broker: whoever looks at the jobs sees dead ones as failed
        ctx["jobs"] = import_job_list(user=self.request.user)[:RECENT_JOBS]
        ctx["mappings"] = ImportMapping.objects.select_related("created_by")
        ctx["kinds"] = _fields_by_kind()
        ctx["ignore"] = IGNORE
        return ctx

    def post(self, request, *args, **kwargs):
        form = ImportUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        job = import_job_create(
            kind=form.cleaned_data["kind"],
            file=form.cleaned_data["file"],
            created_by=request.user,
            dry_run=form.cleaned_data["dry_run"],
            mapping=form.cleaned_data["mapping"],
            mapping_spec=form.cleaned_data["mapping_spec"],
            history=form.cleaned_data["history"],
            update=not form.cleaned_data["no_update"],
            encoding=form.cleaned_data["encoding"],
        )
        return redirect("import-job", job_id=job.pk)


def _mapping_form_for(name: str | None) -> MappingForm:
    """The mapping form, filled with a saved mapping as a mapping file when `name` names one (editing it)."""
    saved = ImportMapping.objects.filter(name=name).first() if name else None
    if saved is None:
        return MappingForm()
    return MappingForm(initial={"name": saved.name, "kind": saved.kind, "definition": mapping_of(saved).to_yaml()})


class ImportMappingSaveView(StaffRequiredMixin, View):
    """Save (create or replace) a header mapping by name."""

    def get(self, request):
        return redirect("import-index")

    def post(self, request):
        form = MappingForm(request.POST)
        if form.is_valid():
            try:
                mapping = import_mapping_save(
                    name=form.cleaned_data["name"],
                    kind=form.cleaned_data["kind"],
                    columns=form.cleaned_data["columns"],
                    spec=form.cleaned_data.get("spec"),
                    created_by=request.user,
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Mapping “%(name)s” saved.") % {"name": mapping.name})
                return redirect("import-index")
        view = ImportIndexView(request=request, kwargs={})
        return render(request, view.template_name, view.get_context_data(mapping_form=form), status=400)


class ImportJobView(StaffRequiredMixin, TemplateView):
    """One import job: an htmx-polled progress bar while it runs, then its summary."""

    template_name = "imports/job.html"
    partial_name = "imports/partials/job_status.html"

    def get(self, request, job_id):
        import_jobs_fail_stale()
        job = get_object_or_404(import_job_list(user=request.user), pk=job_id)
        return render_page_or_partial(request, self.template_name, self.partial_name, {"job": job})


class ImportJobChooseView(StaffRequiredMixin, View):
    """The importer's answer to a job that found rows older than the alert windows: history or live alerts."""

    def post(self, request, job_id):
        job = get_object_or_404(import_job_list(user=request.user), pk=job_id)
        choice = request.POST.get("choice")
        if choice not in ("history", "live"):
            messages.error(request, _("Choose “Import as history” or “Raise live alerts”."))
            return redirect("import-job", job_id=job.pk)
        try:
            import_job_choose(job=job, history=choice == "history")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("import-job", job_id=job.pk)


class ImportJobErrorsView(StaffRequiredMixin, View):
    """The job's full row-error report as CSV (just the header row when there were no errors)."""

    def get(self, request, job_id):
        job = get_object_or_404(import_job_list(user=request.user), pk=job_id)
        filename = f"import-{job.pk}-errors.csv"
        if job.error_report:
            try:
                handle = job.error_report.open("rb")
            except FileNotFoundError:
                raise Http404(_("The error report is no longer available.")) from None
            return FileResponse(handle, as_attachment=True, filename=filename, content_type="text/csv; charset=utf-8")
        out = io.StringIO()
        out.write("\ufeff")
        writer = csv.writer(out)
        writer.writerow(ErrorSink.HEADER)
        for error in job.errors_preview:  # a header problem leaves no report file, only the preview
            writer.writerow([neutralise(str(error.get(k, ""))) for k in ErrorSink.HEADER])
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class ImportTemplateView(StaffRequiredMixin, View):
    """An empty CSV with the Chinese headers of a kind (?kind=…), to fill in and upload."""

    def get(self, request):
        kind = request.GET.get("kind", ImportKind.FEEDBACK)
        if kind not in ImportKind.values:
            raise Http404
        out = io.StringIO()
        out.write("\ufeff")
        csv.writer(out).writerow([c.headers[0] if c.headers else c.name for c in COLUMNS[kind]])
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{kind}-template.csv"'
        return response
