"""`python -m tests.translation.fake_libretranslate PORT [DELAY]`: the stack's provider.

The suite's stack translates through this LibreTranslate-protocol server (fake_provider.py)
so every test sees real translations flow; `DELAY` seconds per call model a real one.
"""

from __future__ import annotations

import asyncio
import sys

from tests.translation.fake_provider import FakeProvider


async def serve(port: int, delay: float) -> None:
    server = FakeProvider(delay=delay, record=False)
    await server.start(port=port)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]), float(sys.argv[2]) if len(sys.argv) > 2 else 0.0))
