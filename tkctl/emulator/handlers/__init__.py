"""Request handlers, one module per endpoint family: read the `Call`, call the model, shape
the answer as `(status, body)`. No business rules here (they live in models/)."""
