"""The type aliases every service shares, named once.

`Document` is a MongoDB document as PyMongo returns it; `Collection` a collection of
them; `Context` the context a gRPC servicer method receives.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import grpc
from pymongo.asynchronous.collection import AsyncCollection

Document: TypeAlias = dict[str, Any]
Collection: TypeAlias = AsyncCollection[Document]
Context: TypeAlias = grpc.aio.ServicerContext
