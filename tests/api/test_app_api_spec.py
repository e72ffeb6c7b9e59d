"""The app API's OpenAPI description: valid, served without a key, the same
routes as the code, and responses that match its schemas."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
from openapi_spec_validator import validate

from tests.api.test_app_api import Served, served  # noqa: F401 - the fixture
from transit.api.app_api import OPENAPI_PATH, PREFIX

SPEC = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))


def check(body: Any, schema_name: str) -> None:
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": SPEC["components"]}
    jsonschema.Draft202012Validator(schema).validate(body)


def test_the_description_is_valid_openapi() -> None:
    validate(SPEC)


async def test_it_is_served_without_a_key(served: Served) -> None:  # noqa: F811
    assert await served.get("/app/v1/openapi.json", headers=None) == SPEC


async def test_every_route_is_described_and_every_description_routed(served: Served) -> None:  # noqa: F811
    routed = {(r.method, r.resource.canonical) for r in served.api.router.routes() if r.method != "HEAD"}
    described = {(method.upper(), PREFIX + path) for path, item in SPEC["paths"].items() for method in item}
    assert routed == described
    assert SPEC["servers"] == [{"url": PREFIX}]


async def test_responses_match_their_schemas(served: Served) -> None:  # noqa: F811
    calls = [  # (described path, called path, status, schema)
        ("/stops/nearby", "/stops/nearby?lat=35.072&lon=109.076&radius=1000", 200, "NearbyStops"),
        ("/stops/nearby", "/stops/nearby?lat=1&lon=2&radius=9999", 400, "Error"),
        ("/stops/{stop_id}/arrivals", "/stops/S2/arrivals?coords=gcj02", 200, "StopArrivals"),
        ("/stops/{stop_id}/arrivals", "/stops/S1/arrivals", 200, "StopArrivals"),
        ("/stops/{stop_id}/arrivals", "/stops/nope/arrivals", 404, "Error"),
        ("/lines/{route_id}", "/lines/R1", 200, "Line"),
        ("/lines/{route_id}/vehicles", "/lines/R1/vehicles", 200, "LineVehicles"),
        ("/vehicles/{vehicle_id}/next-stops", "/vehicles/TC0001/next-stops", 200, "VehicleNextStops"),
        ("/vehicles/{vehicle_id}/next-stops", "/vehicles/TC0002/next-stops", 404, "Error"),
    ]
    for described, path, status, schema_name in calls:
        assert str(status) in SPEC["paths"][described]["get"]["responses"], path
        check(await served.get(PREFIX + path, status), schema_name)
    assert "401" in SPEC["paths"]["/lines/{route_id}"]["get"]["responses"]
    check(await served.get("/app/v1/lines/R1", 401, headers=None), "Error")
