"""Photo pipeline micro-benchmark: a 12-megapixel JPEG through `models.photos.process_image`
against Pillow's own draft-mode decode and resize of the same file (the floor for any
pipeline that must decode and scale the photo), in CPU time. Prints one JSON line.
"""

import io
import json
import os
import statistics
import time

from PIL import Image, ImageChops, ImageFilter

from models.photos import DISPLAY_BOX, _fit, process_image

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "out")
SIZE = (4000, 3000)


def photo_bytes():
    """A photo-like 12 MP JPEG (smooth gradients, shapes and sensor-like noise), made once."""
    path = os.path.join(OUT, "photo-12mp.jpg")
    if not os.path.exists(path):
        os.makedirs(OUT, exist_ok=True)
        r = Image.linear_gradient("L").resize(SIZE)
        g = Image.radial_gradient("L").resize(SIZE)
        b = Image.effect_noise((SIZE[0] // 8, SIZE[1] // 8), 60).resize(SIZE, Image.Resampling.BICUBIC)
        img = Image.merge("RGB", (r, g, b))
        grain = Image.effect_noise(SIZE, 12).convert("RGB")
        img = ImageChops.add(img, grain, scale=1.3, offset=-20).filter(ImageFilter.GaussianBlur(0.6))
        img.save(path, "JPEG", quality=92)
    with open(path, "rb") as fh:
        return fh.read()


def pillow_floor(data):
    image = Image.open(io.BytesIO(data))
    target = _fit(image.size, DISPLAY_BOX)
    image.draft("RGB", target)
    image.load()
    return image.resize(target, Image.Resampling.LANCZOS)


def timed(fn, data, runs):
    """CPU time of each call: both sides are single-threaded, and CPU time does not count
    the waits when other processes share the cores."""
    times = []
    for _ in range(runs):
        t = time.process_time()
        fn(data)
        times.append(time.process_time() - t)
    return times


def main():
    data = photo_bytes()
    process_image(data, "photo.jpg")  # warm-up (imports, codec tables)
    pillow_floor(data)
    pipe, floor = [], []
    for _ in range(5):  # alternate, as the page benchmark does
        pipe += timed(lambda d: process_image(d, "photo.jpg"), data, 2)
        floor += timed(pillow_floor, data, 2)
    p, f = statistics.median(pipe) * 1000, statistics.median(floor) * 1000
    print(
        json.dumps(
            {"pipeline_ms": p, "pillow_ms": f, "ratio": p / f, "bytes": len(data), "size": "x".join(map(str, SIZE))}
        )
    )


if __name__ == "__main__":
    main()
