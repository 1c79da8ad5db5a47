"""`lupus-sms admin create` and `lupus-sms content export|load`."""

from __future__ import annotations

import shutil

from typer.testing import CliRunner

from lupus_sms.cli import app
from lupus_sms.core.config import get_settings

runner = CliRunner()


def run(*args: str, stdin: str | None = None):
    result = runner.invoke(app, list(args), input=stdin)
    return result


def migrated() -> None:
    assert run("db", "upgrade").exit_code == 0


def test_admin_create_reads_the_password_from_stdin(cli_env):
    migrated()
    result = run(
        "admin", "create", "Owner@Example.org", "--password-stdin", stdin="a long enough password\n"
    )
    assert result.exit_code == 0, result.output
    assert "created owner owner@example.org" in result.output
    again = run(
        "admin", "create", "owner@example.org", "--password-stdin", stdin="a long enough password\n"
    )
    assert again.exit_code == 1
    short = run("admin", "create", "x@example.org", "--password-stdin", stdin="short\n")
    assert short.exit_code == 1 and "12 characters" in short.output


def test_export_then_load_round_trips_byte_for_byte(cli_env, tmp_path):
    migrated()
    first, second = tmp_path / "first", tmp_path / "second"
    assert run("content", "export", str(first)).exit_code == 0
    shipped = get_settings().content_dir
    for path in sorted(shipped.rglob("*.yaml")):
        assert (first / path.relative_to(shipped)).read_bytes() == path.read_bytes()
    load = run("content", "load", str(first))
    assert load.exit_code == 0 and "0 items changed live, 0 drafts" in load.output
    assert run("content", "export", str(second)).exit_code == 0
    files = sorted(p.relative_to(first) for p in first.rglob("*.yaml"))
    assert files == sorted(p.relative_to(second) for p in second.rglob("*.yaml"))
    for name in files:
        assert (first / name).read_bytes() == (second / name).read_bytes()


def test_loading_changed_content_into_a_running_system_creates_drafts(cli_env, tmp_path):
    migrated()
    changed = tmp_path / "changed"
    shutil.copytree(get_settings().content_dir, changed)
    lupus = changed / "topics" / "lupus.yaml"
    lupus.write_text(lupus.read_text().replace("long-term", "lifelong"))
    assert run("content", "export", str(tmp_path / "live")).exit_code == 0  # seeds v1
    result = run("content", "load", str(changed))
    assert result.exit_code == 0, result.output
    assert "draft: topic:lupus" in result.output
    run("content", "export", str(tmp_path / "after"))
    assert "long-term" in (tmp_path / "after" / "topics" / "lupus.yaml").read_text()


def test_loading_invalid_content_is_refused(cli_env, tmp_path):
    migrated()
    broken = tmp_path / "broken"
    shutil.copytree(get_settings().content_dir, broken)
    (broken / "topics" / "lupus.yaml").write_text("key: lupus\nkeyword: STOP\n")
    result = run("content", "load", str(broken))
    assert result.exit_code == 1 and "refused" in result.output
