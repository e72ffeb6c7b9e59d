"""Printable stop posters: name, lines with direction and hours, a QR to the stop page."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zlib
from datetime import date
from pathlib import Path

import pytest
import segno

from signage.posters import write_posters
from tests.gtfs.tinyfeed import TINY_FEED, zip_feed
from transit.cli import main
from transit.gtfs.feed import load_feed

NETWORK = load_feed(zip_feed(TINY_FEED), "tiny.zip").network
SVG = "{http://www.w3.org/2000/svg}"
MONDAY = date(2026, 3, 2)


def qr_matrix_of(path_data: str, size: int) -> list[list[int]]:
    """Dark modules drawn by segno's SVG path: "M x y" then runs "h n" and moves "m dx dy"."""
    matrix = [[0] * size for _ in range(size)]
    x = y = 0.0
    for command, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?:\s+(-?[\d.]+))?", path_data):
        if command == "M":
            x, y = float(a), float(b)
        elif command == "m":
            x, y = x + float(a), y + float(b)
        else:
            for column in range(int(x), int(x + float(a))):
                matrix[int(y)][column] = 1
            x += float(a)
    return matrix


def test_svg_poster_has_name_lines_hours_and_a_qr_of_the_stop_page(tmp_path: Path) -> None:
    (path,) = write_posters(NETWORK, tmp_path, base_url="https://bus.example.cn/", day=MONDAY,
                            stop_ids=["S2"])
    root = ET.parse(path).getroot()  # valid XML, or this raises
    assert root.tag == f"{SVG}svg" and root.get("width") == "210mm"
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "红旗街十字" in texts and "1路" in texts and "开往 七一路口" in texts
    assert "首班 07:05  末班 00:45" in texts
    url = "https://bus.example.cn/s/S2"
    assert url in texts
    (qr,) = [g for g in root.iter(f"{SVG}g") if g.get("id") == "qr"]
    expected = segno.make(url, error="m", micro=False).matrix
    drawn = qr_matrix_of(qr.find(f"{SVG}path").get("d"), len(expected))  # type: ignore[union-attr, arg-type]
    assert drawn == [list(row) for row in expected]


def test_a3_and_every_stop_by_default(tmp_path: Path) -> None:
    paths = write_posters(NETWORK, tmp_path, base_url="http://x", day=MONDAY, size="A3")
    assert sorted(p.name for p in paths) == ["stop-S1.svg", "stop-S2.svg", "stop-S3.svg"]
    root = ET.parse(tmp_path / "stop-S3.svg").getroot()
    assert root.get("width") == "297mm"
    # The last stop boards nobody: the poster says so instead of listing arriving buses.
    assert "本站暂无上客线路" in [t.text for t in root.iter(f"{SVG}text")]


def test_unknown_stop_raises_before_writing(tmp_path: Path) -> None:
    with pytest.raises(KeyError, match="NOPE"):
        write_posters(NETWORK, tmp_path / "out", base_url="http://x", day=MONDAY, stop_ids=["S1", "NOPE"])
    assert not (tmp_path / "out").exists()


def test_pdf_poster_is_one_page_with_the_chinese_text_and_the_qr(tmp_path: Path) -> None:
    (path,) = write_posters(NETWORK, tmp_path, base_url="http://x", day=MONDAY, stop_ids=["S1"], fmt="pdf")
    data = path.read_bytes()
    assert data.startswith(b"%PDF-1.4") and data.rstrip().endswith(b"%%EOF")
    # The cross-reference offsets point at their objects (what readers rely on).
    xref = int(data.rsplit(b"startxref\n", 1)[1].split()[0])
    offsets = [int(line[:10]) for line in data[xref:].split(b"\n")[3:10]]
    for number, offset in enumerate(offsets, start=1):
        assert data[offset:].startswith(f"{number} 0 obj".encode())
    stream = re.search(rb"stream\n(.*)\nendstream", data, re.S)
    assert stream is not None
    content = zlib.decompress(stream.group(1)).decode()
    assert "王益汽车站".encode("utf-16-be").hex().upper() in content
    dark = sum(sum(1 for m in row if m) for row in segno.make("http://x/s/S1", error="m", micro=False).matrix)
    assert content.count(" re\n") == dark  # one square per dark module


def test_cli_writes_posters_from_a_gtfs_zip(tmp_path: Path) -> None:
    feed = tmp_path / "tiny.zip"
    feed.write_bytes(zip_feed(TINY_FEED))
    out = tmp_path / "posters"
    code = main(["posters", "--gtfs", str(feed), "--out", str(out), "--base-url", "https://bus.example.cn",
                 "--day", "2026-03-02", "--stops", "S1", "S2", "--format", "pdf", "--size", "A3",
                 "--data-dir", str(tmp_path / "data")])
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == ["stop-S1.pdf", "stop-S2.pdf"]
    assert main(["posters", "--gtfs", str(feed), "--out", str(out), "--stops", "NOPE",
                 "--data-dir", str(tmp_path / "data")]) == 2
