"""drafter: policy-checked, empathetic replies to refund, return, exchange and cancel requests."""
