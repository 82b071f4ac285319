"""A convolutional block.

Conv2d(1, 6, 5) turns a 32x32 image into 6 maps of 28x28; max_pool2d(2) halves them to
14x14; Conv2d(6, 16, 5) gives 16 maps of 10x10, pooled to 5x5 (LeNet's first stages).
"""
import engine as torch
from engine import nn
import engine.nn.functional as F


def run() -> dict:
    torch.manual_seed(0)
    conv1 = nn.Conv2d(1, 6, 5)
    conv2 = nn.Conv2d(6, 16, 5)
    x = torch.randn(1, 1, 32, 32)
    shapes = [list(x.shape)]
    h = conv1(x)
    shapes.append(list(h.shape))
    h = F.relu(h)
    shapes.append(list(h.shape))
    h = F.max_pool2d(h, 2)
    shapes.append(list(h.shape))
    h = conv2(h)
    shapes.append(list(h.shape))
    h = F.relu(h)
    shapes.append(list(h.shape))
    out = F.max_pool2d(h, 2)
    shapes.append(list(out.shape))
    out.sum().backward()
    return {"shapes": shapes, "grad_fn": out.grad_fn.name(),
            "conv1_weight_grad_shape": list(conv1.weight.grad.shape)}


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}: {value}")
