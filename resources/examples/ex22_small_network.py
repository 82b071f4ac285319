"""A small network.

Two Linear layers with a ReLU learn y = x**3 on [-1, 1] with MSELoss and SGD with momentum,
in the loop every PyTorch program has: zero_grad, forward, loss, backward, step. The loss
falls (the app plots it). The parameters are saved with save() and loaded into a fresh network.
"""
import os
import tempfile

import engine as torch
from engine import nn


def make_net() -> nn.Module:
    return nn.Sequential(nn.Linear(1, 32), nn.ReLU(), nn.Linear(32, 1))


def train(net: nn.Module, x, y, epochs: int = 200, lr: float = 0.1) -> list:
    loss_fn = nn.MSELoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9)
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def run() -> dict:
    torch.manual_seed(0)
    x = torch.linspace(-1, 1, 64).reshape(64, 1)
    y = x**3
    net = make_net()
    losses = train(net, x, y)

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "net.pt")
        torch.save(net.state_dict(), path)
        fresh = make_net()
        fresh.load_state_dict(torch.load(path))
    with torch.no_grad():
        same = bool(torch.equal(fresh(x), net(x)))
    return {"first_loss": losses[0], "final_loss": losses[-1], "losses": losses,
            "loaded_matches": same, "parameter_names": list(net.state_dict().keys())}


if __name__ == "__main__":
    result = run()
    for name in ("first_loss", "final_loss", "loaded_matches", "parameter_names"):
        print(f"{name}: {result[name]}")
