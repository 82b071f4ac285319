"""Reductions and norms.

`sum(axis=1, keepdims=True)` keeps the summed dimension with size 1, so A / sum_A broadcasts
row by row. cumsum accumulates along a dimension. The L2 norm of [3, -4] is 5, its L1 norm
7; the Frobenius norm of a 4x9 matrix of ones is sqrt(36) = 6.
"""
import engine as torch


def run() -> dict:
    A = torch.arange(20, dtype=torch.float32).reshape(5, 4)
    sum_A = A.sum(axis=1, keepdims=True)
    u = torch.tensor([3.0, -4.0])
    return {
        "sum": A.sum().item(),
        "sum_axis0": A.sum(axis=0).tolist(),
        "sum_A": sum_A.tolist(),
        "sum_A_shape": list(sum_A.shape),
        "A_over_sum_A": (A / sum_A).tolist(),
        "cumsum": A.cumsum(axis=0).tolist(),
        "mean": A.mean().item(),
        "mean_dim0": A.mean(dim=0).tolist(),
        "mean_over_sum": (A.sum() / A.numel()).item(),
        "l2": torch.norm(u).item(),
        "l1": torch.abs(u).sum().item(),
        "l1_norm": u.norm(p=1).item(),
        "frobenius": torch.norm(torch.ones((4, 9))).item(),
    }


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}: {value}")
