"""What every resolver sees: the store and this request's dataloaders."""

from __future__ import annotations

import strawberry
from strawberry.fastapi import BaseContext

from chroma.db.store import Store
from chroma.server.graphql.loaders import Loaders, create_loaders


class ChromaContext(BaseContext):
    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.loaders: Loaders = create_loaders(store)


Info = strawberry.Info[ChromaContext, None]
"""The ``info`` argument of every resolver."""
