"""Signed storage urls: no API key, varied encodings, expiry and revocation."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

from PIL import Image

from .conftest import DONE, KEY, Api

MAGIC = {"image/png": b"\x89PNG", "image/jpeg": b"\xff\xd8\xff", "image/webp": b"RIFF"}


def first_url(api: Api, status: str = "reviewing") -> str:
    url: str = api.first(status)["refs"][1]["url"]
    return url


def test_download_needs_no_key_and_is_an_image_of_the_configured_size(api: Api) -> None:
    url = first_url(api)
    assert urlsplit(url).path.endswith("/front.bin")
    assert "token" in parse_qs(urlsplit(url).query)
    response = api.client.get(url)
    assert response.status_code == 200
    content_type = response.headers["Content-Type"]
    assert response.content.startswith(MAGIC[content_type])
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (64, 64)
    assert api.sim.requests[-1].auth_header is False


def test_encodings_vary_by_character(api: Api) -> None:
    types = set()
    for char in api.ok("GET", "/v1/characters?limit=12&status=reviewing")["data"]:
        response = api.client.get(char["refs"][0]["url"])
        assert response.content.startswith(MAGIC[response.headers["Content-Type"]])
        types.add(response.headers["Content-Type"])
    assert types == set(MAGIC)


def test_urls_live_on_the_requests_own_host_unless_configured(make_api) -> None:
    assert first_url(make_api()).startswith("http://testserver/storage/")
    api = make_api(storage_base_url="https://cdn.example.test/")
    assert first_url(api).startswith("https://cdn.example.test/storage/")


def test_urls_are_stable_between_fetches(api: Api) -> None:
    char = api.first("reviewing")
    api.sim.advance(3600)
    assert api.character(char["id"])["refs"] == char["refs"]


def test_expired_url_is_403_and_a_refetch_gives_a_working_one(api: Api) -> None:
    char = api.first("reviewing")
    url = char["refs"][0]["url"]
    api.sim.advance(24 * 3600)
    refused = api.client.get(url)
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert (error["type"], error["code"]) == ("authentication", "url_expired")
    fresh = api.character(char["id"])["refs"][0]["url"]
    assert fresh != url
    assert api.client.get(fresh).status_code == 200


def test_expire_urls_revokes_every_outstanding_url(api: Api) -> None:
    char = api.first("ready")
    urls = [ref["url"] for ref in char["refs"]]
    assert api.client.get(urls[0]).status_code == 200
    api.sim.expire_urls()
    assert {api.client.get(u).status_code for u in urls} == {403}
    fresh = api.character(char["id"])["refs"]
    assert all(api.client.get(ref["url"]).status_code == 200 for ref in fresh)


def test_a_tampered_or_missing_token_is_403(api: Api) -> None:
    url = first_url(api)
    base, token = url.split("?token=")
    claims, mac = token.split(".")
    for bad in (f"{base}?token={claims}.{'0' * len(mac)}", base, f"{base}?token=garbage"):
        response = api.client.get(bad)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "url_signature_invalid"
    other_pose = url.replace("/front.bin", "/back.bin")
    assert api.client.get(other_pose).status_code == 403


def test_images_are_cached_after_the_first_download(api: Api) -> None:
    url = first_url(api)
    first, second = api.client.get(url), api.client.get(url)
    assert first.content == second.content
    assert first.headers["ETag"] == second.headers["ETag"]


def test_an_old_version_stays_downloadable_until_it_expires(api: Api) -> None:
    char = api.reviewing()
    old = char["refs"][0]["url"]
    api.ok("POST", f"/v1/characters/{char['id']}/refs/regenerate", json={"pose": "portrait"})
    api.sim.advance(DONE)
    assert api.client.get(old).status_code == 200
    assert api.raw(char["id"])["_sim"]["ref_versions"]["portrait"] == 2
    assert KEY not in old
