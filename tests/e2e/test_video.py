"""Video jobs end to end: the guide's client pattern with plain httpx, ``Prefer: wait``, idempotency,
409 before ready, Range, 404 for another key's job, cancel, 402 without credit, the official
``openai`` SDK's ``videos.*`` calls, and a crash test (``kill -9`` mid-batch, restart, every job
ends exactly once with its artifact and at most one charge).

Videos are rendered by the local previz renderer (ffmpeg); the downloaded MP4s are checked with ffprobe.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Iterator

import httpx
import openai
import pytest

from conftest import ApiKey, Gateway, GatewayLauncher

JOB_TIMEOUT = 60.0  # s for a previz job to end


def video_config(signup_grant: str = "10", lease_seconds: int = 30) -> Callable[[str, str], str]:
    def text(upstream: str, storage_url: str) -> str:
        return f"""\
server:   {{ host: 127.0.0.1, port: 8080 }}
storage:  {{ url: "{storage_url}" }}
billing:  {{ signup_grant_cny: {signup_grant} }}
webhooks: {{ allow_private_targets: false }}
video:    {{ workers: 2, lease_seconds: {lease_seconds} }}
providers:
  - {{ name: local, kind: previz }}
  - {{ name: seedance, kind: seedance, base_url: "http://127.0.0.1:9" }}
models:
  - name: video-gen-2.1
    kind: video
    price: {{ per_second: 0.05 }}
    deployments: [ {{ provider: local }} ]
  - name: video-gen-cinema
    kind: video
    price: {{ per_second: 1000 }}
    deployments: [ {{ provider: local }} ]
  - name: seedance-1.0
    kind: video
    price: {{ per_second: 0.1 }}
    deployments: [ {{ provider: seedance, model: seedance-1-0-pro }} ]
"""

    return text


def ffprobe(path: Path) -> dict[str, Any]:
    if not shutil.which("ffprobe"):
        pytest.skip("ffprobe is not installed")
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)], capture_output=True, text=True, check=True
    ).stdout
    info = json.loads(out)
    video = next(s for s in info["streams"] if s["codec_type"] == "video")
    return {"duration": float(info["format"]["duration"]), "width": video["width"], "height": video["height"]}


def auth(key: ApiKey | str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key.secret if isinstance(key, ApiKey) else key}"}


def wait_done(http: httpx.Client, key: ApiKey, job_id: str, timeout: float = JOB_TIMEOUT) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job = http.get(f"/v1/video/generations/{job_id}", headers=auth(key)).json()
        if job["status"] in ("completed", "failed", "cancelled"):
            return job
        assert time.monotonic() < deadline, f"job {job_id} still {job['status']} after {timeout} s"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def video_gateway(launcher: GatewayLauncher, storage_engine: str) -> Iterator[Gateway]:
    gw = launcher.make(storage_engine, name="video", config_text=video_config())
    gw.start()
    yield gw
    launcher.dispose(gw)


@pytest.fixture
def vhttp(video_gateway: Gateway) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=video_gateway.url, timeout=90) as client:
        yield client


@pytest.fixture(scope="module")
def sandbox_key(video_gateway: Gateway) -> ApiKey:
    return video_gateway.create_key(sandbox=True)


@pytest.fixture(scope="module")
def live_key(video_gateway: Gateway) -> ApiKey:
    return video_gateway.create_key()


def test_guide_pattern_submit_poll_download(vhttp: httpx.Client, live_key: ApiKey, tmp_path: Path) -> None:
    # The guide's client: POST, read video_url, poll, download.
    response = vhttp.post(
        "/v1/video/generate",
        headers=auth(live_key),
        json={"model": "video-gen-2.1", "prompt": "Rain on a neon street, she turns to the camera", "duration": 5, "resolution": "720p"},
    )
    assert response.status_code == 200, response.text
    job = response.json()
    assert job["object"] == "video.generation" and job["id"].startswith("vgen_")
    assert job["status"] in ("queued", "processing") and job["aspect_ratio"] == "9:16"
    assert job["estimated_cost"] == "0.250000" and job["currency"] == "CNY"
    assert job["video_url"] == f"{vhttp.base_url}/v1/video/generations/{job['id']}/content".replace("//v1", "/v1")
    done = wait_done(vhttp, live_key, job["id"])
    assert done["status"] == "completed", done
    assert done["progress"] == 100 and done["usage"] == {"seconds": 5} and done["cost"] == "0.250000"
    video = httpx.get(done["video_url"], headers=auth(live_key), timeout=30)
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    path = tmp_path / "clip.mp4"
    path.write_bytes(video.content)
    info = ffprobe(path)
    assert (info["width"], info["height"]) == (720, 1280)
    assert abs(info["duration"] - 5) < 0.2


def test_prefer_wait_idempotency_range_and_other_keys(video_gateway: Gateway, vhttp: httpx.Client, sandbox_key: ApiKey) -> None:
    idem = str(uuid.uuid4())
    body = {"model": "video-gen-2.1", "prompt": "A door opens slowly", "duration": 5, "resolution": "720p", "aspect_ratio": "16:9"}
    first = vhttp.post("/v1/video/generate", headers={**auth(sandbox_key), "Idempotency-Key": idem, "Prefer": "wait=30"}, json=body)
    assert first.status_code == 200, first.text
    job = first.json()
    assert job["status"] == "completed", job
    assert job["cost"] == "0.000000"
    again = vhttp.post("/v1/video/generate", headers={**auth(sandbox_key), "Idempotency-Key": idem}, json=body)
    assert again.json()["id"] == job["id"]

    url = f"/v1/video/generations/{job['id']}/content"
    whole = vhttp.get(url, headers=auth(sandbox_key))
    size = len(whole.content)
    part = vhttp.get(url, headers={**auth(sandbox_key), "Range": "bytes=10-109"})
    assert part.status_code == 206 and part.content == whole.content[10:110]
    assert part.headers["content-range"] == f"bytes 10-109/{size}"
    tail = vhttp.get(url, headers={**auth(sandbox_key), "Range": "bytes=-50"})
    assert tail.status_code == 206 and tail.content == whole.content[-50:]
    beyond = vhttp.get(url, headers={**auth(sandbox_key), "Range": f"bytes={size}-"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{size}"

    other = video_gateway.create_key(sandbox=True)
    assert vhttp.get(f"/v1/video/generations/{job['id']}", headers=auth(other)).status_code == 404
    assert vhttp.get(url, headers=auth(other)).status_code == 404
    page = vhttp.get("/v1/video/generations?limit=1", headers=auth(sandbox_key)).json()
    assert page["object"] == "list" and len(page["data"]) == 1 and "has_more" in page and page["last_id"] == page["data"][0]["id"]


def test_409_before_ready_then_cancel(vhttp: httpx.Client, sandbox_key: ApiKey) -> None:
    job = vhttp.post(
        "/v1/video/generate", headers=auth(sandbox_key), json={"model": "video-gen-2.1", "prompt": "A very long take", "duration": 30, "resolution": "4k"}
    ).json()
    early = vhttp.get(f"/v1/video/generations/{job['id']}/content", headers=auth(sandbox_key))
    assert early.status_code == 409 and "completed" in early.json()["error"]["message"]
    cancelled = vhttp.post(f"/v1/video/generations/{job['id']}/cancel", headers=auth(sandbox_key))
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    time.sleep(1.5)
    assert vhttp.get(f"/v1/video/generations/{job['id']}", headers=auth(sandbox_key)).json()["status"] == "cancelled"
    assert vhttp.get(f"/v1/video/generations/{job['id']}/content", headers=auth(sandbox_key)).status_code == 409


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"model": "video-gen-2.1", "prompt": "x", "duration": 4}, "duration"),
        ({"model": "video-gen-2.1", "prompt": "x", "duration": 5.5}, "duration"),
        ({"model": "video-gen-2.1", "prompt": "x", "resolution": "8k"}, "resolution"),
        ({"model": "video-gen-2.1", "prompt": "x", "aspect_ratio": "2:1"}, "aspect_ratio"),
        ({"model": "video-gen-2.1", "prompt": ""}, "prompt"),
        ({"model": "video-gen-2.1", "prompt": "x", "callback_url": "http://127.0.0.1/hook"}, "callback_url"),
    ],
)
def test_invalid_submits_say_400_naming_the_field(vhttp: httpx.Client, sandbox_key: ApiKey, body: dict[str, Any], param: str) -> None:
    response = vhttp.post("/v1/video/generate", headers=auth(sandbox_key), json=body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["param"] == param or param in error["message"], error


def test_unsupported_provider_fails_the_job_clearly(vhttp: httpx.Client, live_key: ApiKey) -> None:
    job = vhttp.post(
        "/v1/video/generate", headers={**auth(live_key), "Prefer": "wait=20"}, json={"model": "seedance-1.0", "prompt": "x", "resolution": "720p"}
    ).json()
    assert job["status"] == "failed" and job["error"]["code"] == "provider_not_supported" and "seedance" in job["error"]["message"]
    assert job["cost"] == "0.000000"


def test_no_credit_says_402(vhttp: httpx.Client, live_key: ApiKey) -> None:
    # The sign-up grant (¥10) does not cover a ¥5000 clip.
    response = vhttp.post("/v1/video/generate", headers=auth(live_key), json={"model": "video-gen-cinema", "prompt": "x", "duration": 5})
    assert response.status_code == 402, response.text
    assert response.json()["error_code"] == 402


@pytest.mark.filterwarnings("ignore:The Sora API:DeprecationWarning")
def test_openai_sdk_videos(video_gateway: Gateway, sandbox_key: ApiKey, tmp_path: Path) -> None:
    client = openai.OpenAI(base_url=video_gateway.base_url, api_key=sandbox_key.secret, max_retries=0)
    video = client.videos.create(model="video-gen-2.1", prompt="A cat playing piano", seconds="4", size="720x1280")
    assert video.object == "video" and video.status in ("queued", "in_progress")
    deadline = time.monotonic() + JOB_TIMEOUT
    while video.status in ("queued", "in_progress"):
        assert time.monotonic() < deadline
        time.sleep(0.2)
        video = client.videos.retrieve(video.id)
    assert video.status == "completed" and video.seconds == "5" and video.size == "720x1280"
    path = tmp_path / "sdk.mp4"
    client.videos.download_content(video.id).write_to_file(path)
    info = ffprobe(path)
    assert (info["width"], info["height"]) == (720, 1280) and abs(info["duration"] - 5) < 0.2
    listed = client.videos.list(limit=5)
    assert any(v.id == video.id for v in listed.data)
    deleted = client.videos.delete(video.id)
    assert deleted.deleted is True


def test_crash_mid_batch_every_job_ends_exactly_once(launch_gateway: Callable[..., Gateway], storage_engine: str) -> None:
    if storage_engine == "sqlite" and os.environ.get("HOLYSHEEP_TEST_POSTGRES_URL"):
        pytest.skip("the crash test (~35 s) runs once, on PostgreSQL, the engine several instances share a queue on")
    gw = launch_gateway(storage_engine, name="video-crash", config_text=video_config(lease_seconds=2))
    sandbox = gw.create_key(sandbox=True)
    live = gw.create_key()
    ids: list[tuple[ApiKey, str]] = []
    with httpx.Client(base_url=gw.url, timeout=30) as http:
        for index in range(50):
            key = live if index % 5 == 0 else sandbox  # 10 billed jobs, 40 sandbox
            response = http.post(
                "/v1/video/generate", headers=auth(key), json={"model": "video-gen-2.1", "prompt": f"shot {index}", "duration": 5, "resolution": "720p"}
            )
            assert response.status_code == 200, response.text
            ids.append((key, response.json()["id"]))
        # Let some finish, then kill -9 mid-batch.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            done = sum(1 for key, job_id in ids[:10] if http.get(f"/v1/video/generations/{job_id}", headers=auth(key)).json()["status"] == "completed")
            if done >= 3:
                break
            time.sleep(0.2)
    gw.kill()
    gw.killed = False  # killed on purpose
    gw.start()
    with httpx.Client(base_url=gw.url, timeout=30) as http:
        for key, job_id in ids:
            job = wait_done(http, key, job_id, timeout=120)
            assert job["status"] == "completed", job
            head = http.get(f"/v1/video/generations/{job_id}/content", headers={**auth(key), "Range": "bytes=0-15"})
            assert head.status_code == 206, f"artifact of {job_id} missing: {head.text}"
    rows = gw.storage.query("SELECT reference, kind FROM ledger_entries WHERE reference LIKE 'vgen_%'")
    by_job: dict[str, list[str]] = {}
    for row in rows:
        by_job.setdefault(row["reference"], []).append(row["kind"])
    live_ids = [job_id for key, job_id in ids if key is live]
    for job_id in live_ids:
        kinds = sorted(by_job.get(job_id, []))
        assert kinds == ["charge", "hold", "release"], (job_id, kinds)
    usage = gw.storage.query("SELECT request_id FROM usage_records WHERE endpoint = 'video.generate'")
    assert sorted(r["request_id"] for r in usage) == sorted(job_id for _, job_id in ids)
    artifacts = list((gw.workdir / "artifacts").glob("vgen_*.mp4"))
    assert len(artifacts) == 50
    # The kill really caught jobs mid-render: they were reclaimed after their lease and run again.
    attempts = gw.storage.query("SELECT MAX(attempts) AS most FROM video_jobs")[0]["most"]
    assert int(attempts) >= 2


def test_a_finished_job_with_a_callback_url_sends_one_signed_event_verifiable_with_standardwebhooks(
    launch_gateway: Callable[..., Gateway], storage_engine: str
) -> None:
    """The real path: the job's finish transaction queues the event, the sender signs and posts it."""
    from standardwebhooks.webhooks import Webhook
    from test_webhooks import Receiver, webhook_secret

    receiver = Receiver([204])
    receiver.thread.start()
    try:
        allow = lambda upstream, storage: video_config()(upstream, storage).replace(  # noqa: E731
            "webhooks: { allow_private_targets: false }", "webhooks: { allow_private_targets: true }")
        gw = launch_gateway(storage_engine, name="video-webhook", config_text=allow)
        key = gw.create_key("e2e-video-webhook", sandbox=True)
        secret = webhook_secret(gw, key.id)
        with httpx.Client(base_url=gw.url, timeout=30) as http:
            submitted = http.post(
                "/v1/video/generate", headers=auth(key),
                json={"model": "video-gen-2.1", "prompt": "Lanterns rise over the river", "duration": 5, "resolution": "720p", "callback_url": receiver.url},
            )
            assert submitted.status_code == 200, submitted.text
            job = wait_done(http, key, submitted.json()["id"])
        assert job["status"] == "completed", job
        [(headers, body)] = receiver.wait_for(1)
        event = Webhook(secret).verify(body, headers)
        assert event["type"] == "video.generation.completed" and event["data"]["id"] == job["id"], event
        assert event["data"]["status"] == "completed" and headers["webhook-id"].startswith("msg_")
        time.sleep(1.5)
        assert len(receiver.wait_for(1)) == 1, "the event was delivered more than once"
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
