"""API keys: the admin CLI beside a running server, and what the server does with them."""

from __future__ import annotations

import re
import time

import httpx
import openai
import pytest

from conftest import KEY_RE, Gateway
from fake_upstream import FakeUpstream
from support import DEEPSEEK, MODEL, assert_openai_error, bearer, chat_body, user

REVOCATION_DEADLINE = 1.0  # s: "a key revoked by the CLI must be refused by a running server within 1 second"


def test_keys_create_prints_the_id_first_and_the_key_alone_last(gateway: Gateway) -> None:
    live = gateway.create_key("e2e-create-live")
    sandbox = gateway.create_key("e2e-create-sandbox", sandbox=True)

    assert KEY_RE.fullmatch(live.secret) and live.secret.startswith("hs_live_")
    assert KEY_RE.fullmatch(sandbox.secret) and sandbox.secret.startswith("hs_test_")
    assert live.id != sandbox.id
    assert live.stdout.splitlines()[0].startswith(f"Created key {live.id}")
    assert live.stdout.rstrip("\n").splitlines()[-1] == live.secret


def test_keys_list_shows_every_field_but_never_the_secret(gateway: Gateway) -> None:
    key = gateway.create_key("e2e-list", rpm=77, models=[DEEPSEEK, MODEL])
    sandbox = gateway.create_key("e2e-list-sandbox", sandbox=True)

    json_out = gateway.cli("keys", "list", "--storage", gateway.storage.url, "--format", "json").stdout
    table_out = gateway.cli("keys", "list", "--storage", gateway.storage.url, "--format", "table").stdout
    default_out = gateway.cli("keys", "list", "--storage", gateway.storage.url).stdout
    for output in (json_out, table_out, default_out):
        for secret in (key.secret, sandbox.secret):
            assert secret not in output, "`keys list` printed a full key"
            assert secret[12:] not in output, "`keys list` printed the secret part of a key"
    assert key.id in table_out and key.label in table_out

    entries = {e["id"]: e for e in gateway.list_keys()}
    entry = entries[key.id]
    for field in ("id", "label", "prefix", "sandbox", "revoked", "models", "rpm", "created_at"):
        assert field in entry, f"`keys list` entry lacks {field!r}: {entry}"
    assert entry["label"] == "e2e-list"
    assert entry["prefix"] == key.secret[:12]
    assert entry["sandbox"] is False
    assert entry["revoked"] is False
    assert sorted(entry["models"]) == sorted([DEEPSEEK, MODEL])
    assert entry["rpm"] == 77
    assert entry["created_at"]
    assert entries[sandbox.id]["sandbox"] is True
    assert entries[sandbox.id]["prefix"] == sandbox.secret[:12]


def test_revoked_key_is_refused_by_the_running_server_within_one_second(gateway: Gateway, fake_upstream: FakeUpstream) -> None:
    key = gateway.create_key("e2e-revoke")
    with httpx.Client(base_url=gateway.url, timeout=5) as http:
        assert http.post("/v1/chat/completions", json=chat_body(), headers=bearer(key.secret)).status_code == 200

        gateway.revoke_key(key.id)
        revoked_at = time.monotonic()
        while True:
            response = http.get("/v1/models", headers=bearer(key.secret))
            elapsed = time.monotonic() - revoked_at
            if response.status_code != 200 or elapsed > REVOCATION_DEADLINE + 0.5:
                break
            time.sleep(0.05)

        assert response.status_code == 401, f"revoked key still accepted {elapsed:.2f} s after `keys revoke` returned"
        assert elapsed <= REVOCATION_DEADLINE, f"revoked key refused only after {elapsed:.2f} s"
        assert_openai_error(response, 401, "api_key_revoked")
        fake_upstream.reset()
        assert_openai_error(http.post("/v1/chat/completions", json=chat_body(), headers=bearer(key.secret)), 401, "api_key_revoked")
        assert fake_upstream.chat_requests() == []

    entry = next(e for e in gateway.list_keys() if e["id"] == key.id)
    assert entry["revoked"] is True


def test_key_limited_to_some_models_gets_403_for_others(gateway: Gateway, fake_upstream: FakeUpstream) -> None:
    key = gateway.create_key("e2e-restricted", models=[DEEPSEEK])
    client = gateway.openai(key)

    assert client.chat.completions.create(model=DEEPSEEK, messages=user("hi")).choices
    with pytest.raises(openai.PermissionDeniedError) as excinfo:
        client.chat.completions.create(model=MODEL, messages=user("hi"))

    assert excinfo.value.status_code == 403
    error = assert_openai_error(excinfo.value.response, 403, "model_not_allowed")
    assert DEEPSEEK in error["message"], f"message does not list the allowed models: {error['message']!r}"
    assert [r.model for r in fake_upstream.chat_requests()] == ["deepseek-chat"]


def test_key_rpm_limit_answers_429_with_retry_after(gateway: Gateway, fake_upstream: FakeUpstream) -> None:
    # SPEC §1/§3: per-key requests-per-minute limit; "Rate limits answer 429 with Retry-After".
    key = gateway.create_key("e2e-rpm", rpm=2, wait_active=False)
    gateway.wait_key_accepted(key.secret)  # this check itself is one request
    client = gateway.openai(key)
    statuses = []
    for _ in range(3):
        try:
            client.chat.completions.create(model=MODEL, messages=user("hi"))
            statuses.append(200)
        except openai.RateLimitError as e:
            statuses.append(429)
            limited = e
            break

    assert statuses[-1] == 429, f"no 429 after {len(statuses)} requests on a 2 rpm key: {statuses}"
    error = assert_openai_error(limited.response, 429)
    retry_after = limited.response.headers.get("retry-after")
    assert retry_after is not None and retry_after.strip().isdigit() and int(retry_after) >= 1, f"Retry-After: {retry_after!r}"
    assert "rpm" in error["message"].lower() or "per minute" in error["message"].lower() or "rate" in error["message"].lower()
    assert len(fake_upstream.chat_requests()) == len(statuses) - 1, "the rate-limited request reached the upstream"


RESET_RE = re.compile(r"^(\d+ms|(\d+h)?(\d+m)?\d+(\.\d+)?s)$")


def test_every_answer_to_a_key_carries_openai_rate_limit_headers(gateway: Gateway) -> None:
    # OpenAI's x-ratelimit-{limit,remaining,reset}-{requests,tokens}, on successes and on errors alike.
    # 6 per minute refills one request every 10 s: no refill between these calls, so the counts are exact.
    key = gateway.create_key("e2e-headers", rpm=6, tpm=100_000, wait_active=False)
    gateway.wait_key_accepted(key.secret)
    http = httpx.Client(base_url=gateway.url, timeout=10)
    ok = http.post("/v1/chat/completions", json={"model": MODEL, "messages": user("hi"), "max_tokens": 10}, headers={"Authorization": f"Bearer {key.secret}"})
    missing = http.post("/v1/chat/completions", json={"model": "no-such-model", "messages": user("hi")}, headers={"Authorization": f"Bearer {key.secret}"})
    assert ok.status_code == 200 and missing.status_code == 404
    for response in (ok, missing):
        headers = response.headers
        assert headers.get("x-ratelimit-limit-requests") == "6", dict(headers)
        assert headers.get("x-ratelimit-limit-tokens") == "100000", dict(headers)
        assert RESET_RE.match(headers.get("x-ratelimit-reset-requests", "")), headers.get("x-ratelimit-reset-requests")
        assert RESET_RE.match(headers.get("x-ratelimit-reset-tokens", "")), headers.get("x-ratelimit-reset-tokens")
    remaining_ok = int(ok.headers["x-ratelimit-remaining-requests"])
    remaining_missing = int(missing.headers["x-ratelimit-remaining-requests"])
    assert remaining_ok <= 4, f"two requests (the readiness check and this one) should be counted: {remaining_ok} left of 6"
    assert remaining_missing == remaining_ok - 1, (remaining_ok, remaining_missing)
    # The completion used 37 tokens (the fixture's usage); the reservation was settled to that.
    assert 100_000 - int(ok.headers["x-ratelimit-remaining-tokens"]) < 2_000


def test_key_tpm_limit_answers_429_before_calling_the_upstream(gateway: Gateway, fake_upstream: FakeUpstream) -> None:
    key = gateway.create_key("e2e-tpm", tpm=1_000, wait_active=False)
    gateway.wait_key_accepted(key.secret)
    client = gateway.openai(key)
    before = len(fake_upstream.chat_requests())
    client.chat.completions.create(model=MODEL, messages=user("hi"), max_tokens=600)  # reserves ~600, settles to the real 37
    with pytest.raises(openai.RateLimitError) as raised:
        for _ in range(3):  # each reserves ~900 of the 1000 per minute
            client.chat.completions.create(model=MODEL, messages=user("hi"), max_tokens=900)
    error = assert_openai_error(raised.value.response, 429)
    assert error["code"] == "tokens_rate_limit_exceeded"
    assert "tokens per minute" in error["message"]
    assert int(raised.value.response.headers["retry-after"]) >= 1
    assert raised.value.response.headers.get("x-ratelimit-limit-tokens") == "1000"
    assert len(fake_upstream.chat_requests()) - before <= 2, "a token-limited request reached the upstream"


def test_credits_are_booked_once_per_payment_reference_and_summed_exactly(gateway: Gateway) -> None:
    key = gateway.create_key("e2e-credits", wait_active=False)
    assert "sign-up grant ¥10.00" in key.stdout, key.stdout  # billing.signup_grant_cny default
    storage = ["--storage", gateway.storage.url]
    topup = gateway.cli("credits", "topup", key.id, "99.90", "--reference", "wechat:4200001234", *storage)
    assert "Balance: ¥109.9" in topup.stdout, topup.stdout
    again = gateway.cli("credits", "topup", key.id, "99.90", "--reference", "wechat:4200001234", *storage, check=False)
    assert again.returncode != 0 and "already booked" in again.stderr, (again.returncode, again.stderr)
    gateway.cli("credits", "topup", key.id, "0.000001", "--reference", "bank:FT1", *storage)
    balance = gateway.cli("credits", "balance", key.id, *storage)
    assert balance.stdout.strip().splitlines()[-1] == f"Balance of {key.id}: ¥109.900001", balance.stdout
    bad = gateway.cli("credits", "topup", key.id, "0", "--reference", "x:1", *storage, check=False)
    assert bad.returncode != 0 and "positive" in bad.stderr
    unknown = gateway.cli("credits", "topup", "key_nope", "5", "--reference", "x:2", *storage, check=False)
    assert unknown.returncode != 0 and "no key has the id key_nope" in unknown.stderr


def test_balance_endpoint_shows_the_callers_ledger_sum_exactly(gateway: Gateway) -> None:
    key = gateway.create_key("e2e-balance", wait_active=False)
    gateway.wait_key_accepted(key.secret)
    gateway.cli("credits", "topup", key.id, "0.123456", "--reference", f"alipay:{key.id}", "--storage", gateway.storage.url)
    response = httpx.get(f"{gateway.url}/v1/balance", headers=bearer(key.secret), timeout=10)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == {
        "object": "balance", "key_id": key.id, "currency": "CNY", "balance": "10.123456", "balance_micros": 10_123_456,
        "held": "0", "held_micros": 0, "sandbox": False,
    }, body
    assert response.headers.get("x-ratelimit-limit-requests"), "a report is an answer to the key too"
    assert httpx.get(f"{gateway.url}/v1/balance", timeout=10).status_code == 401
