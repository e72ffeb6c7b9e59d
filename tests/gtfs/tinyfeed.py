"""A tiny valid GTFS feed as CSV text, for tests to break one thing at a time."""

from __future__ import annotations

import io
import zipfile

TINY_FEED: dict[str, str] = {
    "agency": "agency_id,agency_name,agency_url,agency_timezone,agency_lang\n"
    "TC,铜川公交,https://example.org,Asia/Shanghai,zh\n",
    "stops": "stop_id,stop_name,stop_lat,stop_lon\n"
    "S1,王益汽车站,35.0690,109.0720\n"
    "S2,红旗街十字,35.0720,109.0760\n"
    "S3,七一路口,35.0750,109.0800\n",
    "routes": "route_id,agency_id,route_short_name,route_long_name,route_type\n"
    "R1,TC,1路,王益汽车站—七一路口,3\n",
    "trips": "route_id,service_id,trip_id,direction_id,shape_id,block_id,trip_headsign\n"
    "R1,WK,T1,0,SH1,B1,七一路口\n"
    "R1,WK,T2,0,SH1,B1,七一路口\n"
    "R1,WK,N1,0,SH1,B2,七一路口\n",
    "stop_times": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
    "T1,07:00:00,07:00:00,S1,1\n"
    "T1,,,S2,2\n"
    "T1,07:10:00,07:10:30,S3,3\n"
    "T2,08:00:00,08:00:00,S1,1\n"
    "T2,08:04:00,08:04:20,S2,2\n"
    "T2,08:09:00,08:09:00,S3,3\n"
    "N1,24:40:00,24:40:00,S1,1\n"
    "N1,24:45:00,24:45:00,S2,2\n"
    "N1,24:50:00,24:50:00,S3,3\n",
    "shapes": "shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\n"
    "SH1,35.0690,109.0720,1\n"
    "SH1,35.0720,109.0760,2\n"
    "SH1,35.0750,109.0800,3\n",
    "calendar": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
    "WK,1,1,1,1,1,0,0,20260101,20261231\n",
    "calendar_dates": "service_id,date,exception_type\n"
    "WK,20261001,2\n"
    "WK,20261003,1\n",
}


def zip_feed(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for stem, text in files.items():
            archive.writestr(f"{stem}.txt", text)
    return buffer.getvalue()


def with_changes(**changes: str | None) -> bytes:
    """The tiny feed with whole files replaced (or removed when None)."""
    files = {k: v for k, v in TINY_FEED.items() if changes.get(k, v) is not None}
    files.update({k: v for k, v in changes.items() if v is not None})
    return zip_feed(files)


def replace_line(stem: str, old: str, new: str) -> str:
    text = TINY_FEED[stem]
    assert old in text, f"{old!r} not in {stem}"
    return text.replace(old, new)
