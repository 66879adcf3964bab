"""The API's operations, one module per area; importing them registers them on the blueprint."""
