"""Non-op node kinds: parameters, layers, losses, backward, autograd.grad, zero-grad, optimizer
step. (Being written.)"""
