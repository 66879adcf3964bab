"""Request and URL safety with no domain knowledge: outbound addresses, request parameters, external links."""
