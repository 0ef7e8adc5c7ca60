"""Rectangular tilings of a parent box, for demo districts and test fixtures: children cover the parent exactly
and never overlap, so point resolution has one answer everywhere inside."""

import math
from typing import Any

Box = tuple[float, float, float, float]  # (min_lng, min_lat, max_lng, max_lat)


def split_box(box: Box, n: int) -> list[Box]:
    if n < 1:
        raise ValueError("n must be positive")
    min_x, min_y, max_x, max_y = box
    rows = max(1, round(math.sqrt(n)))
    base, extra = divmod(n, rows)
    cells: list[Box] = []
    height = (max_y - min_y) / rows
    for r in range(rows):
        in_row = base + (1 if r < extra else 0)
        y0 = min_y + r * height
        y1 = max_y if r == rows - 1 else y0 + height
        width = (max_x - min_x) / in_row
        for c in range(in_row):
            x0 = min_x + c * width
            x1 = max_x if c == in_row - 1 else x0 + width
            cells.append((round(x0, 7), round(y0, 7), round(x1, 7), round(y1, 7)))
    return cells


def box_polygon(box: Box) -> dict[str, Any]:
    x0, y0, x1, y1 = box
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}
