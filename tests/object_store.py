"""An S3-compatible object store on 127.0.0.1 for the tests of the artifact store: moto's
server (the one fake here, at the true outside edge: the S3 service a team would use)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from moto.server import ThreadedMotoServer


@dataclass(frozen=True)
class S3Bucket:
    url: str
    """``s3://bucket/prefix``, as ``CHROMA_ARTIFACT_STORE`` takes it."""
    env: dict[str, str]
    """What a process needs in its environment to reach the bucket (obstore reads it)."""


@contextmanager
def s3_bucket() -> Iterator[S3Bucket]:
    """A fresh bucket on a local S3 server that stops when the block ends."""
    import boto3

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        env = {
            "AWS_ACCESS_KEY_ID": "chroma-test",
            "AWS_SECRET_ACCESS_KEY": "chroma-test-secret",
            "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ALLOW_HTTP": "true",
        }
        name = f"chroma-{uuid.uuid4().hex[:12]}"
        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=env["AWS_REGION"],
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        )
        client.create_bucket(Bucket=name)
        yield S3Bucket(url=f"s3://{name}/team", env=env)
    finally:
        server.stop()
