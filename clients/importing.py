"""Importing clients from another booking system's CSV file, column by column as the owner maps them.

`clients.import_files` reads the file (UTF-8 with or without a byte-order mark, UTF-16, Windows-1252 or
ISO-8859-1; comma-, semicolon- or tab-separated). Each column is then mapped to a client field or left
out: `suggest_targets` proposes a mapping from the column names (English, Finnish or Polish,
`HEADER_ALIASES`; custom fields by key or label), the owner may change it, and `clients.import_mappings`
keeps it by name for the next file. Notes or health information are never a target: special-category
data never comes in by file.

Every row goes through `clients.validation.clean_client_data`, the rules of the panel and the API. A row
that looks like a client already in the register (`possible_duplicates`' rule: the same name and phone;
or the same email or national ID; or, for a row with no contact details, the same name) or like an
earlier row of the file gets a choice: skip it (the default, so a file imported twice creates nothing
twice), create it anyway, or update the existing client by filling only its empty fields.

`dry_run` reports what would happen and previews the first rows; `run_import` re-checks everything inside
one transaction and writes all rows or none. Row numbers are those a spreadsheet shows (the column names
are row 1). Messages never quote a cell's value.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clients.events import ClientChanged
from clients.import_files import ImportFileError, ParsedFile, parse_date, read_csv
from clients.merging import FILLED_FIELDS
from clients.models import Client, ClientKind, ClientSource, CustomField
from clients.normalise import search_text
from clients.services import set_search_names
from clients.validation import _clean_typed, clean_client_data
from kernel.audit import Actor, record, record_many
from kernel.events import publish
from kernel.models import AuditAction
from tenancy.fields import blind_index_for
from tenancy.models import Organization
from tilli.lib.fields import field_label as model_field_label

CREATE_BATCH = 500
MATCHES_PER_ROW = 5
PREVIEW_ROWS = 10
NAME_TARGETS = frozenset({"first_name", "last_name", "company_name"})
# What update fills, when empty: the merge's fields (a merge and an import update fill the same way).
UPDATE_FIELDS = FILLED_FIELDS

# Accepted column names per field, as people write them (English, Finnish, Polish, Swedish); compared without
# case, accents, spaces or punctuation ("E-mail", "sähköposti", "Kod pocztowy:" all match).
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "kind": ("kind", "type", "client type", "tyyppi", "asiakastyyppi", "typ", "typ klienta"),
    "first_name": ("first_name", "first name", "given name", "forename", "etunimi", "etunimet", "imię", "imiona",
                   "förnamn"),
    "last_name": ("last_name", "last name", "surname", "family name", "sukunimi", "nazwisko", "efternamn"),
    "company_name": ("company_name", "company name", "company", "yritys", "yrityksen nimi", "firma", "nazwa firmy",
                     "företag", "företagets namn"),
    "business_id": ("business_id", "business id", "y-tunnus", "nip", "fo-nummer"),
    "email": ("email", "e-mail", "email address", "sähköposti", "sähköpostiosoite", "adres e-mail", "mail", "e-post",
              "e-postadress"),
    "phone": ("phone", "phone number", "mobile number", "telephone", "mobile", "puhelin", "puhelinnumero",
              "matkapuhelin", "gsm", "telefon", "numer telefonu", "nr telefonu", "telefon komórkowy", "tel",
              "telefonnummer", "mobil", "mobilnummer"),
    "street_address": ("street_address", "street address", "address", "katuosoite", "osoite", "lähiosoite", "ulica",
                       "adres", "ulica i numer", "gatuadress"),
    "postal_code": ("postal_code", "postal code", "postcode", "zip", "zip code", "postinumero", "kod pocztowy",
                    "postnummer"),
    "city": ("city", "town", "kaupunki", "postitoimipaikka", "paikkakunta", "miasto", "miejscowość", "poczta",
             "postort", "stad", "ort"),
    "gender": ("gender", "sex", "sukupuoli", "płeć", "kön"),
    "birth_year": ("birth_year", "birth year", "year of birth", "syntymävuosi", "rok urodzenia", "födelseår"),
    "birth_date": ("birth_date", "birth date", "date of birth", "syntymäaika", "syntymäpäivä", "data urodzenia",
                   "födelsedatum"),
    "preferred_language": ("preferred_language", "preferred language", "language", "kieli", "asiointikieli", "język",
                           "språk"),
    "national_id": ("national_id", "national id", "national identity number", "personal identity code", "henkilötunnus",
                    "hetu", "pesel", "personbeteckning"),
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
    "name": gettext_lazy("same name"),
    "phone": gettext_lazy("same phone"),
    "email": gettext_lazy("same email"),
    "national_id": gettext_lazy("same national ID"),
}

_LIMITED = {f.name: f.max_length for f in Client._meta.concrete_fields
            if isinstance(f, models.CharField) and f.max_length and f.editable}


def search_key(text: str) -> str:
    """'Sähköposti:' -> 'sahkoposti', 'Kod pocztowy' -> 'kodpocztowy', 'e-mail' -> 'email'."""
    return "".join(c for c in search_text(text) if c.isalnum())


def _value_map(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {search_key(alias): value for value, aliases in table.items() for alias in aliases}


_HEADERS = _value_map(HEADER_ALIASES)
_KINDS = _value_map(_KIND_VALUES)
_GENDERS = _value_map(_GENDER_VALUES)
_LANGUAGES = _value_map(_LANGUAGE_VALUES)


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


class Choice:
    """What to do with a row that looks like a client already in the register or an earlier row."""

    SKIP = "skip"
    CREATE = "create"
    UPDATE = "update"  # fill only the existing client's empty fields


@dataclass
class PreviewRow:
    """A row as it will be imported: (field label, value) in the mapping's order, and its problems."""

    row: int
    values: list[tuple[str, str]] = field(repr=False)  # a report's repr never quotes the file
    errors: list[str] = field(default_factory=list)
    duplicate: bool = False


@dataclass
class ImportReport:
    rows: int = 0
    valid_rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    duplicates: list[LikelyDuplicate] = field(default_factory=list)
    columns: list[tuple[str, str]] = field(default_factory=list)  # (column name in the file, field label)
    ignored_columns: list[str] = field(default_factory=list)
    preview: list[PreviewRow] = field(default_factory=list)
    delimiter: str = ";"
    committed: bool = False
    created: int = 0
    updated: int = 0
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
        """New clients with every likely duplicate skipped (the default); none while any row has an error."""
        return self.valid_rows - self.duplicate_rows if self.ok else 0

    def updatable(self, row: int) -> LikelyDuplicate | None:
        """The row's match in the register, which "update" would fill, if it has one."""
        return next((d for d in self.duplicates if d.row == row and d.client_id), None)


@dataclass
class _ValidRow:
    row: int
    kind: str
    cleaned: dict
    duplicate: bool
    client_id: int | None  # the first client in the register it looks like


def client_targets(definitions: Iterable[CustomField]) -> list[tuple[str, str]]:
    """(target, label) of every field a column can be imported into, custom fields last."""
    return ([(name, model_field_label(Client, name)) for name in HEADER_ALIASES]
            + [(f"custom:{d.key}", d.label) for d in definitions])


def accepted_columns() -> list[tuple[str, tuple[str, ...]]]:
    """(field label, accepted column names) for the help on the upload page."""
    return [(model_field_label(Client, name), aliases) for name, aliases in HEADER_ALIASES.items()]


def suggest_targets(headers: list[str], definitions: Iterable[CustomField]) -> list[str]:
    """A target for each column whose name is a known alias (the first column wins a field), else ""."""
    custom: dict[str, str] = {}
    for definition in definitions:
        custom.setdefault(search_key(definition.label), definition.key)
        custom[search_key(definition.key)] = definition.key
    targets: list[str] = []
    for header in headers:
        key = search_key(header)
        target = _HEADERS.get(key) or (f"custom:{custom[key]}" if key in custom else "")
        targets.append("" if target in targets else target)
    return targets


def map_columns(headers: list[str], definitions: Iterable[CustomField],
                targets: list[str] | None = None) -> tuple[dict[int, str], list[str]]:
    """Column index -> target (custom fields as 'custom:<key>'), and the columns left out.

    Without `targets` the suggestion from the column names is taken. Raises ImportFileError when two
    columns go to one field, a target is unknown, or no column holds a name."""
    definitions = list(definitions)
    if targets is None:
        targets = suggest_targets(headers, definitions)
    if len(targets) != len(headers):
        raise ImportFileError(_("Choose a field or “leave out” for every column."))
    known = dict(client_targets(definitions))
    mapping: dict[int, str] = {}
    ignored: list[str] = []
    used: dict[str, int] = {}
    for index, (header, target) in enumerate(zip(headers, targets, strict=True)):
        if not target:
            if header:
                ignored.append(header)
            continue
        if target not in known:
            raise ImportFileError(_("Choose a field or “leave out” for every column."))
        if target in used:
            raise ImportFileError(
                _("The columns “%(first)s” and “%(second)s” both mean %(field)s. Keep one of them and try again.")
                % {"first": headers[used[target]], "second": header, "field": known[target]})
        used[target] = index
        mapping[index] = target
    if not NAME_TARGETS & set(mapping.values()):
        raise ImportFileError(_("No column holds the name. Map a column to the first name, the last name or "
                                "the company's name."))
    return mapping, ignored


def _target_label(target: str, definitions: Iterable[CustomField]) -> str:
    return dict(client_targets(definitions)).get(target, target)


class _Existing:
    """The organization's clients by name and phone (the panel's duplicate rule), email, national-ID index
    and, for rows without any of those, by name alone."""

    def __init__(self, organization: Organization) -> None:
        self.by: dict[str, dict[object, list[int]]] = {
            key: defaultdict(list) for key in ("name_phone", "email", "national_id", "name")}
        self.names: dict[int, str] = {}
        rows = (Client.objects.for_organization(organization)
                .values_list("pk", "kind", "first_name", "last_name", "company_name", "phone", "email",
                             "national_id_index", "search_name", "search_name_alt"))
        for pk, kind, first, last, company, phone, email, national_index, name, alt in rows.iterator(chunk_size=5000):
            self.names[pk] = company if kind == ClientKind.COMPANY else f"{first} {last}".strip()
            for key, value in (("email", email), ("national_id", national_index)):
                if value:
                    self.by[key][value].append(pk)
            for spelling in {name, alt} - {""}:
                self.by["name"][spelling].append(pk)
                if phone:
                    self.by["name_phone"][(spelling, phone)].append(pk)


_MATCH_FIELDS = {"name_phone": ("name", "phone"), "email": ("email",), "national_id": ("national_id",),
                 "name": ("name",)}


def _match_keys(organization: Organization, kind: str, cleaned: dict) -> list[tuple[str, object]]:
    """The keys by which a row can repeat a client: see the module's docstring."""
    name = (search_text(cleaned.get("company_name", "")) if kind == ClientKind.COMPANY
            else search_text(f"{cleaned.get('last_name', '')} {cleaned.get('first_name', '')}"))
    keys: list[tuple[str, object]] = []
    if cleaned.get("phone") and name:
        keys.append(("name_phone", (name, cleaned["phone"])))
    if cleaned.get("email"):
        keys.append(("email", cleaned["email"]))
    if cleaned.get("national_id"):
        keys.append(("national_id", blind_index_for(Client, "national_id", organization.pk, cleaned["national_id"])))
    if not keys and name:
        keys.append(("name", name))
    return keys


def _prepare(values: dict[str, str]) -> tuple[dict, dict[str, str]]:
    """The cells of one row as clean_client_data takes them (names mapped to codes), and the custom fields."""
    data: dict = {}
    custom: dict[str, str] = {}
    for target, value in values.items():
        if target.startswith("custom:"):
            if value:
                custom[target.removeprefix("custom:")] = value
        elif target == "gender" and value:
            data["gender"] = _GENDERS.get(search_key(value), value)
        elif target == "preferred_language" and value:
            data["preferred_language"] = _LANGUAGES.get(search_key(value), value)
        elif target == "birth_date" and (day := parse_date(value)):
            data["birth_date"] = day.isoformat()
        elif target != "kind":
            data[target] = value
    if data.get("birth_date") and not data.get("birth_year"):
        data.pop("birth_year", None)  # an empty year column must not hide the year of the birth date
    return data, custom


def _row_kind(values: dict[str, str], header_of: dict[str, str], errors: list[tuple[str, str]]) -> str:
    raw = values.get("kind", "")
    if raw:
        kind = _KINDS.get(search_key(raw))
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


def _display(value: object) -> str:
    if value in ("", None):
        return ""
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def _preview_row(number: int, mapping: dict[int, str], cells: list[str], cleaned: dict | None,
                 errors: list[tuple[str, str]], duplicate: bool, labels: dict[str, str]) -> PreviewRow:
    values = []
    for index, target in mapping.items():
        raw = cells[index] if index < len(cells) else ""
        if cleaned is None:
            shown = raw
        elif target.startswith("custom:"):
            shown = _display(cleaned.get("custom_fields", {}).get(target.removeprefix("custom:"), ""))
        else:
            shown = _display(cleaned.get(target, raw if target == "kind" else ""))
        if target == "national_id" and shown:
            shown = "••••••-•••" + shown[-1]  # masked here as everywhere
        values.append((labels[target], shown))
    return PreviewRow(number, values, [message for _column, message in errors], duplicate)


def _analyse(organization: Organization, parsed: ParsedFile, targets: list[str] | None = None,
             progress: Callable[[int], object] | None = None) -> tuple[ImportReport, list[_ValidRow]]:
    definitions = {d.key: d for d in CustomField.objects.for_organization(organization).filter(is_active=True)}
    mapping, ignored = map_columns(parsed.headers, definitions.values(), targets)
    labels = dict(client_targets(definitions.values()))
    header_of = {target: parsed.headers[index] or labels[target] for index, target in mapping.items()}
    position = {header: index for index, header in enumerate(parsed.headers)}
    columns = [(parsed.headers[i], labels[target]) for i, target in mapping.items()]
    report = ImportReport(rows=len(parsed.rows), ignored_columns=ignored, columns=columns,
                          delimiter=parsed.delimiter)
    existing = _Existing(organization)
    seen: dict[tuple[str, object], int] = {}
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
            if len(report.preview) < PREVIEW_ROWS:
                report.preview.append(_preview_row(number, mapping, cells, None, errors, False, labels))
            continue
        matches: dict[tuple[str, int], list[str]] = defaultdict(list)  # ("client"|"row", id) -> fields
        for key, value in _match_keys(organization, kind, cleaned):
            for pk in existing.by[key].get(value, ())[:MATCHES_PER_ROW]:
                matches[("client", pk)].extend(_MATCH_FIELDS[key])
            if (key, value) in seen:
                matches[("row", seen[(key, value)])].extend(_MATCH_FIELDS[key])
            else:
                seen[(key, value)] = number
        for (what, ident), fields in list(matches.items())[:MATCHES_PER_ROW]:
            fields = tuple(dict.fromkeys(fields))
            if what == "client":
                report.duplicates.append(LikelyDuplicate(number, fields, client_id=ident,
                                                         client_name=existing.names[ident]))
            else:
                report.duplicates.append(LikelyDuplicate(number, fields, other_row=ident))
        first_client = next((ident for what, ident in matches if what == "client"), None)
        valid.append(_ValidRow(number, kind, cleaned, duplicate=bool(matches), client_id=first_client))
        if len(report.preview) < PREVIEW_ROWS:
            report.preview.append(_preview_row(number, mapping, cells, cleaned, [], bool(matches), labels))
    report.valid_rows = len(valid)
    return report, valid


def _parsed(source: ParsedFile | str) -> ParsedFile:
    return source if isinstance(source, ParsedFile) else read_csv(source)


def dry_run(organization: Organization, source: ParsedFile | str, *, actor: Actor | None = None,
            targets: list[str] | None = None, progress: Callable[[int], object] | None = None) -> ImportReport:
    """Check every row, look for likely duplicates and preview the first rows; writes no client.

    With an actor, the check is recorded like a search: it compares the file with the
    register and the report names the clients it matched.
    """
    report, _valid = _analyse(organization, _parsed(source), targets, progress)
    if actor is not None:
        record(organization=organization, actor=actor, action=AuditAction.SEARCH, object_type="clients.client",
               detail={"import_check_rows": report.rows,
                       "results": len({d.client_id for d in report.duplicates if d.client_id})})
    return report


def run_import(organization: Organization, source: ParsedFile | str, *, actor: Actor,
               targets: list[str] | None = None, choices: dict[int, str] | None = None,
               default_choice: str = Choice.SKIP, progress: Callable[[int], object] | None = None) -> ImportReport:
    """Write every row in one transaction, or none: raises ImportRefused while any row has an error.

    A row that looks like an existing client or an earlier row follows `choices[row]` (else
    `default_choice`): skipped, created anyway, or used to fill the existing client's empty fields
    (a row matching only an earlier row of the file cannot update and is skipped). Each new client
    gets its own CREATE audit event (source: import), each updated one an UPDATE event.
    """
    parsed = _parsed(source)
    choices = choices or {}
    with transaction.atomic():
        report, valid = _analyse(organization, parsed, targets, progress)
        if not report.ok:
            raise ImportRefused(report)
        clients: list[Client] = []
        for row in valid:
            choice = choices.get(row.row, default_choice) if row.duplicate else Choice.CREATE
            if choice == Choice.UPDATE and row.client_id is not None:
                report.updated += _fill_empty(organization, row, actor)
            elif choice == Choice.CREATE:
                client = Client(organization=organization, kind=row.kind, source=ClientSource.IMPORT,
                                created_by_user_id=actor.user_id, **row.cleaned)
                set_search_names(client)
                clients.append(client)
            else:
                report.skipped += 1
        for start in range(0, len(clients), CREATE_BATCH):
            batch = clients[start:start + CREATE_BATCH]
            Client.objects.bulk_create(batch)
            if progress is not None:
                progress(len(batch))
        if progress is not None and len(valid) > len(clients):
            progress(len(valid) - len(clients))
        _ensure_pks(organization, clients)
        record_many(organization=organization, actor=actor, action=AuditAction.CREATE, object_type="clients.client",
                    subjects=((c.pk, c.subject_ref) for c in clients), detail={"source": ClientSource.IMPORT.value})
    report.committed, report.created = True, len(clients)
    return report


def _fill_empty(organization: Organization, row: _ValidRow, actor: Actor) -> int:
    """Fill the existing client's empty fields from the row (never overwrite); 1 if anything changed.

    A client whose processing is restricted is left as it is, as every other write does."""
    client = Client.objects.for_organization(organization).select_for_update().get(pk=row.client_id)
    if client.is_restricted:
        return 0
    filled = [name for name in UPDATE_FIELDS
              if getattr(client, name) in ("", None) and row.cleaned.get(name) not in ("", None)]
    for name in filled:
        setattr(client, name, row.cleaned[name])
    custom = {**row.cleaned.get("custom_fields", {}), **client.custom_fields}
    if custom != client.custom_fields:
        client.custom_fields = custom
        filled.append("custom_fields")
    if not filled:
        return 0
    client.save()
    record(organization=organization, actor=actor, action=AuditAction.UPDATE, obj=client,
           subject_ref=client.subject_ref, changed_fields=filled, detail={"source": ClientSource.IMPORT.value})
    publish(ClientChanged(organization_id=organization.pk, client_id=client.pk, fields=tuple(filled)))
    return 1


def _ensure_pks(organization: Organization, clients: list[Client]) -> None:
    """Databases without INSERT ... RETURNING leave bulk-created rows without pk: look them up."""
    missing = {c.subject_ref: c for c in clients if c.pk is None}
    refs = list(missing)
    for start in range(0, len(refs), 500):
        for ref, pk in (Client.objects.for_organization(organization)
                        .filter(subject_ref__in=refs[start:start + 500]).values_list("subject_ref", "pk")):
            missing[ref].pk = pk
