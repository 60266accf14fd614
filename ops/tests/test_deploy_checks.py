"""`check --deploy` says when backups would silently not happen; backup keys never double as data keys."""

from tilli.tests.test_settings import manage


def test_check_deploy_warns_without_a_backup_key_or_a_second_destination(tmp_path):
    result = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", BACKUP_KEY=None)
    assert result.returncode != 0 and "ops.W001" in result.stderr
    result = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", BACKUP_S3_BUCKET=None)
    assert result.returncode != 0 and "ops.W002" in result.stderr


def test_the_backup_key_must_not_be_a_data_master_key(tmp_path):
    key = "k1:" + "B" * 43 + "="
    result = manage(tmp_path, "check", TILLI_MASTER_KEYS=key, BACKUP_KEY=key.replace("k1", "b1"))
    assert result.returncode != 0 and "BACKUP_KEY must differ from every key in TILLI_MASTER_KEYS" in result.stderr


def test_a_short_metrics_token_is_refused(tmp_path):
    result = manage(tmp_path, "check", METRICS_TOKEN="short")
    assert result.returncode != 0 and "METRICS_TOKEN" in result.stderr
