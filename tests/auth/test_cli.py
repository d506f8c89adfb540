"""`yulu keys|clients|users` against a real database, as an operator runs them."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.auth.conftest import SECRET_KEY


def _yulu(database_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    # The live app's secret key: `keys rotate` encrypts the new private key with it.
    env = {**os.environ, "YULU_DATABASE_URL": database_url, "YULU_SECRET_KEY": SECRET_KEY}
    return subprocess.run([sys.executable, "-m", "portal.cli", *args], input=stdin, env=env,
                          capture_output=True, text=True, timeout=60)


def test_operator_commands(auth_database_url):
    created = _yulu(auth_database_url, "users", "create", "cli-officer", "--role", "admin",
                    "--password-stdin", stdin="a long passphrase\n")
    assert created.returncode == 0, created.stderr
    assert "cli-officer" in _yulu(auth_database_url, "users", "list").stdout
    assert _yulu(auth_database_url, "users", "passwd", "cli-officer", "--password-stdin",
                 stdin="another passphrase\n").returncode == 0

    client = _yulu(auth_database_url, "clients", "create", "cli-system", "--grant",
                   "client_credentials", "--service-user", "cli-officer", "--scope", "alliance:read")
    assert client.returncode == 0, client.stderr
    assert "client_secret" in client.stdout
    assert "cli-system\tconfidential" in _yulu(auth_database_url, "clients", "list").stdout
    refused = _yulu(auth_database_url, "clients", "create", "bad", "--grant", "client_credentials")
    assert refused.returncode != 0 and "service user" in refused.stderr
    assert _yulu(auth_database_url, "clients", "delete", "cli-system").returncode == 0
    assert "cli-system" not in _yulu(auth_database_url, "clients", "list").stdout

    rotated = _yulu(auth_database_url, "keys", "rotate")
    assert rotated.returncode == 0 and "new signing key" in rotated.stdout
