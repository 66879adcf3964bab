"""One customer across channels: proven identities linked, likely matches suggested, merges undone."""
