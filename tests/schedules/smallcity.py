"""A small city for the schedule adapter, as GTFS text: two lines meeting at a
terminal of two stands 100 m apart (stops SB and SB2), four weekday trips in a
chain, and the lines' own blocks (B1 on line 1, B2 on line 2).

SA at the south, SB and SB2 2 km north of it, SC 2 km further; depot D 90 m
east of SA. With the stands merged and a 5-minute layover one bus runs a, b,
c, d (10 minutes between each): the fleet is 1 where the lines' blocks use 2.
"""

from __future__ import annotations

import csv
import io
import zipfile

from tests.gtfs.tinyfeed import zip_feed
from transit.gtfs.feed import load_feed
from transit.model.network import Network

SMALL_CITY: dict[str, str] = {
    "agency": "agency_id,agency_name,agency_url,agency_timezone,agency_lang\n"
    "TC,铜川公交,https://example.org,Asia/Shanghai,zh\n",
    "stops": "stop_id,stop_name,stop_lat,stop_lon\n"
    "SA,南站,35.0000,109.0000\n"
    "SB,中心站,35.0180,109.0000\n"
    "SB2,中心站北,35.0189,109.0000\n"
    "SC,北站,35.0360,109.0000\n",
    "routes": "route_id,agency_id,route_short_name,route_long_name,route_type\n"
    "R1,TC,1路,南站—中心站,3\n"
    "R2,TC,2路,中心站—北站,3\n",
    "trips": "route_id,service_id,trip_id,direction_id,block_id,trip_headsign\n"
    "R1,WK,a,0,B1,中心站\n"
    "R2,WK,b,0,B2,北站\n"
    "R2,WK,c,1,B2,中心站\n"
    "R1,WK,d,1,B1,南站\n",
    "stop_times": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
    "a,08:00:00,08:00:00,SA,1\n"
    "a,08:10:00,08:10:00,SB,2\n"
    "b,08:20:00,08:20:00,SB2,1\n"
    "b,08:30:00,08:30:00,SC,2\n"
    "c,08:40:00,08:40:00,SC,1\n"
    "c,08:50:00,08:50:00,SB2,2\n"
    "d,09:00:00,09:00:00,SB,1\n"
    "d,09:10:00,09:10:00,SA,2\n",
    "calendar": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
    "WK,1,1,1,1,1,0,0,20260101,20261231\n",
    "calendar_dates": "service_id,date,exception_type\n"
    "WK,20260101,2\n",
}

DEPOTS_CSV = "name,lat,lon,capacity\nD,35.0000,109.0010,3\n"


def small_city_zip() -> bytes:
    return zip_feed(SMALL_CITY)


def small_city() -> Network:
    return load_feed(small_city_zip(), "smallcity.zip").network


def read_zip_table(data: bytes, stem: str) -> list[dict[str, str]]:
    """A table of a zip as rows of strings (a written feed, read back)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        text = archive.read(f"{stem}.txt").decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))
