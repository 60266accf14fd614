"""Importing clients from another booking system's CSV file.

The file is UTF-8 text (with or without a byte-order mark), comma-, semicolon- or
tab-separated (sniffed from the first row; Finnish and Polish Excel write semicolons), and
its first row names the columns. Column names map to client fields in English, Finnish
or Polish (`HEADER_ALIASES`); custom fields match by key or label; every other column,
and notes or health information in particular, is not imported: special-category data
never comes in by file.

Every row goes through `clients.validation.clean_client_data`, the rules of the panel and
the API. `dry_run` reports what would happen; `run_import` re-checks everything inside
one transaction and creates all rows or none. Row numbers are those a spreadsheet shows
(the column names are row 1). Messages never quote a cell's value.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clients.models import Client, ClientKind, ClientSource, CustomField
from clients.normalise import search_text
from clients.services import set_search_names
from clients.validation import _clean_typed, clean_client_data
from kernel.audit import Actor, record, record_many
from kernel.models import AuditAction
from tenancy.fields import blind_index_for
from tenancy.models import Organization
from tilli.lib.fields import field_label as model_field_label

MAX_FILE_BYTES = 5 * 1024 * 1024
CREATE_BATCH = 500
MATCHES_PER_ROW = 5
DELIMITERS = (";", ",", "\t")

# Accepted column names per field, as people write them; compared without case, accents,
# spaces or punctuation ("E-mail", "sähköposti", "Kod pocztowy:" all match).
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "kind": ("kind", "type", "client type", "tyyppi", "asiakastyyppi", "typ", "typ klienta"),
    "first_name": ("first_name", "first name", "given name", "forename", "etunimi", "etunimet", "imię", "imiona"),
    "last_name": ("last_name", "last name", "surname", "family name", "sukunimi", "nazwisko"),
    "company_name": ("company_name", "company name", "company", "yritys", "yrityksen nimi", "firma", "nazwa firmy"),
    "business_id": ("business_id", "business id", "y-tunnus", "nip"),
    "email": ("email", "e-mail", "email address", "sähköposti", "sähköpostiosoite", "adres e-mail", "mail"),
    "phone": ("phone", "phone number", "telephone", "mobile", "puhelin", "puhelinnumero", "matkapuhelin", "gsm",
              "telefon", "numer telefonu", "nr telefonu", "telefon komórkowy", "tel"),
    "street_address": ("street_address", "street address", "address", "katuosoite", "osoite", "lähiosoite",
                       "ulica", "adres", "ulica i numer"),
    "postal_code": ("postal_code", "postal code", "postcode", "zip", "zip code", "postinumero", "kod pocztowy"),
    "city": ("city", "town", "kaupunki", "postitoimipaikka", "paikkakunta", "miasto", "miejscowość", "poczta"),
    "gender": ("gender", "sex", "sukupuoli", "płeć"),
    "birth_year": ("birth_year", "birth year", "year of birth", "syntymävuosi", "rok urodzenia"),
    "birth_date": ("birth_date", "birth date", "date of birth", "syntymäaika", "syntymäpäivä", "data urodzenia"),
    "preferred_language": ("preferred_language", "preferred language", "language", "kieli", "asiointikieli", "język"),
    "national_id": ("national_id", "national id", "national identity number", "personal identity code",
                    "henkilötunnus", "hetu", "pesel"),
    "billing_name": ("billing_name", "billing name", "laskutusnimi", "laskun saaja", "nazwa do faktury", "nabywca"),
    "billing_address": ("billing_address", "billing address", "laskutusosoite", "adres do faktury"),
    "billing_reference": ("billing_reference", "billing reference", "laskutusviite", "viite", "referencja"),
    "standing_discount_percent": ("standing_discount_percent", "standing discount", "discount", "alennus",
                                  "alennusprosentti", "rabat", "stały rabat"),
}

_KIND_VALUES = {
    ClientKind.PERSON: ("person", "private", "henkilö", "yksityishenkilö", "yksityinen", "osoba", "osoba fizyczna"),
    ClientKind.COMPANY: ("company", "business", "organization", "yritys", "yhtiö", "firma", "przedsiębiorstwo"),
}
_GENDER_VALUES = {
    "female": ("female", "f", "woman", "nainen", "n", "kobieta", "k"),
    "male": ("male", "m", "man", "mies", "mężczyzna"),
    "other": ("other", "muu", "inna", "inny"),
}
_LANGUAGE_VALUES = {
    "fi": ("fi", "finnish", "suomi", "fiński", "finska"),
    "sv": ("sv", "swedish", "ruotsi", "svenska", "szwedzki"),
    "pl": ("pl", "polish", "puola", "polski"),
    "en": ("en", "english", "englanti", "angielski", "engelska"),
}

DUPLICATE_LABELS = {
    "phone": gettext_lazy("same phone"),
    "email": gettext_lazy("same email"),
    "national_id": gettext_lazy("same national ID"),
}

_FINNISH_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_LIMITED = {f.name: f.max_length for f in Client._meta.concrete_fields
            if isinstance(f, models.CharField) and f.max_length and f.editable}


def _key(text: str) -> str:
    """'Sähköposti:' -> 'sahkoposti', 'Kod pocztowy' -> 'kodpocztowy', 'e-mail' -> 'email'."""
    return "".join(c for c in search_text(text) if c.isalnum())


def _value_map(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {_key(alias): value for value, aliases in table.items() for alias in aliases}


_HEADERS = _value_map(HEADER_ALIASES)
_KINDS = _value_map(_KIND_VALUES)
_GENDERS = _value_map(_GENDER_VALUES)
_LANGUAGES = _value_map(_LANGUAGE_VALUES)


class ImportFileError(Exception):
    """The file as a whole cannot be read; `message` is in the user's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ImportRefused(Exception):
    """The real run found rows with errors and created nothing; the report says which."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__("rows with errors")
        self.report = report


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass(frozen=True)
class LikelyDuplicate:
    """Row `row` shares `fields` with an existing client or with an earlier row of the file."""

    row: int
    fields: tuple[str, ...]
    client_id: int | None = None
    client_name: str = ""
    other_row: int | None = None

    @property
    def reason(self) -> str:
        return ", ".join(str(DUPLICATE_LABELS[name]) for name in self.fields)


@dataclass
class ImportReport:
    rows: int = 0
    valid_rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    duplicates: list[LikelyDuplicate] = field(default_factory=list)
    columns: list[tuple[str, str]] = field(default_factory=list)  # (column name in the file, field label)
    ignored_columns: list[str] = field(default_factory=list)
    delimiter: str = ";"
    committed: bool = False
    created: int = 0
    skipped: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_rows(self) -> int:
        return len({e.row for e in self.errors})

    @property
    def duplicate_rows(self) -> int:
        return len({d.row for d in self.duplicates})

    @property
    def would_create(self) -> int:
        """Rows the real run would create: all of them, or none while any row has an error."""
        return self.valid_rows if self.ok else 0

    @property
    def would_create_without_duplicates(self) -> int:
        return self.would_create - self.duplicate_rows if self.ok else 0


@dataclass
class ParsedFile:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (row number as a spreadsheet shows it, cells); blank rows left out
    delimiter: str


@dataclass
class _ValidRow:
    row: int
    kind: str
    cleaned: dict
    duplicate: bool


def decode_upload(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(_("The file is not UTF-8 text. In Excel, save it as “CSV UTF-8” and try again.")) \
            from None


def _sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first row into the most columns (semicolon on a tie)."""
    best, best_count = DELIMITERS[0], 0
    for delimiter in DELIMITERS:
        try:
            count = len(next(csv.reader(io.StringIO(text), delimiter=delimiter), []))
        except csv.Error:
            continue
        if count > best_count:
            best, best_count = delimiter, count
    return best


def _clean_cell(value: str) -> str:
    """Strip spaces, and the apostrophe that exports (ours too) put before a cell Excel would run as a formula."""
    value = value.strip()
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@":
        return value[1:]
    return value


def read_csv(text: str) -> ParsedFile:
    """Split the file into the header row and data rows; raises ImportFileError."""
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise ImportFileError(_("The file is empty."))
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    try:
        headers = [h.strip() for h in next(reader)]
        for number, cells in enumerate(reader, start=2):
            cells = [_clean_cell(c) for c in cells]
            if any(cells):
                rows.append((number, cells))
    except csv.Error:
        raise ImportFileError(_("The file could not be read as CSV near row %(row)d.")
                              % {"row": reader.line_num}) from None
    if not rows:
        raise ImportFileError(_("The file has no rows of clients below the column names."))
    return ParsedFile(headers=headers, rows=rows, delimiter=delimiter)



def accepted_columns() -> list[tuple[str, tuple[str, ...]]]:
    """(field label, accepted column names) for the help on the upload page."""
    return [(model_field_label(Client, name), aliases) for name, aliases in HEADER_ALIASES.items()]


def map_columns(headers: list[str], definitions: Iterable[CustomField]) -> tuple[dict[int, str], list[str]]:
    """Column index -> field name (custom fields as 'custom:<key>'), and the columns not imported."""
    custom: dict[str, str] = {}
    for definition in definitions:
        custom.setdefault(_key(definition.label), definition.key)
        custom[_key(definition.key)] = definition.key
    mapping: dict[int, str] = {}
    ignored: list[str] = []
    used: dict[str, int] = {}
    for index, header in enumerate(headers):
        key = _key(header)
        target = _HEADERS.get(key) or (f"custom:{custom[key]}" if key in custom else None)
        if target is None:
            if header:
                ignored.append(header)
            continue
        if target in used:
            raise ImportFileError(
                _("The columns “%(first)s” and “%(second)s” both mean %(field)s. Keep one of them and try again.")
                % {"first": headers[used[target]], "second": header, "field": _target_label(target, definitions)})
        used[target] = index
        mapping[index] = target
    if not {"first_name", "last_name", "company_name"} & set(mapping.values()):
        raise ImportFileError(_("No column for the name was found. The first row must name the columns, "
                                "for example first_name;last_name;phone;email."))
    return mapping, ignored


def _target_label(target: str, definitions: Iterable[CustomField]) -> str:
    if target.startswith("custom:"):
        key = target.removeprefix("custom:")
        return next((d.label for d in definitions if d.key == key), key)
    return model_field_label(Client, target)


class _Existing:
    """The organization's clients by phone, email and national-ID index, for duplicate checks."""

    def __init__(self, organization: Organization) -> None:
        self.by: dict[str, dict[str, list[int]]] = {"phone": defaultdict(list), "email": defaultdict(list),
                                                    "national_id": defaultdict(list)}
        self.names: dict[int, str] = {}
        rows = (Client.objects.for_organization(organization)
                .values_list("pk", "kind", "first_name", "last_name", "company_name", "phone", "email",
                             "national_id_index"))
        for pk, kind, first, last, company, phone, email, national_index in rows.iterator(chunk_size=5000):
            if not (phone or email or national_index):
                continue
            self.names[pk] = company if kind == ClientKind.COMPANY else f"{first} {last}".strip()
            for name, value in (("phone", phone), ("email", email), ("national_id", national_index)):
                if value:
                    self.by[name][value].append(pk)


def _prepare(values: dict[str, str]) -> tuple[dict, dict[str, str]]:
    """The cells of one row as clean_client_data takes them (names mapped to codes), and the custom fields."""
    data: dict = {}
    custom: dict[str, str] = {}
    for target, value in values.items():
        if target.startswith("custom:"):
            if value:
                custom[target.removeprefix("custom:")] = value
        elif target == "gender" and value:
            data["gender"] = _GENDERS.get(_key(value), value)
        elif target == "preferred_language" and value:
            data["preferred_language"] = _LANGUAGES.get(_key(value), value)
        elif target == "birth_date" and (match := _FINNISH_DATE.fullmatch(value)):
            day, month, year = (int(part) for part in match.groups())
            try:
                data["birth_date"] = datetime.date(year, month, day).isoformat()
            except ValueError:
                data["birth_date"] = value
        elif target != "kind":
            data[target] = value
    if data.get("birth_date") and not data.get("birth_year"):
        data.pop("birth_year", None)  # an empty year column must not hide the year of the birth date
    return data, custom


def _row_kind(values: dict[str, str], header_of: dict[str, str], errors: list[tuple[str, str]]) -> str:
    raw = values.get("kind", "")
    if raw:
        kind = _KINDS.get(_key(raw))
        if kind is None:
            errors.append((header_of["kind"], _("Choose one of the listed options.")))
            return ClientKind.PERSON
        return kind
    if values.get("company_name") and not (values.get("first_name") or values.get("last_name")):
        return ClientKind.COMPANY
    return ClientKind.PERSON


def _clean_custom(organization: Organization, custom: dict[str, str], definitions: dict[str, CustomField],
                  header_of: dict[str, str], errors: list[tuple[str, str]]) -> dict[str, str]:
    """clients.validation's check of custom fields, with the definitions read once per file, not per row."""
    cleaned = {}
    for key, value in custom.items():
        definition = definitions[key]
        try:
            cleaned[key] = _clean_typed(definition.field_type, value, organization)
        except ValidationError as error:
            errors.append((header_of[f"custom:{key}"], f"{definition.label}: {' '.join(error.messages)}"))
    return cleaned


def _validate(organization: Organization, kind: str, prepared: tuple[dict, dict[str, str]],
              header_of: dict[str, str], definitions: dict[str, CustomField],
              errors: list[tuple[str, str]]) -> dict | None:
    def column(name: str) -> str:
        return header_of.get(name) or model_field_label(Client, name)

    data, custom = prepared
    custom_cleaned = _clean_custom(organization, custom, definitions, header_of, errors) if custom else {}
    try:
        cleaned = clean_client_data(organization, data, kind=kind)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.extend((column(name), message) for message in messages)
        return None
    if custom_cleaned:
        cleaned["custom_fields"] = custom_cleaned
    # The checks client_create adds to the shared rules.
    if kind == ClientKind.PERSON and not (cleaned.get("first_name") or cleaned.get("last_name")):
        errors.append((column("last_name") if "last_name" in header_of else column("first_name"),
                       _("Enter a name.")))
    if kind == ClientKind.COMPANY and not cleaned.get("company_name"):
        errors.append((column("company_name"), _("Enter the company's name.")))
    for name, limit in _LIMITED.items():
        value = cleaned.get(name)
        if isinstance(value, str) and len(value) > limit:
            try:
                MaxLengthValidator(limit)(value)
            except ValidationError as error:
                errors.extend((column(name), message) for message in error.messages)
    return None if errors else cleaned


def _analyse(organization: Organization, parsed: ParsedFile,
             progress: Callable[[int], object] | None = None) -> tuple[ImportReport, list[_ValidRow]]:
    definitions = {d.key: d for d in CustomField.objects.for_organization(organization).filter(is_active=True)}
    mapping, ignored = map_columns(parsed.headers, definitions.values())
    header_of = {target: parsed.headers[index] for index, target in mapping.items()}
    position = {header: index for index, header in enumerate(parsed.headers)}
    columns = [(parsed.headers[i], _target_label(target, definitions.values())) for i, target in mapping.items()]
    report = ImportReport(rows=len(parsed.rows), ignored_columns=ignored, delimiter=parsed.delimiter, columns=columns)
    existing = _Existing(organization)
    seen: dict[tuple[str, str], int] = {}
    valid: list[_ValidRow] = []
    for number, cells in parsed.rows:
        errors: list[tuple[str, str]] = []
        if len(cells) > len(parsed.headers) and any(cells[len(parsed.headers):]):
            errors.append(("", _("This row has more cells than the first row has column names.")))
        values = {target: cells[index] if index < len(cells) else "" for index, target in mapping.items()}
        kind = _row_kind(values, header_of, errors)
        cleaned = _validate(organization, kind, _prepare(values), header_of, definitions, errors)
        if progress is not None:
            progress(1)
        if cleaned is None:
            errors.sort(key=lambda error: position.get(error[0], -1))  # in the order of the file's columns
            report.errors.extend(RowError(number, column, message) for column, message in errors)
            continue
        keys = [("phone", cleaned.get("phone")), ("email", cleaned.get("email"))]
        if cleaned.get("national_id"):
            keys.append(("national_id",
                         blind_index_for(Client, "national_id", organization.pk, cleaned["national_id"])))
        matches: dict[tuple[str, int], list[str]] = defaultdict(list)  # ("client"|"row", id) -> fields
        for name, value in keys:
            if not value:
                continue
            for pk in existing.by[name].get(value, ())[:MATCHES_PER_ROW]:
                matches[("client", pk)].append(name)
            if (name, value) in seen:
                matches[("row", seen[(name, value)])].append(name)
            else:
                seen[(name, value)] = number
        for (what, ident), fields in list(matches.items())[:MATCHES_PER_ROW]:
            if what == "client":
                report.duplicates.append(LikelyDuplicate(number, tuple(fields), client_id=ident,
                                                         client_name=existing.names[ident]))
            else:
                report.duplicates.append(LikelyDuplicate(number, tuple(fields), other_row=ident))
        valid.append(_ValidRow(number, kind, cleaned, duplicate=bool(matches)))
    report.valid_rows = len(valid)
    return report, valid


def _parsed(source: ParsedFile | str) -> ParsedFile:
    return source if isinstance(source, ParsedFile) else read_csv(source)


def dry_run(organization: Organization, source: ParsedFile | str, *, actor: Actor | None = None,
            progress: Callable[[int], object] | None = None) -> ImportReport:
    """Check every row and look for likely duplicates; writes no client.

    With an actor, the check is recorded like a search: it compares the file with the
    register and the report names the clients it matched.
    """
    report, _valid = _analyse(organization, _parsed(source), progress)
    if actor is not None:
        record(organization=organization, actor=actor, action=AuditAction.SEARCH, object_type="clients.client",
               detail={"import_check_rows": report.rows,
                       "results": len({d.client_id for d in report.duplicates if d.client_id})})
    return report


def run_import(organization: Organization, source: ParsedFile | str, *, actor: Actor,
               skip_duplicates: bool = False, progress: Callable[[int], object] | None = None) -> ImportReport:
    """Create every row in one transaction, or none: raises ImportRefused while any row has an error.

    Each client gets its own CREATE audit event (source: import). With `skip_duplicates`,
    rows that look like an existing client or an earlier row are left out.
    """
    parsed = _parsed(source)
    with transaction.atomic():
        report, valid = _analyse(organization, parsed, progress)
        if not report.ok:
            raise ImportRefused(report)
        clients = []
        for row in valid:
            if skip_duplicates and row.duplicate:
                continue
            client = Client(organization=organization, kind=row.kind, source=ClientSource.IMPORT,
                            created_by_user_id=actor.user_id, **row.cleaned)
            set_search_names(client)
            clients.append(client)
        if progress is not None and len(valid) > len(clients):
            progress(len(valid) - len(clients))
        for start in range(0, len(clients), CREATE_BATCH):
            batch = clients[start:start + CREATE_BATCH]
            Client.objects.bulk_create(batch)
            if progress is not None:
                progress(len(batch))
        _ensure_pks(organization, clients)
        record_many(organization=organization, actor=actor, action=AuditAction.CREATE, object_type="clients.client",
                    subjects=((c.pk, c.subject_ref) for c in clients), detail={"source": ClientSource.IMPORT.value})
    report.committed, report.created, report.skipped = True, len(clients), len(valid) - len(clients)
    return report


def _ensure_pks(organization: Organization, clients: list[Client]) -> None:
    """Databases without INSERT ... RETURNING leave bulk-created rows without pk: look them up."""
    missing = {c.subject_ref: c for c in clients if c.pk is None}
    refs = list(missing)
    for start in range(0, len(refs), 500):
        for ref, pk in (Client.objects.for_organization(organization)
                        .filter(subject_ref__in=refs[start:start + 500]).values_list("subject_ref", "pk")):
            missing[ref].pk = pk
