from transit.model.line_names import line_order_key


def test_lines_sort_as_passengers_read_them() -> None:
    names = ["旅游10线", "10路", "夜2路", "2路", "旅游2线", "1路", "夜1路", "K1", "B", "A"]
    assert sorted(names, key=line_order_key) == [
        "1路", "2路", "10路", "A", "B", "K1", "夜1路", "夜2路", "旅游2线", "旅游10线"]
