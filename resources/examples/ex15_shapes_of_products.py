"""Shapes of products.

mm multiplies matrices, bmm batches of them, mv a matrix and a vector, dot two vectors.
matmul (and @) broadcasts batch dimensions: (3,4,5) @ (5,4) is three (4,5) @ (5,4) products.
"""
import engine as torch


def run() -> dict:
    A = torch.ones(3, 4)
    B = torch.ones(4, 5)
    batch1 = torch.ones(3, 4, 5)
    batch2 = torch.ones(3, 5, 8)
    v = torch.ones(4)
    return {
        "mm": list(torch.mm(A, B).shape),
        "bmm": list(torch.bmm(batch1, batch2).shape),
        "matmul_3d_2d": list(torch.matmul(batch1, torch.ones(5, 4)).shape),
        "matmul_2d_3d": list(torch.matmul(torch.ones(5, 4), batch1).shape),
        "at": list((A @ B).shape),
        "mv": list(torch.mv(A, v).shape),
        "dot": torch.dot(v, v).item(),
        "dot_shape": list(torch.dot(v, v).shape),
        "mm_value": torch.mm(A, B)[0, 0].item(),
    }


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}: {value}")
