"""cat and stack.

`cat` joins tensors along an existing dimension (that dimension grows); `stack` adds a new
dimension at the given place.
"""
import engine as torch


def run() -> dict:
    x = torch.ones(3, 5, 4)
    y = torch.zeros(3, 5, 4)
    a = torch.tensor([[1, 2, 3], [4, 5, 6]])
    b = torch.tensor([[7, 8, 9], [10, 11, 12]])
    return {
        "cat0": list(torch.cat((x, y), dim=0).shape),
        "cat1": list(torch.cat((x, y), dim=1).shape),
        "cat2": list(torch.cat((x, y), dim=2).shape),
        "stack0": list(torch.stack((a, b), dim=0).shape),
        "stack1": list(torch.stack((a, b), dim=1).shape),
        "stack2": list(torch.stack((a, b), dim=2).shape),
        "stack2_values": torch.stack((a, b), dim=2).tolist(),
    }


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}: {value}")
