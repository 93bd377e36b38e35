"""Bounded page sizes: no request reads more than MAX_PAGE_SIZE documents (the rule is
the kit's, shared with voting's lists)."""

from __future__ import annotations

from agora_kit.ids import page_size as page_size
