"""Devices.

Tensors live on a device: 'cpu' or 'cuda'. Move them with `to`, `cuda()` and `cpu()`, or
create them there with `device=`. An op's inputs must share a device. Without a GPU,
`cuda.is_available()` is False and asking for 'cuda' raises an error that says why.
The product is (10000, 1000) @ (1000, 2000) when GRADLAB_FULL_SIZE=1, smaller otherwise.
"""
import os
import time

import engine as torch


def product_time(device: str, n: int, k: int, m: int) -> float:
    """Milliseconds for one (n, k) @ (k, m) product on ``device`` (after a warm-up)."""
    a = torch.randn(n, k, device=device)
    b = torch.randn(k, m, device=device)
    a @ b
    if device == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    a @ b
    if device == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - start) * 1000


def run() -> dict:
    full = os.environ.get("GRADLAB_FULL_SIZE") == "1"
    n, k, m = (10000, 1000, 2000) if full else (500, 100, 200)
    x = torch.ones(2, 3)
    res = {"cuda_available": torch.cuda.is_available(), "x_device": str(x.device),
           "shape": [n, k, m], "cpu_ms": product_time("cpu", n, k, m)}
    if torch.cuda.is_available():
        y = x.to("cuda")
        res["to_cuda_device"] = str(y.device)
        res["cuda_method_device"] = str(x.cuda().device)
        res["created_device"] = str(torch.ones(2, 3, device="cuda").device)
        res["back_to_cpu"] = str(y.cpu().device)
        try:
            x + y
        except RuntimeError as e:
            res["mixed_devices_error"] = str(e)
        res["gpu_ms"] = product_time("cuda", n, k, m)
    else:
        try:
            torch.ones(2, 3, device="cuda")
        except Exception as e:  # RuntimeError here; a CPU-only PyTorch raises AssertionError
            res["cuda_error"] = f"{type(e).__name__}: {e}"
    return res


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}: {value}")
