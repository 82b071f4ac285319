"""view and contiguity.

`transpose` returns a view with swapped strides, so its elements are no longer laid out row
by row: `view` cannot reshape it without copying and refuses. `contiguous()` copies, and then
`view` works (or use `reshape`, which copies when it must).
"""
import engine as torch


def run() -> dict:
    x = torch.arange(12.0).reshape(3, 4)
    y = x.transpose(0, 1)
    res = {"x_contiguous": x.is_contiguous(), "y_contiguous": y.is_contiguous(),
           "y_shape": list(y.shape)}
    try:
        y.view(12)
    except RuntimeError as e:
        res["view_error"] = str(e)
    z = y.contiguous().view(12)
    res["z"] = z.tolist()
    res["z_contiguous"] = y.contiguous().is_contiguous()
    res["reshape"] = y.reshape(12).tolist()
    return res


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}: {value}")
