"""Privacy documents: the public privacy notice, and the owner's pages for publishing it, the Art. 30
record and the processing agreement.

The words come from privacy.document_rendering, the facts and their versions from
privacy.documents; these views only fetch, check the permission and answer. Every panel page
needs MANAGE_ORGANIZATION (the owner); anything else is a 404 like a missing page.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kernel.audit import actor_for_request
from privacy.document_rendering import (
    SIGNED_MAX_BYTES,
    agreement_needs_new_version,
    agreement_open_signed,
    agreement_pdf,
    agreement_store_signed,
    current_agreement,
    document_language,
    local_date,
    notice_pdf,
    notice_text,
    record_csv,
    record_pdf,
    render_notice,
    render_record,
)
from privacy.documents import (
    agreement_generate,
    latest_notice,
    notice_diff,
    notice_facts,
    notice_is_current,
    operator_configured,
    publish_notice,
)
from privacy.models import AgreementStatus, PrivacyNoticeVersion, ProcessingAgreement
from tenancy.access import require_perm
from tenancy.public import public_organization
from tenancy.roles import Perm

OPERATOR_SETTINGS = "OPERATOR_NAME, OPERATOR_BUSINESS_ID, OPERATOR_ADDRESS, OPERATOR_EMAIL"


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


# --- public: the privacy notice ---------------------------------------------------------------------

def _published(organization, version: int | None) -> PrivacyNoticeVersion | None:
    versions = PrivacyNoticeVersion.objects.for_organization(organization)
    if version is None:
        return versions.order_by("-version").first()
    return get_object_or_404(versions, version=version)


def public_notice(request: HttpRequest, booking_slug: str, version: int | None = None) -> HttpResponse:
    """The latest published notice (or the one asked for), in the visitor's language; no account needed.
    It stays readable while the organization is suspended: its clients are still owed the information."""
    organization = public_organization(booking_slug, request, while_unavailable=True)
    notice = _published(organization, version)
    if notice is None:
        return render(request, "web/documents/notice_missing.html", {"booking_org": organization}, status=404)
    versions = [{"version": v.version, "date": local_date(v.published_at, organization)}
                for v in PrivacyNoticeVersion.objects.for_organization(organization).order_by("-version")]
    return render(request, "web/documents/public_notice.html", {
        "booking_org": organization, "notice": notice, "versions": versions,
        "is_latest": notice.version == versions[0]["version"],
        "notice_html": render_notice(notice.facts, organization=organization, language=translation.get_language(),
                                     published_at=notice.published_at, version=notice.version),
    })


def public_notice_pdf(request: HttpRequest, booking_slug: str, version: int) -> HttpResponse:
    organization = public_organization(booking_slug, request, while_unavailable=True)
    notice = _published(organization, version)
    content = notice_pdf(notice.facts, organization=organization, language=translation.get_language(),
                         published_at=notice.published_at, version=notice.version,
                         base_url=request.build_absolute_uri("/").rstrip("/"))
    return _download(content, "application/pdf", f"privacy-notice-{organization.slug}-v{notice.version}.pdf")


# --- panel: the notice, its versions and publishing ----------------------------------------------------

def documents(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_ORGANIZATION)
    organization = request.organization
    if request.method == "POST":
        if request.POST.get("action") != "publish":
            raise Http404
        notice = publish_notice(organization=organization, actor=actor_for_request(request))
        messages.success(request, _("Version %(version)s of the privacy notice is published.") % {
            "version": notice.version})
        return redirect("web:documents", org_slug=organization.slug)
    latest = latest_notice(organization)
    current = notice_is_current(organization)
    diff: list[str] = []
    language = document_language(organization)
    if latest is not None and not current:
        diff = notice_diff(notice_text(latest.facts, organization=organization, language=language),
                           notice_text(notice_facts(organization), organization=organization, language=language))
    versions = [{"version": v.version, "date": local_date(v.published_at, organization)}
                for v in PrivacyNoticeVersion.objects.for_organization(organization).order_by("-version")]
    return render(request, "web/documents/index.html", {
        "latest": latest, "latest_date": local_date(latest.published_at, organization) if latest else "",
        "current": current, "diff": [_diff_line(line) for line in diff[2:]], "versions": versions,
        "document_language": language,
        "agreement": agreement_summary(organization),
        "has_contact": bool(organization.privacy_contact_email or organization.privacy_contact_phone),
    })


def _diff_line(line: str) -> dict[str, str]:
    kind = {"+": "added", "-": "removed", "@": "hunk"}.get(line[:1], "same")
    return {"kind": kind, "text": "…" if kind == "hunk" else line}


def documents_preview(request: HttpRequest) -> HttpResponse:
    """The notice as it would be published now, for the owner to read first."""
    require_perm(request, Perm.MANAGE_ORGANIZATION)
    return render(request, "web/documents/preview.html", {
        "notice_html": render_notice(notice_facts(request.organization), organization=request.organization,
                                     language=document_language(request.organization))})


# --- panel: the record of processing activities --------------------------------------------------------

def documents_record(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_ORGANIZATION)
    return render(request, "web/documents/record.html", {"record_html": render_record(request.organization)})


def documents_record_pdf(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_ORGANIZATION)
    return _download(record_pdf(request.organization), "application/pdf",
                     f"record-of-processing-{request.organization.slug}.pdf")


def documents_record_csv(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_ORGANIZATION)
    return _download(record_csv(request.organization), "text/csv; charset=utf-8",
                     f"record-of-processing-{request.organization.slug}.csv")


# --- panel: the processing agreement -------------------------------------------------------------------

def agreement_summary(organization) -> dict:
    """For the dashboard card and the documents page: where the agreement stands. `to_draw_up` says
    whether the page offers to draw up a version: when none exists yet or the facts changed since."""
    agreement = current_agreement(organization)
    configured, needs_new = operator_configured(), agreement_needs_new_version(organization)
    return {"agreement": agreement, "configured": configured,
            "signed": agreement is not None and agreement.status == AgreementStatus.SIGNED,
            "outdated": agreement is not None and needs_new, "to_draw_up": configured and needs_new}


class SignedCopyForm(forms.Form):
    signed_copy = forms.FileField(label=gettext_lazy("The signed agreement (PDF, PNG or JPEG, at most 10 MB)"))

    def clean_signed_copy(self):
        upload = self.cleaned_data["signed_copy"]
        if upload.size > SIGNED_MAX_BYTES:
            raise ValidationError(_("The file is larger than 10 MB."), code="too_large")
        return upload


def documents_agreement(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_ORGANIZATION)
    organization = request.organization
    agreement = current_agreement(organization)
    form = SignedCopyForm()
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "generate":
            if not operator_configured():
                raise Http404
            agreement = agreement_generate(organization=organization, actor=actor_for_request(request))
            messages.success(request, _("Version %(version)s of the agreement is ready to sign.") % {
                "version": agreement.version})
            return redirect("web:documents_agreement", org_slug=organization.slug)
        if action != "upload" or agreement is None:
            raise Http404
        form = SignedCopyForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                agreement_store_signed(agreement=agreement, data=form.cleaned_data["signed_copy"].read(),
                                       actor=actor_for_request(request))
            except ValidationError as error:
                form.add_error("signed_copy", error)
            else:
                messages.success(request, _("The signed copy is saved and the agreement is marked signed."))
                return redirect("web:documents_agreement", org_slug=organization.slug)
    history = ProcessingAgreement.objects.for_organization(organization).order_by("-version")
    return render(request, "web/documents/agreement.html", {
        **agreement_summary(organization), "form": form, "operator_settings": OPERATOR_SETTINGS,
        "signed_date": local_date(agreement.signed_at, organization) if agreement else "",
        "generated_date": local_date(agreement.generated_at, organization) if agreement else "",
        "history": [{"agreement": a, "generated": local_date(a.generated_at, organization),
                     "signed": local_date(a.signed_at, organization)} for a in history],
    }, status=400 if form.errors else 200)


def _current_or_404(request: HttpRequest) -> ProcessingAgreement:
    require_perm(request, Perm.MANAGE_ORGANIZATION)
    agreement = current_agreement(request.organization)
    if agreement is None:
        raise Http404
    return agreement


def documents_agreement_pdf(request: HttpRequest) -> HttpResponse:
    agreement = _current_or_404(request)
    if not operator_configured() or not all(agreement.facts["operator"].values()):
        raise Http404
    return _download(agreement_pdf(agreement), "application/pdf",
                     f"processing-agreement-{request.organization.slug}-v{agreement.version}.pdf")


def documents_agreement_signed(request: HttpRequest) -> HttpResponse:
    """The signed copy; every download is written to the access log."""
    agreement = _current_or_404(request)
    try:
        content, content_type, filename = agreement_open_signed(agreement=agreement, actor=actor_for_request(request))
    except FileNotFoundError:
        raise Http404 from None
    return _download(content, content_type, filename)


def dashboard_agreement(request: HttpRequest) -> dict | None:
    """The dashboard card's data, for the owner only."""
    if not request.membership.has_perm(Perm.MANAGE_ORGANIZATION):
        return None
    return agreement_summary(request.organization)
