"""Per-customer privacy: everything held about one contact as an archive, erasure, and retention."""
