"""What ``chroma.watch`` costs a training/eval loop: forward passes with no hook, with a
disabled watch, and with a watch logging every row to a real server.

An MLP (784-512-256-10, the penultimate layer watched, predictions from the logits) runs
batches of 256 on the CPU. The three modes are interleaved, round after round, in one
process, and each is reported as the median time per forward pass and its ratio to the
no-hook baseline of the same run (this machine is shared and noisy). The logging mode
includes pooling, the copy to numpy and ``Run.log`` (checks and buffering); sending runs
on the SDK's background threads and overlaps the loop.

    .venv/bin/python benchmarks/capture.py [--rounds 7 --batches 50]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch

import chroma
from ingest import start_server

BATCH = 256


def make_model() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(784, 512),
        torch.nn.ReLU(),
        torch.nn.Linear(512, 256),
        torch.nn.ReLU(),
        torch.nn.Linear(256, 10),
    )


def timed(
    model: torch.nn.Module, data: torch.Tensor, batches: int, watcher: chroma.Watch | None = None
) -> float:
    """Median seconds per forward pass over ``batches`` passes."""
    times = []
    with torch.no_grad():
        for i in range(batches):
            start = time.perf_counter()
            if watcher is not None and watcher.enabled:
                keys = [f"r{i}-{j}" for j in range(BATCH)]
                with watcher.batch(ids=keys):
                    model(data)
            else:
                model(data)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--batches", type=int, default=50)
    args = parser.parse_args()
    torch.set_num_threads(1)  # one core for the model; the SDK's sender gets the other

    model = make_model()
    data = torch.randn(BATCH, 784)
    with tempfile.TemporaryDirectory() as tmp:
        server, url = start_server(Path(tmp) / "data", None)
        try:
            run = chroma.init(project="bench-capture", dataset="eval", space="mlp", url=url)
            off = chroma.watch(model[3], run, model=model, enabled=False)
            results: dict[str, list[float]] = {"no hook": [], "disabled watch": [], "logging": []}
            for round_ in range(args.rounds):
                # Rotate the order so no mode always runs first (warm caches, turbo).
                modes = list(results)
                for mode in modes[round_ % 3 :] + modes[: round_ % 3]:
                    if mode == "no hook":
                        results[mode].append(timed(model, data, args.batches))
                    elif mode == "disabled watch":
                        results[mode].append(timed(model, data, args.batches, off))
                    else:
                        on = chroma.watch(model[3], run, model=model)
                        results[mode].append(timed(model, data, args.batches, on))
                        on.remove()
            start = time.perf_counter()
            run.close()
            drain = time.perf_counter() - start
            logged = args.rounds * args.batches * BATCH
        finally:
            server.terminate()
            server.wait(30)

    base = min(results["no hook"])
    print(f"MLP 784-512-256-10, batch {BATCH}, {args.rounds} rounds x {args.batches} passes")
    print(f"{'mode':<16} {'best median ms/pass':>20} {'ratio to no hook':>17}")
    for mode, values in results.items():
        best = min(values)
        print(f"{mode:<16} {best * 1e3:>20.3f} {best / base:>17.3f}")
    print(f"rows logged: {logged:,}; close() waited {drain:.2f} s for the last batches")


if __name__ == "__main__":
    main()
