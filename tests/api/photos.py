"""Phone-like photos of official test digits written on paper, for the photo tests and the
photo benchmark (bench/bench_photos.py). Not part of the app: nothing here is shipped.

A photo is made the way a phone sees a page on a desk:
- paper a little off-white, with thin light ruled lines (grey or blue) in some photos;
- the digit as pen ink: the MNIST digit upscaled smoothly to 18-43% of the short side,
  its soft edges sharpened as a pen's are, dark but never pure black;
- the page turned slightly (up to 8 degrees) and, in half of the photos, a dark table
  showing along one border (the paper's edge slightly askew);
- uneven light: a smooth gradient, a vignette and a soft shadow of varying strength falling
  across part of the page;
- focus blur, sensor noise, and JPEG at quality 80-90, 1200x1600 (a quarter landscape).

Everything is drawn from one seeded generator, so a seed gives the same bytes every time.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter

PORTRAIT = (1200, 1600)  # (width, height), as a phone held upright
INKS = ((25, 30, 60), (20, 20, 25), (30, 40, 110))  # blue-black, black, blue ballpoint
LINE_COLOURS = ((150, 170, 210), (170, 170, 170), (140, 175, 215))  # light blue, grey
TABLES = ((70, 45, 30), (40, 35, 35), (110, 80, 55), (25, 25, 30))  # wood, dark desk, oak, black


def _ink_mask(digit: np.ndarray, side: int, rng: np.random.Generator) -> Image.Image:
    """The 28x28 digit as a side x side pen-stroke mask (L, 0..255): upscaled smoothly, then
    its edges steepened, since a pen line is sharper than an upscaled MNIST blur."""
    big = Image.fromarray(digit, "L").resize((side, side), Image.Resampling.BICUBIC)
    alpha = np.asarray(big, np.float32) / 255
    low = rng.uniform(0.15, 0.3)
    alpha = np.clip((alpha - low) / 0.45, 0, 1)
    return Image.fromarray(np.round(alpha * 255).astype(np.uint8), "L")


def _page(digit: np.ndarray, size: tuple[int, int], rng: np.random.Generator, seen: dict) -> Image.Image:
    """The paper's colours (reflectance) with its lines and the digit, all turned slightly."""
    width, height = size
    paper = tuple(int(c) for c in rng.integers(225, 256, 3)) if rng.random() < 0.5 else (245, 243, 236)
    page = Image.new("RGB", size, paper)
    draw = ImageDraw.Draw(page)
    angle = np.radians(rng.uniform(-8, 8))
    slope = np.tan(angle)
    seen["ruled"] = rng.random() < 0.45
    if seen["ruled"]:  # ruled paper, the lines turned with the page
        spacing = int(rng.integers(55, 95))
        colour = LINE_COLOURS[rng.integers(len(LINE_COLOURS))]
        shade = rng.uniform(0.0, 0.5)  # lighter lines are mixed towards the paper
        colour = tuple(int(c + (p - c) * shade) for c, p in zip(colour, paper))
        thickness = int(rng.integers(2, 5))
        for y in range(int(rng.integers(0, spacing)) - height, 2 * height, spacing):
            draw.line([(0, y), (width, y + slope * width)], fill=colour, width=thickness)
        if rng.random() < 0.3:  # a margin line
            x = int(rng.uniform(0.08, 0.18) * width)
            draw.line([(x, 0), (x - slope * height, height)], fill=(225, 130, 140), width=thickness)
    short = min(size)
    side = int(short * rng.uniform(0.25, 0.6))  # the 28x28 field; the digit is about 20/28 of it
    seen["digit_share"] = round(side / short * 20 / 28, 3)
    cx = width / 2 + rng.uniform(-0.15, 0.15) * width
    cy = height / 2 + rng.uniform(-0.15, 0.15) * height
    darkness = rng.uniform(0.6, 0.9)  # how much light the ink absorbs: never quite black
    pen = INKS[rng.integers(len(INKS))]
    ink = tuple(int(p - (p - c) * darkness) for p, c in zip(paper, pen))
    mask = _ink_mask(digit, side, rng).rotate(-np.degrees(angle), Image.Resampling.BICUBIC)
    corner = (round(cx - side / 2), round(cy - side / 2))
    page.paste(Image.new("RGB", mask.size, ink), corner, mask)
    x0, y0, x1, y1 = mask.point(lambda a: 255 if a >= 128 else 0).getbbox() or (0, 0, 0, 0)
    seen["digit_box"] = (corner[0] + x0, corner[1] + y0, corner[0] + x1, corner[1] + y1)  # where the pen's half-tone ends
    return page


def _table(page: Image.Image, rng: np.random.Generator) -> None:
    """A dark table along one border: the paper's edge, slightly askew, 5-20% in."""
    width, height = page.size
    colour = TABLES[rng.integers(len(TABLES))]
    depth = rng.uniform(0.05, 0.2)
    skew = rng.uniform(-0.06, 0.06)
    side = rng.integers(4)
    if side in (0, 1):  # top or bottom
        a, b = depth * height, (depth + skew) * height
        polygon = [(0, 0), (width, 0), (width, b), (0, a)]
        if side == 1:
            polygon = [(x, height - y) for x, y in polygon]
    else:  # left or right
        a, b = depth * width, (depth + skew) * width
        polygon = [(0, 0), (0, height), (b, height), (a, 0)]
        if side == 3:
            polygon = [(width - x, y) for x, y in polygon]
    ImageDraw.Draw(page).polygon(polygon, fill=colour)


def _light(size: tuple[int, int], rng: np.random.Generator, seen: dict) -> np.ndarray:
    """How brightly the page is lit, on a grid an eighth of its size: gradient, vignette, soft shadow."""
    width, height = size
    gw, gh = width // 8, height // 8  # light is smooth: work small, then upscale
    y, x = np.mgrid[0:gh, 0:gw].astype(np.float32)
    y, x = y / gh - 0.5, x / gw - 0.5
    angle = rng.uniform(0, 2 * np.pi)
    light = 1 + rng.uniform(0.05, 0.3) * (np.cos(angle) * x + np.sin(angle) * y)
    light -= rng.uniform(0.0, 0.35) * (x**2 + y**2)
    # A soft shadow (a hand, a phone): darker beyond a line across the page, its edge blurred.
    normal = rng.uniform(0, 2 * np.pi)
    distance = np.cos(normal) * x + np.sin(normal) * y - rng.uniform(-0.3, 0.3)
    softness = rng.uniform(0.03, 0.15)
    strength = rng.uniform(0.1, 0.55)
    seen["shadow"] = round(strength, 3)
    return light * (1 - strength / (1 + np.exp(-distance / softness)))


def phone_photo(digit: np.ndarray, rng: np.random.Generator) -> tuple[bytes, dict]:
    """A JPEG phone photo of the uint8 (28, 28) MNIST digit written on paper, and what is in
    it: {"ruled", "table", "shadow" (its strength), "digit_share" (the 20-pixel box's share of
    the short side), "digit_box" (x0, y0, x1, y1) where the ink is at least half strength}."""
    seen: dict = {}
    size = PORTRAIT if rng.random() < 0.75 else PORTRAIT[::-1]
    page = _page(digit, size, rng, seen)
    seen["table"] = rng.random() < 0.5
    if seen["table"]:
        _table(page, rng)
    exposure = rng.uniform(0.8, 1.05)
    light = _light(size, rng, seen)
    light *= exposure / max(1.0, float(light.max()))  # nothing brighter than the page's own white
    noise = rng.standard_normal(size[::-1], dtype=np.float32) * rng.uniform(2, 7) + 128  # grey grain
    # In 8 bits with Pillow's own arithmetic: a photo is made many times in a test run.
    lit = Image.fromarray(np.clip(np.round(light * 255), 0, 255).astype(np.uint8), "L")
    lit = lit.resize(size, Image.Resampling.BILINEAR).convert("RGB")
    grain = Image.fromarray(np.clip(noise, 0, 255).astype(np.uint8), "L").convert("RGB")
    photo = ImageChops.add(ImageChops.multiply(page, lit), grain, 1.0, -128)
    photo = photo.filter(ImageFilter.BoxBlur(rng.uniform(0.6, 2.5)))  # out of focus: a disc more than a bell
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=int(rng.integers(80, 91)))
    return out.getvalue(), seen


def phone_photos(images: np.ndarray, labels: np.ndarray, count: int, seed: int):
    """Yield (label, jpeg bytes, what is in it) for the first `count` digits, each photo from
    its own seed, so photo i is the same whichever count is asked for."""
    for i in range(min(count, len(images))):
        jpeg, seen = phone_photo(images[i], np.random.default_rng([seed, i]))
        yield int(labels[i]), jpeg, seen
