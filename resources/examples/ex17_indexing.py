"""Indexing.

Integers and slices pick rows, columns and ranges (views); lists of integers pick elements
pairwise (and broadcast against each other); boolean masks pick where a condition holds.
"""
import engine as torch


def run() -> dict:
    data = torch.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    cube = torch.arange(24).reshape(2, 3, 4)
    return {
        "row": data[1].tolist(),
        "column": data[:, 1].tolist(),
        "element": data[1, 2].item(),
        "pairs": data[[0, 1], [1, 2]].tolist(),
        "broadcast_pairs": data[[[0], [1]], [1, 2]].tolist(),
        "range": data[0:2, 1:].tolist(),
        "step": data[::2, ::2].tolist(),
        "last_row": data[-1].tolist(),
        "rows_where": data[data[:, 2] > 5].tolist(),
        "columns_where": data[:, data[1] > 5].tolist(),
        "mask_values": data[data > 4].tolist(),
        "cube_slice": cube[1, :, ::2].tolist(),
        "cube_ellipsis": cube[..., 0].tolist(),
        "cube_none_shape": list(cube[:, None, 0].shape),
    }


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}: {value}")
