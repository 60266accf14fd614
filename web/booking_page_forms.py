"""Forms of the booking page's settings: one input per customer language for every translatable text, and
picture uploads re-encoded by `tilli.lib.images` before a service sees them."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from booking.models import BookingPage, ServiceCategory
from booking.page import KEEP, NAME_LENGTH, TEXT_LENGTH
from tenancy.models import Organization
from tilli.lib.images import check_upload_size, clean_image

LANGUAGE_NAMES = dict(settings.LANGUAGES)
IMAGE_ACCEPT = "image/jpeg,image/png,image/webp"


class TranslatedFormMixin:
    """Adds `<base>__<code>` inputs, one per language the organization offers its customers."""

    def add_translated(self, base: str, label, organization: Organization, initial: dict | None, *,
                       textarea: bool = False, required: bool = False) -> None:
        initial = initial if isinstance(initial, dict) else {}
        for code in organization.public_language_codes:
            self.fields[f"{base}__{code}"] = forms.CharField(
                label=f"{label} ({LANGUAGE_NAMES[code]})", initial=initial.get(code, ""),
                required=required and code == organization.default_language,
                max_length=TEXT_LENGTH if textarea else NAME_LENGTH,
                widget=forms.Textarea(attrs={"rows": 3}) if textarea else forms.TextInput)

    def translated(self, base: str) -> dict[str, str]:
        prefix = f"{base}__"
        return {name.removeprefix(prefix): value for name, value in self.cleaned_data.items()
                if name.startswith(prefix)}


class PictureField(forms.FileField):
    """An upload re-encoded on cleaning; its cleaned value is a `CleanImage` (or None when nothing was sent)."""

    def __init__(self, *, max_side: int, keep_transparency: bool = False, **kwargs) -> None:
        self.max_side, self.keep_transparency = max_side, keep_transparency
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("JPEG, PNG or WebP, at most 5 MB."))
        super().__init__(widget=forms.ClearableFileInput(attrs={"accept": IMAGE_ACCEPT}), **kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload:
            return None
        check_upload_size(upload.size)
        return clean_image(upload.read(), max_side=self.max_side, keep_transparency=self.keep_transparency)


def picture_change(form: forms.Form, field: str):
    """The service's picture argument: a new picture, None to remove, or KEEP."""
    if form.cleaned_data.get(field):
        return form.cleaned_data[field]
    if form.cleaned_data.get(f"remove_{field}"):
        return None
    return KEEP


class BookingPageForm(TranslatedFormMixin, forms.Form):
    accent_colour = forms.CharField(label=_("Brand colour"), max_length=7,
                                    widget=forms.TextInput(attrs={"type": "color"}),
                                    help_text=_("The header band and the buttons."))
    accent_text_colour = forms.CharField(label=_("Text colour on the brand colour"), max_length=7,
                                         widget=forms.TextInput(attrs={"type": "color"}),
                                         help_text=_("Checked against the brand colour: it must be easy to read."))
    embed_origin = forms.CharField(label=_("Your website's address"), max_length=200, required=False,
                                   help_text=BookingPage._meta.get_field("embed_origin").help_text)
    logo = PictureField(label=_("Logo"), max_side=512, keep_transparency=True)
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)
    cover = PictureField(label=_("Cover image"), max_side=2000)
    remove_cover = forms.BooleanField(label=_("Remove the cover image"), required=False)

    def __init__(self, *args, organization: Organization, page: BookingPage, **kwargs) -> None:
        kwargs.setdefault("initial", {"accent_colour": page.accent_colour,
                                      "accent_text_colour": page.accent_text_colour,
                                      "embed_origin": page.embed_origin})
        super().__init__(*args, **kwargs)
        self.add_translated("description", _("Description"), organization, page.description, textarea=True)
        if not page.logo:
            del self.fields["remove_logo"]
        if not page.cover:
            del self.fields["remove_cover"]


class CategoryForm(TranslatedFormMixin, forms.Form):
    position = forms.IntegerField(label=_("Order on the page"), min_value=0, max_value=999, initial=0)

    def __init__(self, *args, organization: Organization, category: ServiceCategory | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.add_translated("name", _("Name"), organization, category.name if category else None, required=True)
        if category is not None:
            self.fields["position"].initial = category.position
        self.order_fields([name for name in self.fields if name != "position"] + ["position"])


class ServicePageForm(TranslatedFormMixin, forms.Form):
    category = forms.ModelChoiceField(label=_("Category"), queryset=ServiceCategory.objects.none(), required=False,
                                      empty_label=_("Other services"))

    def __init__(self, *args, organization: Organization, service, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        field.queryset = ServiceCategory.objects.for_organization(organization)
        field.initial = service.category_id
        translations = service.translations if isinstance(service.translations, dict) else {}
        self.add_translated("name", _("Name on the booking page"), organization, translations.get("name"))
        self.add_translated("description", _("Description"), organization, translations.get("description"),
                            textarea=True)


class StaffProfileForm(TranslatedFormMixin, forms.Form):
    photo = PictureField(label=_("Photo"), max_side=800)
    remove_photo = forms.BooleanField(label=_("Remove the photo"), required=False)
    consent = forms.BooleanField(
        label=_("This person agrees that their photo and introduction are shown on the public booking page"),
        required=False)

    def __init__(self, *args, organization: Organization, resource, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.add_translated("bio", _("Introduction"), organization, resource.bio, textarea=True)
        if not resource.photo:
            del self.fields["remove_photo"]

    def clean(self):
        data = super().clean()
        shows_something = data.get("photo") or any(self.translated("bio").values())
        if shows_something and not data.get("consent"):
            self.add_error("consent", _("A photo or introduction is shown only with the person's consent."))
        return data
