from __future__ import annotations

from typing import Any

import httpx
import pytest
from graphql_client import GraphQLClient, heldout_rows, train_rows


@pytest.fixture
def gql(http: httpx.Client) -> GraphQLClient:
    return GraphQLClient(http)


@pytest.fixture
def demo(gql: GraphQLClient) -> dict[str, Any]:
    """Project "demo": datasets train (30) and test (12), all in space "clip"."""
    return {
        "train": gql.log(train_rows(), dataset="train"),
        "test": gql.log(heldout_rows(), dataset="test"),
    }
