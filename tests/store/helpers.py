"""Small record builders for store tests."""

from datetime import date

from transit.records import PaymentMedium, StopEvent, Tap, VehicleReport

# 2025-06-01 08:00:00 UTC; a quarter second is exact in binary and in microseconds.
T0 = 1748764800.25


def report(vehicle_id: str, n: int = 0, **changes: object) -> VehicleReport:
    fields: dict = {
        "vehicle_id": vehicle_id,
        "timestamp": T0 + n * 10,
        "lat": 35.0968 + n * 1e-5,
        "lon": 109.0891 - n * 1e-5,
        "speed_mps": 8.5,
        "bearing": 271.25,
        "source": "sim",
        "received_at": T0 + n * 10 + 0.5,
    }
    return VehicleReport(**(fields | changes))


def tap(tap_id: str, vehicle_id: str = "bus-1", n: int = 0, **changes: object) -> Tap:
    fields: dict = {
        "tap_id": tap_id,
        "vehicle_id": vehicle_id,
        "timestamp": T0 + n,
        "medium": PaymentMedium.CARD,
        "account_hash": "hmac-sha256:3f1c0d9a",
        "lat": 35.0968,
        "lon": 109.0891,
        "received_at": T0 + n + 2.0,
    }
    return Tap(**(fields | changes))


def stop_event(trip_id: str, stop_sequence: int, **changes: object) -> StopEvent:
    fields: dict = {
        "service_date": date(2025, 6, 1),
        "trip_id": trip_id,
        "stop_sequence": stop_sequence,
        "stop_id": f"stop-{stop_sequence}",
        "vehicle_id": "bus-1",
        "arrival": T0 + stop_sequence * 60,
        "departure": T0 + stop_sequence * 60 + 20,
    }
    return StopEvent(**(fields | changes))
