"""The two places a backup is written: a directory (another disk or a mounted share) and S3-compatible storage.

Both hold the same two objects per backup: `<name>.tbk` (the encrypted snapshot) and
`<name>.manifest.json` (checksum, size, fingerprint; no personal data). Each lists, fetches and
deletes by backup name, so retention and restore work the same on either.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from django.conf import settings

SUFFIXES = (".tbk", ".manifest.json")


class Store:
    label: str

    def put(self, local: Path, key: str) -> None: ...
    def get(self, key: str, local: Path) -> None: ...
    def keys(self) -> list[str]: ...
    def delete(self, key: str) -> None: ...

    def names(self) -> list[str]:
        """Backups present here whole (snapshot and manifest), oldest first."""
        keys = set(self.keys())
        return sorted(k.removesuffix(".tbk") for k in keys
                      if k.endswith(".tbk") and k.removesuffix(".tbk") + ".manifest.json" in keys)

    def remove_backup(self, name: str) -> None:
        for suffix in SUFFIXES:
            self.delete(name + suffix)


class DirectoryStore(Store):
    label = "directory"

    def __init__(self, path: Path) -> None:
        self.path = path

    def put(self, local: Path, key: str) -> None:
        self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = self.path / (key + ".partial")
        shutil.copyfile(local, partial)
        partial.chmod(0o600)
        partial.replace(self.path / key)  # a reader never sees half a file

    def get(self, key: str, local: Path) -> None:
        shutil.copyfile(self.path / key, local)

    def keys(self) -> list[str]:
        return [p.name for p in self.path.iterdir() if p.is_file()] if self.path.is_dir() else []

    def delete(self, key: str) -> None:
        (self.path / key).unlink(missing_ok=True)


class S3Store(Store):
    label = "s3"

    def __init__(self, *, bucket: str, prefix: str, endpoint_url: str | None, region: str) -> None:
        import boto3

        self.bucket, self.prefix = bucket, prefix
        self.client = boto3.client("s3", endpoint_url=endpoint_url, region_name=region)

    def put(self, local: Path, key: str) -> None:
        self.client.upload_file(str(local), self.bucket, self.prefix + key)  # multipart when large

    def get(self, key: str, local: Path) -> None:
        self.client.download_file(self.bucket, self.prefix + key, str(local))

    def keys(self) -> list[str]:
        found = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix):
            found += [item["Key"].removeprefix(self.prefix) for item in page.get("Contents", [])]
        return [key for key in found if "/" not in key]

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.prefix + key)


def configured_stores() -> list[Store]:
    stores: list[Store] = [DirectoryStore(settings.BACKUP_DIR)]
    if settings.BACKUP_S3_BUCKET:
        stores.append(S3Store(bucket=settings.BACKUP_S3_BUCKET, prefix=settings.BACKUP_S3_PREFIX,
                              endpoint_url=settings.BACKUP_S3_ENDPOINT_URL, region=settings.BACKUP_S3_REGION))
    return stores


def store_named(label: str) -> Store:
    for store in configured_stores():
        if store.label == label:
            return store
    raise LookupError(label)
