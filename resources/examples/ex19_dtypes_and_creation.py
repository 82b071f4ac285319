"""dtypes and creation.

A Python int makes an int64 tensor, a float a float32 one, and a float64 numpy array stays
float64. Typed constructors convert (IntTensor truncates), `full` keeps the fill value's
type, and `manual_seed` makes random numbers repeatable.
"""
import numpy as np

import engine as torch


def run() -> dict:
    x = torch.tensor([1.0, 2.0])
    torch.manual_seed(42)
    r1 = torch.rand(3)
    torch.manual_seed(42)
    r2 = torch.rand(3)
    return {
        "int_dtype": str(torch.tensor(10).dtype),
        "float_list_dtype": str(x.dtype),
        "ndarray_dtype": str(torch.tensor(np.array([1.0, 2.0])).dtype),
        "int_tensor": torch.IntTensor([2.5, 3.3]).tolist(),
        "int_tensor_dtype": str(torch.IntTensor([2.5, 3.3]).dtype),
        "full_int_dtype": str(torch.full((2, 2), 7).dtype),
        "full_float_dtype": str(torch.full((2, 2), 7.0).dtype),
        "type_double": str(x.type(torch.DoubleTensor).dtype),
        "double": str(x.double().dtype),
        "type_name": x.type(),
        "arange": torch.arange(0, 10, 2).tolist(),
        "arange_dtype": str(torch.arange(0, 10, 2).dtype),
        "linspace": torch.linspace(0, 11, 10).tolist(),
        "zeros": torch.zeros(2, 3).tolist(),
        "eye": torch.eye(2).tolist(),
        "seeded_equal": bool(torch.equal(r1, r2)),
    }


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}: {value}")
