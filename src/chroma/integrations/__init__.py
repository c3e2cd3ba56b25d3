"""Integrations with the tools around Chroma, each an optional extra: Hugging Face
``datasets`` (``[hf]``), a PyTorch Lightning callback (``[lightning]``) and a round trip
to Label Studio (no extra). Like the SDK they talk to the server over HTTP only, through
``chroma.sdk``; none imports its library until it is used.
"""
